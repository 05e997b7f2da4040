package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.seccomp.Architecture;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sandbox-ctl profiles}: what each {@code -P} preset chooses and how this host enforces it, then the
 * seccomp profiles {@code -s} takes, with their syscall counts.
 *
 * <p>How the limits are enforced is the library's answer for each preset configured as a run would configure it.
 */
final class ProfilesCommand implements Callable<Integer> {
    /** The working directory the presets are configured with: {@code /}, so that nothing is bound for it. */
    private static final Path ROOT = Path.of("/");

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    ProfilesCommand() {
        spec.name("profiles")
                .usageMessage()
                .description("List the presets (-P) with what each chooses and how this "
                        + "host enforces their limits, and the seccomp profiles (-s).");
        SandboxCtl.standardHelpOptions(spec);
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Optional<PrivilegeMode> here = configure(SecurityPreset.STRICT, PrivilegeMode.AUTO, null)
                .map(c -> c.config().mode());
        String row = "%-11s %-9s %-14s %8s %5s %7s  %s%n";
        out.printf(row, "PRESET", "SECCOMP", "NETWORK", "MEMORY", "PIDS", "TIMEOUT", "CPU");
        for (SecurityPreset preset : SecurityPreset.values()) {
            String cpu = ConfigMapping.percent(preset.cpuPercent())
                    + configure(preset, PrivilegeMode.AUTO, null)
                            .filter(c -> !c.notApplied().isEmpty())
                            .map(c -> " (not applied: " + modeName(c.config().mode()) + ")")
                            .orElse("");
            out.printf(
                    row,
                    preset.cliName() + (preset == SecurityPreset.STRICT ? "*" : ""),
                    preset.seccomp().cliName(),
                    preset.ownNetwork() ? "own (lo only)" : "user-mode",
                    Sizes.format(preset.memoryBytes()),
                    preset.pids(),
                    Durations.format(preset.timeout()),
                    cpu);
        }
        out.println();
        for (SecurityPreset preset : SecurityPreset.values()) {
            out.printf("%-11s %s%n", preset.cliName(), preset.description());
        }
        out.println();
        out.println("* the default. --seccomp, --memory, --pids, --timeout and --cpu override the preset; "
                + "'none' lifts a limit.");
        out.println("Every preset sees the default filesystem view: the host's /usr, /bin, /lib*, /etc read-only, a "
                + "private /tmp, /proc, a minimal /dev, and nothing else unless bound (--ro-bind . shows the working "
                + "directory; --bind, -r/--root, --host-fs change the view).");
        out.println();
        out.println("How the limits are enforced"
                + here.map(m -> " (here --mode auto is " + modeName(m) + ")").orElse("") + ":");
        for (PrivilegeMode mode : List.of(PrivilegeMode.PRIVILEGED, PrivilegeMode.UNPRIVILEGED)) {
            List<String> lines = describe(mode);
            for (int i = 0; i < lines.size(); i++) {
                out.printf("  %-13s %s%n", i == 0 ? modeName(mode) : "", lines.get(i));
            }
        }
        out.println();
        SeccompCommand.listProfiles(out, Architecture.current());
        out.flush();
        return ExitCodes.OK;
    }

    /** How {@code mode} enforces the strict preset's limits on this host, or why it cannot be used here. */
    private static List<String> describe(PrivilegeMode mode) {
        SandboxConfig config;
        try {
            config = ConfigMapping.build(options(SecurityPreset.STRICT, mode, null), ROOT)
                    .config();
        } catch (SandboxException e) {
            return List.of("not usable here: " + e.getMessage());
        }
        return List.of(
                "memory: "
                        + config.memoryLimitMechanism()
                                .map(ProfilesCommand::memory)
                                .orElse("not limited"),
                "pids:   "
                        + config.pidsLimitMechanism().map(ProfilesCommand::pids).orElse("not limited"),
                "cpu:    "
                        + (config.cpuLimitMechanism().isPresent()
                                ? "the run's cgroup (CFS quota per 100 ms)"
                                : "a preset's is not applied, an explicit --cpu is refused" + cpuRefusal(mode)));
    }

    /** The executor's reason for refusing an explicit cpu limit in {@code mode}, as ": reason", or "". */
    private static String cpuRefusal(PrivilegeMode mode) {
        try {
            ConfigMapping.build(options(SecurityPreset.STRICT, mode, Converters.Limit.of(50.0)), ROOT);
            return "";
        } catch (FeatureUnavailableException e) {
            return ": " + e.reason();
        } catch (SandboxException e) {
            return "";
        }
    }

    private static String memory(LimitMechanism mechanism) {
        return mechanism == LimitMechanism.CGROUP
                ? "the run's cgroup (its whole process tree; beyond it the kernel OOM-kills)"
                : "RLIMIT_DATA (per process: an allocation beyond it fails; no tree total, no OOM kill)";
    }

    private static String pids(LimitMechanism mechanism) {
        return mechanism == LimitMechanism.CGROUP
                ? "the run's cgroup (pids.max)"
                : "RLIMIT_NPROC (counts every process of the sandbox's host uid)";
    }

    private static Optional<ConfigMapping.Configured> configure(
            SecurityPreset preset, PrivilegeMode mode, Converters.Limit<Double> cpu) {
        try {
            return Optional.of(ConfigMapping.build(options(preset, mode, cpu), ROOT));
        } catch (SandboxException e) {
            return Optional.empty();
        }
    }

    /** {@code sandbox-ctl -P PRESET --mode MODE [--cpu PERCENT] true}: the preset and nothing else. */
    private static RunOptions options(SecurityPreset preset, PrivilegeMode mode, Converters.Limit<Double> cpu) {
        RunOptions options = new RunOptions();
        options.preset = preset;
        options.mode = mode;
        options.cpu = cpu;
        options.command.add("true");
        return options;
    }

    private static String modeName(PrivilegeMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
