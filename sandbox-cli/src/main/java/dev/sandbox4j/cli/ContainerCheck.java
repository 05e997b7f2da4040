package dev.sandbox4j.cli;

import dev.sandbox4j.exec.host.ContainerEnvironment;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The container part of {@code sandbox-ctl check}: each restriction of the container with the setting that lifts
 * it, then what a trial sandbox (what {@code sandbox-ctl -- true} would run) does here. Which calls an outer
 * seccomp filter refuses cannot be read, only tried: the trial runs in the launcher's own processes, so a
 * refused call costs nothing but that trial. Only in a container: on a host, check reads files and runs nothing.
 */
final class ContainerCheck {
    private ContainerCheck() {
    }

    static List<String> lines(ContainerEnvironment env, SystemCapabilities system) {
        List<String> lines = new ArrayList<>();
        if (env.container().isEmpty()) {
            return lines;
        }
        List<ContainerEnvironment.Restriction> restrictions = env.restrictions(system);
        lines.add("container          " + env.container().get() + (restrictions.isEmpty()
                ? ": no restriction that bears on sandbox4j" : ", restricted (each with the setting that lifts it):"));
        for (ContainerEnvironment.Restriction r : restrictions) {
            lines.add("  " + r.line());
        }
        String trial = trial(false);
        lines.add("trial sandbox      " + trial);
        if (trial.startsWith("fails") && trial.contains("proc")) {
            lines.add("  with --no-proc   " + trial(true));
        }
        return lines;
    }

    /** Runs {@code true} as {@code sandbox-ctl} would (default view, auto mode), and says what happened. */
    private static String trial(boolean withoutProc) {
        String program = Files.isExecutable(Path.of("/usr/bin/true")) ? "/usr/bin/true" : "/bin/true";
        try {
            var builder = SandboxConfig.builder().filesystem(FilesystemView.defaults().build())
                    .seccomp(SeccompProfile.MINIMAL).timeout(Duration.ofSeconds(10)).forkServer(false);
            if (withoutProc) {
                builder.withoutProc();
            }
            try (Sandbox sandbox = Sandbox.create(builder.build())) {
                SandboxResult r = sandbox.run(List.of(program));
                String mode = r.mode().name().toLowerCase(java.util.Locale.ROOT);
                String ran = (r.success() ? "runs" : "ran but failed (" + r + ")") + ", in " + mode + " mode";
                return r.degradations().isEmpty() ? ran + ", nothing given up"
                        : ran + ", giving up: " + String.join(" | ", r.degradations());
            }
        } catch (SandboxSetupException e) {
            return "fails (sandbox-ctl exits 125): " + e.getMessage();
        } catch (SandboxException e) {
            return "fails: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
