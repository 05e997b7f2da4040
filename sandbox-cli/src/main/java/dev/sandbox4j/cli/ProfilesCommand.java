package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.seccomp.Architecture;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-ctl profiles}: what each {@code -P} preset chooses, then the seccomp profiles {@code -s}
 * takes, with their syscall counts.
 */
@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = "List the presets (-P) with what each chooses, and the seccomp profiles (-s).")
final class ProfilesCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    private final Enforcement enforcement;

    ProfilesCommand(Enforcement enforcement) {
        this.enforcement = enforcement;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String row = "%-11s %-9s %-14s %8s %5s %7s  %s%n";
        out.printf(row, "PRESET", "SECCOMP", "NETWORK", "MEMORY", "PIDS", "TIMEOUT", "CPU");
        Optional<String> cpuNotEnforced = enforcement.cpuNotEnforced(PrivilegeMode.AUTO);
        for (SecurityPreset preset : SecurityPreset.values()) {
            String cpu = RunSettings.formatPercent(preset.cpuPercent()) + (cpuNotEnforced.isPresent() ? " (not applied)" : "");
            out.printf(row, preset.cliName() + (preset == SecurityPreset.STRICT ? "*" : ""), preset.seccomp().cliName(),
                    preset.ownNetwork() ? "own (lo only)" : "host's", Sizes.format(preset.memoryBytes()),
                    preset.pids(), Durations.format(preset.timeout()), cpu);
        }
        out.println();
        for (SecurityPreset preset : SecurityPreset.values()) {
            out.printf("%-11s %s%n", preset.cliName(), preset.description());
        }
        out.println();
        out.println("* the default. --seccomp, --memory, --pids, --timeout and --cpu override the preset; "
                + "'none' lifts a limit.");
        cpuNotEnforced.ifPresent(why -> out.println("CPU not applied: " + why + "."));
        out.println("Memory is enforced as the address-space rlimit (RLIMIT_AS) and pids as RLIMIT_NPROC until cgroup "
                + "limits are applied to runs.");
        out.println();
        SeccompCommand.listProfiles(out, Architecture.current());
        out.flush();
        return ExitCodes.OK;
    }
}
