package dev.sandbox4j.cli;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.ResolvedMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.host.ContainerEnvironment;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sandbox-ctl check}: what this system offers for sandboxing and which mode {@code --mode auto} picks,
 * with the reason; in a container also what the container withholds and what a trial sandbox does there. Exits 0 when some mode works, 1 when none does.
 */
final class CheckCommand implements Callable<Integer> {

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    private final Supplier<SystemCapabilities> system;

    CheckCommand(Supplier<SystemCapabilities> system) {
        this.system = Objects.requireNonNull(system, "system");
        spec.name("check")
                .usageMessage()
                .description("Show what this system offers for sandboxing and the mode "
                        + "--mode auto picks, with the reason. Exits 0 when some mode can work, 1 when none can.");
        SandboxCtl.standardHelpOptions(spec);
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        SystemCapabilities capabilities = system.get();
        PrintWriter out = spec.commandLine().getOut();
        out.println("sandbox4j " + SandboxCtl.version() + " system check");
        out.println();
        out.print(capabilities.summary());
        out.printf("%-19s%s%n", "user-mode network", dev.sandbox4j.exec.Network.userModeAvailability());
        for (String line : containerLines(ContainerEnvironment.detect(), capabilities)) {
            out.println(line);
        }
        out.println();
        try {
            ResolvedMode auto = capabilities.resolve(PrivilegeMode.AUTO);
            out.println("auto mode resolves to " + auto.mode() + ": " + auto.reason());
            out.flush();
            return ExitCodes.OK;
        } catch (FeatureUnavailableException e) {
            out.println("auto mode resolves to nothing: " + e.getMessage());
            out.flush();
            return ExitCodes.NOTHING_USABLE;
        }
    }

    /**
     * In a container: each restriction with the setting that lifts it, then what a trial sandbox does here. Which
     * calls an outer seccomp filter refuses can only be tried, not read. On a host, nothing is run.
     */
    static List<String> containerLines(ContainerEnvironment env, SystemCapabilities system) {
        List<String> lines = new ArrayList<>();
        if (env.container().isEmpty()) {
            return lines;
        }
        List<ContainerEnvironment.Restriction> restrictions = env.restrictions(system);
        lines.add("container          " + env.container().get()
                + (restrictions.isEmpty()
                        ? ": no restriction that bears on sandbox4j"
                        : ", restricted (each with the setting that lifts it):"));
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
            var builder = SandboxConfig.builder()
                    .filesystem(FilesystemView.defaults().build())
                    .seccomp(SeccompProfile.MINIMAL)
                    .timeout(Duration.ofSeconds(10))
                    .forkServer(false);
            if (withoutProc) {
                builder.withoutProc();
            }
            try (Sandbox sandbox = Sandbox.create(builder.build())) {
                SandboxResult r = sandbox.run(List.of(program));
                String mode = r.mode().name().toLowerCase(java.util.Locale.ROOT);
                String ran = (r.success() ? "runs" : "ran but failed (" + r + ")") + ", in " + mode + " mode";
                return r.degradations().isEmpty()
                        ? ran + ", nothing given up"
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
