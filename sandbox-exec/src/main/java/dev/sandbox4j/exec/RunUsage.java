package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * What a running sandbox uses right now, from {@link ActiveRun#usage()}.
 *
 * @param cpuTime     CPU time so far, user plus system: from the run's cgroup (every process it ever had) when
 *                    {@code source} is {@link UsageSource#CGROUP}, else summed over the processes alive now
 * @param memoryBytes memory in use now: the cgroup's charge (page cache and tmpfs included) for
 *                    {@link UsageSource#CGROUP}, else the sum of the live processes' resident sets; empty when
 *                    neither could be read
 * @param processes   the sandbox's processes alive now, its init included
 * @param source      where {@code cpuTime} and {@code memoryBytes} come from; {@link UsageSource#RUSAGE} here means
 *                    the processes' own figures in the host's {@code /proc}
 */
public record RunUsage(Duration cpuTime, OptionalLong memoryBytes, int processes, UsageSource source) {}
