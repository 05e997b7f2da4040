package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a running sandbox has used so far, from {@link SandboxProcess#usage()}: a snapshot, read when asked.
 *
 * @param memoryCurrentBytes memory in use now: the cgroup's charge (page cache and tmpfs included), or the sum of
 *                           the processes' resident sets from {@code /proc}
 * @param memoryPeakBytes    the cgroup's high-water mark; empty without a memory cgroup
 * @param cpuTime            CPU time used so far, user plus system: the cgroup's for the whole tree, or the sum
 *                           over the processes alive now from {@code /proc} (those that have ended drop out)
 * @param pids               tasks (processes and threads) now, the sandbox's init included
 * @param source             {@link UsageSource#CGROUP} or {@link UsageSource#PROC}
 */
public record Usage(
        OptionalLong memoryCurrentBytes,
        OptionalLong memoryPeakBytes,
        Duration cpuTime,
        OptionalLong pids,
        UsageSource source) {
    public Usage {
        Objects.requireNonNull(memoryCurrentBytes, "memoryCurrentBytes");
        Objects.requireNonNull(memoryPeakBytes, "memoryPeakBytes");
        Objects.requireNonNull(cpuTime, "cpuTime");
        Objects.requireNonNull(pids, "pids");
        Objects.requireNonNull(source, "source");
    }
}
