package dev.sandbox4j.cgroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The rlimits that come closest to a {@link CgroupConfig} when its cgroups cannot be used (unprivileged mode,
 * no writable hierarchy): a pure function of the config, for the executor to put into its {@code RlimitConfig}
 * (soft = hard = the value; the launcher only ever lowers limits).
 *
 * <p>What the mapping does:
 * <ul>
 *   <li>memory (+ swap) → {@code RLIMIT_DATA}: since Linux 4.7 it counts the heap and every private writable
 *       mapping, i.e. what a program allocates, so an allocation beyond it fails with ENOMEM (malloc returns
 *       NULL; a JVM dies with a fatal "cannot commit memory" error rather than an OutOfMemoryError). Not
 *       {@code RLIMIT_AS}: address space counts reservations, not use — an idle JVM reserves 8 GiB and does not
 *       start under AS = 2 GiB, glibc reserves 64 MiB per thread arena — so AS = the memory limit would break
 *       ordinary programs long before they use the memory.</li>
 *   <li>max pids → {@code RLIMIT_NPROC}.</li>
 * </ul>
 *
 * <p>What it does NOT guarantee, unlike the cgroup limits:
 * <ul>
 *   <li>rlimits are per process: ten processes may each allocate up to the limit; there is no total for the
 *       sandbox's tree, and memory that is not a private mapping (tmpfs and /dev/shm files, page cache, kernel
 *       memory) is not counted at all;</li>
 *   <li>exceeding DATA is a failed allocation, not an OOM kill, so no "OOM killed" outcome can be reported,
 *       and there is no peak or usage figure beyond the workload's own rusage;</li>
 *   <li>NPROC counts every process and thread of the workload's real uid on the whole host (in the init user
 *       namespace, and since 5.14 per user namespace too), zombies included: it is a tree limit only when that
 *       uid runs nothing else (use a dedicated uid per sandbox), and it is not enforced at all for uid 0 or a
 *       process holding CAP_SYS_ADMIN or CAP_SYS_RESOURCE;</li>
 *   <li>CPU bandwidth and weight have no rlimit: {@code RLIMIT_CPU} caps CPU seconds per process, not a rate;
 *       the sandbox's wall-clock timeout is what bounds a busy workload;</li>
 *   <li>no kill-all: only a PID namespace (its init's death kills every member) reaches every process.</li>
 * </ul>
 *
 * @param dataBytes  suggested {@code RLIMIT_DATA} in bytes (memory plus allowed swap), when memory is limited
 * @param processes  suggested {@code RLIMIT_NPROC}, when pids are limited
 * @param notCovered the configured limits that no rlimit can express, one human-readable line each
 */
public record RlimitFallback(OptionalLong dataBytes, OptionalLong processes, List<String> notCovered) {

    public RlimitFallback {
        Objects.requireNonNull(dataBytes, "dataBytes");
        Objects.requireNonNull(processes, "processes");
        notCovered = List.copyOf(notCovered);
    }

    /** The closest rlimits for {@code config}. */
    public static RlimitFallback of(CgroupConfig config) {
        Objects.requireNonNull(config, "config");
        List<String> notCovered = new ArrayList<>();
        config.cpuQuotaUs()
                .ifPresent(quota -> notCovered.add("cpu limit " + quota + "us per " + config.cpuPeriodUs()
                        + "us: rlimits have no CPU rate; only the wall-clock timeout bounds it"));
        config.cpuWeight()
                .ifPresent(weight -> notCovered.add("cpu weight " + weight
                        + ": no rlimit equivalent; the workload competes for CPU like any other process"));
        OptionalLong processes =
                config.maxPids().isPresent() ? OptionalLong.of(config.maxPids().getAsInt()) : OptionalLong.empty();
        return new RlimitFallback(config.memoryAndSwapBytes(), processes, notCovered);
    }

    /** Whether every configured limit has an rlimit counterpart (however much weaker). */
    public boolean coversEverything() {
        return notCovered.isEmpty();
    }
}
