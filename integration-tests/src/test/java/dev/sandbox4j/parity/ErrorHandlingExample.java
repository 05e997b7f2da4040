package dev.sandbox4j.parity;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * sandbox-rs's error handling example: a timeout, an invalid configuration, a program that cannot run, a memory
 * limit reached and a seccomp violation, each reported as what it is.
 */
public final class ErrorHandlingExample {
    private ErrorHandlingExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - error handling ===");
        try (Sandbox sandbox =
                Sandbox.create(SandboxConfig.builder().timeout("500ms").build())) {
            SandboxResult r = sandbox.run(List.of("sleep", "10"));
            out.println("[1] timeout: timedOut=" + r.timedOut() + ", killed by "
                    + r.signalName().orElse("nothing"));
        }
        try {
            SandboxConfig.builder().memoryLimit("12Q");
            out.println("[2] invalid configuration: accepted?!");
        } catch (InvalidConfigException e) {
            out.println("[2] invalid configuration: " + e.getMessage());
        }
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            sandbox.run(List.of("no-such-program"));
            out.println("[3] missing program: ran?!");
        } catch (ProgramNotRunnableException e) {
            out.println("[3] missing program: " + e.getMessage());
        }
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .memoryLimit("32M")
                .timeout(Duration.ofSeconds(30))
                .build())) {
            SandboxResult r = sandbox.run(List.of("python3", "-c", "b = bytearray(100 << 20)"));
            out.println("[4] memory limit: oomKilled=" + r.oomKilled() + ", exit "
                    + r.exitCode().orElse(-1)
                    + ", signal " + r.signalName().orElse("none")
                    + (r.stderrText().contains("MemoryError")
                            ? ", MemoryError (an rlimit: the allocation failed)"
                            : ""));
        }
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .filesystem(FilesystemView.defaults().build())
                .build())) {
            SandboxResult r = sandbox.run(List.of("mkdir", "/tmp/newdir"));
            out.println("[5] seccomp violation: " + r.blockedSyscall().orElse("none") + ", permitted by "
                    + r.violation()
                            .flatMap(v -> v.permittedBy())
                            .map(Object::toString)
                            .orElse("?"));
        }
        return 0;
    }
}
