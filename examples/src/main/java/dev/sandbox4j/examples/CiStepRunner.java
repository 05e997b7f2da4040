package dev.sandbox4j.examples;

import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A CI step runner: runs one build step ({@code make test}, say) over a workspace bound writable at
 * {@code /workspace}, with the command line's {@code moderate} settings (IO_HEAVY seccomp, its own empty network,
 * 512 MiB, 256 tasks, 5 minutes), and writes the run's report, the document {@code sandbox-ctl --report} writes,
 * next to the workspace.
 *
 * <pre>
 * java -cp ... dev.sandbox4j.examples.CiStepRunner WORKSPACE make test
 * </pre>
 */
public final class CiStepRunner {
    private CiStepRunner() {}

    /** What a step gave: its result and where its report is. */
    public record Step(SandboxResult result, Path report) {}

    /** The workspace must be writable by the sandbox's user (another uid than ours on a root host). */
    public static Step run(Path workspace, List<String> command) throws InterruptedException, java.io.IOException {
        Path real = workspace.toRealPath();
        try (Sandbox moderate = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.IO_HEAVY)
                .filesystem(FilesystemView.defaults()
                        .bind(real, Path.of("/workspace"))
                        .build())
                .cwd(Path.of("/workspace"))
                .memoryLimit(512L << 20)
                .pidsLimit(256)
                .timeout(Duration.ofMinutes(5))
                .build())) {
            SandboxResult result = moderate.run(RunRequest.of(command));
            Path report = real.resolveSibling(real.getFileName() + ".report.json");
            Files.writeString(report, result.toJson() + "\n");
            return new Step(result, report);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CiStepRunner WORKSPACE COMMAND [ARG...]");
            System.exit(2);
        }
        Step step = run(Path.of(args[0]), List.of(args).subList(1, args.length));
        System.out.print(step.result().stdoutText());
        System.err.print(step.result().stderrText());
        System.out.println("step " + step.result().status() + ", report " + step.report());
        System.exit(step.result().exitCode().orElse(128 + step.result().signal().orElse(0)));
    }
}
