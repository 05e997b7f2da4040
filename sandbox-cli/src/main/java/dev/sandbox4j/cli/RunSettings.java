package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a run gets once the preset and the explicit options are combined: an explicit option wins, {@code none}
 * lifts the limit, and the preset fills in the rest.
 *
 * @param preset      the preset the defaults came from
 * @param seccomp     the seccomp profile installed before the program starts
 * @param ownNetwork  a network namespace of its own ({@code lo} only) rather than the host's network
 * @param memoryBytes the memory limit, if any
 * @param pids        the process and thread limit, if any
 * @param timeout     the wall-clock limit, if any
 * @param cpuPercent  the cpu limit, if any; only ever present when this build enforces it
 * @param notApplied  preset limits left out because this build cannot enforce them, one phrase each
 */
record RunSettings(
        SecurityPreset preset,
        SeccompProfile seccomp,
        boolean ownNetwork,
        OptionalLong memoryBytes,
        OptionalInt pids,
        Optional<Duration> timeout,
        OptionalDouble cpuPercent,
        List<String> notApplied) {

    RunSettings {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(seccomp, "seccomp");
        notApplied = List.copyOf(notApplied);
    }

    /**
     * Combines {@code options} with their preset.
     *
     * @throws FeatureUnavailableException when the options ask for something this build cannot do: a root
     *         switch, or an explicit limit it would not enforce. Refusing is the honest answer: running anyway
     *         would let the user believe the program was confined when it was not.
     */
    static RunSettings resolve(RunOptions options, Enforcement enforcement) {
        if (options.root().isPresent()) {
            throw new FeatureUnavailableException("--root",
                    "the root switch is not in this build yet (no filesystem view); the program did not run");
        }
        SecurityPreset preset = options.preset();
        List<String> notApplied = new ArrayList<>();
        OptionalDouble cpu = OptionalDouble.empty();
        Optional<Double> wantedCpu = choose(options.cpuPercent(), (double) preset.cpuPercent());
        if (wantedCpu.isPresent()) {
            Optional<String> notEnforced = enforcement.cpuNotEnforced(options.mode());
            if (notEnforced.isEmpty()) {
                cpu = OptionalDouble.of(wantedCpu.get());
            } else if (options.cpuPercent().isPresent()) {
                throw new FeatureUnavailableException("--cpu", notEnforced.get() + "; use --cpu none to run without one");
            } else {
                notApplied.add("cpu " + formatPercent(wantedCpu.get()) + ": " + notEnforced.get());
            }
        }
        return new RunSettings(
                preset,
                options.seccompProfile().orElse(preset.seccomp()),
                preset.ownNetwork(),
                toLong(choose(options.memoryBytes(), preset.memoryBytes())),
                toInt(choose(options.pids(), preset.pids())),
                choose(options.timeout(), preset.timeout()),
                cpu,
                notApplied);
    }

    /** The explicit option if given ({@code none} gives empty), else the preset's value. */
    private static <T> Optional<T> choose(Optional<Limit<T>> explicit, T presetValue) {
        return explicit.map(Limit::value).orElse(Optional.of(presetValue));
    }

    private static OptionalLong toLong(Optional<Long> value) {
        return value.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    private static OptionalInt toInt(Optional<Integer> value) {
        return value.map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    static String formatPercent(double percent) {
        return (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }

    /** One line for {@code -v}: {@code preset strict: seccomp minimal, own network, memory 128 MiB, …}. */
    String describe() {
        return "preset " + preset.cliName() + ": seccomp " + seccomp.cliName()
                + ", " + (ownNetwork ? "own network (lo only)" : "host network")
                + ", memory " + (memoryBytes.isPresent() ? Sizes.format(memoryBytes.getAsLong()) : Limit.NONE)
                + ", pids " + (pids.isPresent() ? Integer.toString(pids.getAsInt()) : Limit.NONE)
                + ", timeout " + timeout.map(Durations::format).orElse(Limit.NONE)
                + ", cpu " + (cpuPercent.isPresent() ? formatPercent(cpuPercent.getAsDouble()) : Limit.NONE)
                + (notApplied.isEmpty() ? "" : "; not applied: " + String.join("; ", notApplied));
    }
}
