package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
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
 * @param ownNetwork  a network namespace with only {@code lo} rather than user-mode networking
 * @param memoryBytes the memory limit, if any
 * @param pids        the process and thread limit, if any
 * @param timeout     the wall-clock limit, if any
 * @param cpuPercent  the cpu limit, if any
 * @param notApplied  preset limits left out because the executor cannot enforce them here, one phrase each
 */
record RunSettings(
        SecurityPreset preset,
        NamedSeccompFilter seccomp,
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
     * Combines {@code options} with their preset. Whether the limits can be enforced is the executor's to
     * say, at {@code build()} ({@link ConfigMapping#build}).
     */
    static RunSettings resolve(RunOptions options) {
        SecurityPreset preset = options.preset();
        return new RunSettings(
                preset,
                options.seccompProfile().orElse(NamedSeccompFilter.of(preset.seccomp())),
                preset.ownNetwork(),
                toLong(choose(options.memoryBytes(), preset.memoryBytes())),
                toInt(choose(options.pids(), preset.pids())),
                choose(options.timeout(), preset.timeout()),
                toDouble(choose(options.cpuPercent(), (double) preset.cpuPercent())),
                List.of());
    }

    /** These settings without their cpu limit, which is not applied for {@code reason}. */
    RunSettings withoutCpu(String reason) {
        List<String> left = new ArrayList<>(notApplied);
        left.add("cpu limit " + formatPercent(cpuPercent.orElseThrow()) + " is not applied: " + reason);
        return new RunSettings(preset, seccomp, ownNetwork, memoryBytes, pids, timeout, OptionalDouble.empty(), left);
    }

    /** The explicit option if given ({@code none} gives empty), else the preset's value. */
    private static <T> Optional<T> choose(Optional<Limit<T>> explicit, T presetValue) {
        return explicit.isPresent() ? explicit.get().value() : Optional.of(presetValue);
    }

    private static OptionalLong toLong(Optional<Long> value) {
        return value.isPresent() ? OptionalLong.of(value.get()) : OptionalLong.empty();
    }

    private static OptionalDouble toDouble(Optional<Double> value) {
        return value.isPresent() ? OptionalDouble.of(value.get()) : OptionalDouble.empty();
    }

    private static OptionalInt toInt(Optional<Integer> value) {
        return value.isPresent() ? OptionalInt.of(value.get()) : OptionalInt.empty();
    }

    static String formatPercent(double percent) {
        return (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }

    /** One line for {@code -v}: {@code preset strict: seccomp minimal, own network, memory 128 MiB, …}. */
    String describe() {
        return "preset " + preset.cliName() + ": seccomp " + seccomp.name()
                + ", " + (ownNetwork ? "own network (lo only)" : "user-mode network")
                + ", memory " + (memoryBytes.isPresent() ? Sizes.format(memoryBytes.getAsLong()) : Limit.NONE)
                + ", pids " + (pids.isPresent() ? Integer.toString(pids.getAsInt()) : Limit.NONE)
                + ", timeout " + timeout.map(Durations::format).orElse(Limit.NONE)
                + ", cpu " + (cpuPercent.isPresent() ? formatPercent(cpuPercent.getAsDouble()) : Limit.NONE)
                + (notApplied.isEmpty() ? "" : "; " + String.join("; ", notApplied));
    }
}
