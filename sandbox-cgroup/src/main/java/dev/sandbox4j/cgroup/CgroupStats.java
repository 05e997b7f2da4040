package dev.sandbox4j.cgroup;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a sandbox used, as its cgroups account it: every process of the sandbox together, including ones
 * that exited or were orphaned. Each figure is empty when no cgroup of this host can provide it.
 *
 * <p>Memory figures are the cgroup's charge: anonymous memory plus page cache, tmpfs/shm and kernel memory,
 * which is more than the sum of the processes' RSS.
 *
 * @param memoryPeakBytes highest memory charge: cgroup v2 {@code memory.peak}, v1
 *                        {@code memory.max_usage_in_bytes}; on v2 kernels before 5.19 (no {@code memory.peak})
 *                        the highest {@code memory.current} seen when stats were taken, a lower bound
 * @param cpuTimeUs       CPU time of all the sandbox's tasks, user plus system, in µs: v1
 *                        {@code cpuacct.usage} / 1000, or v2 {@code cpu.stat usage_usec}
 * @param pidsPeak        most tasks at once ({@code pids.peak}, where the kernel has it)
 * @param oomKills        processes the OOM killer killed inside the sandbox: v2 {@code memory.events oom_kill},
 *                        v1 {@code memory.oom_control oom_kill}
 * @param extra           the figures the config's {@link CgroupLimit}s ask for ({@link CgroupLimit#statistics}),
 *                        by name, e.g. {@code io.write_bytes → 3145728}; a figure the kernel did not provide
 *                        is absent
 */
public record CgroupStats(
        OptionalLong memoryPeakBytes,
        OptionalLong cpuTimeUs,
        OptionalLong pidsPeak,
        OptionalLong oomKills,
        Map<String, Long> extra) {

    /** No figures at all. */
    public static final CgroupStats EMPTY =
            new CgroupStats(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

    public CgroupStats {
        Objects.requireNonNull(memoryPeakBytes, "memoryPeakBytes");
        Objects.requireNonNull(cpuTimeUs, "cpuTimeUs");
        Objects.requireNonNull(pidsPeak, "pidsPeak");
        Objects.requireNonNull(oomKills, "oomKills");
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(extra, "extra")));
    }

    /** The built-in figures only. */
    public CgroupStats(
            OptionalLong memoryPeakBytes, OptionalLong cpuTimeUs, OptionalLong pidsPeak, OptionalLong oomKills) {
        this(memoryPeakBytes, cpuTimeUs, pidsPeak, oomKills, Map.of());
    }

    /**
     * Whether the kernel's OOM killer killed at least one process of the sandbox because of its memory limit.
     * A SIGKILL exit status alone cannot tell this apart from a timeout kill or a kill-all.
     */
    public boolean oomKilled() {
        return oomKills.orElse(0) > 0;
    }
}
