package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How much a sandbox may use: memory, swap, CPU bandwidth, CPU weight and tasks. Immutable; every value is
 * validated when it is set, so a built config is always one the kernel accepts.
 *
 * <p>Unset means "no limit" (the sandbox still gets a cgroup where one is available, for statistics and
 * kill-all). {@link #NONE} limits nothing.
 *
 * <ul>
 *   <li><b>Memory</b>: a hard limit on the cgroup's charge, which includes page cache, tmpfs/shm and kernel
 *       memory, not only RSS; exceeding it triggers the kernel's OOM killer inside the sandbox. At least
 *       {@link #MIN_MEMORY_BYTES}.</li>
 *   <li><b>Swap</b>: what may be swapped out <em>in addition</em> to the memory limit; 0 (swap off) unless
 *       asked for, so that a memory limit is not silently a memory-plus-disk limit. Needs a memory limit.</li>
 *   <li><b>CPU</b>: either {@linkplain Builder#cpuPercent(double) a percentage of one CPU} or an explicit
 *       {@linkplain Builder#cpuQuota(long, long) quota per period}. 100 = one full CPU; a multi-threaded
 *       workload may get up to 100 × (CPUs available to this JVM).</li>
 *   <li><b>CPU weight</b>: share under contention, cgroup v2 scale 1..10000 (default 100). On cgroup v1 it
 *       becomes {@code cpu.shares} = weight × 1024 / 100 (see {@link #cpuShares()}).</li>
 *   <li><b>Tasks</b>: processes plus threads, at least {@link #MIN_PIDS}.</li>
 *   <li><b>Further limits</b>: any {@link CgroupLimit}, such as {@link IoLimit}, {@link CpusetLimit},
 *       {@link HugetlbLimit} or a team's own, added with {@link Builder#limit(CgroupLimit)} and checked there
 *       and at {@link Builder#build()} (see {@link CgroupLimit} for what is checked).</li>
 * </ul>
 */
public final class CgroupConfig {

    /**
     * The smallest memory limit accepted: 4 MiB. The launcher moves the PID-1 init into the cgroup before
     * init forks, so init's later pages, the workload's kernel stack and page tables and its first pages are
     * all charged to it (the namespaces themselves, made by the launcher's clone, are charged outside). Measured on this project's reference host (Linux 6.18, cgroup v1): the
     * launcher's equivalent ({@code unshare -U -r -m -p -f --mount-proc sh -c 'cat …'}) peaked at 0.73 MiB,
     * was OOM-killed under 512 KiB and barely passed under 1 MiB. 4 MiB leaves room for a cold page cache (the
     * first exec of a binary charges its pages here) without letting a typo like {@code 64K} through.
     */
    public static final long MIN_MEMORY_BYTES = 4L << 20;

    /**
     * The smallest task limit accepted: 3. The PID namespace's init and the workload it forks both count
     * against {@code pids.max} (the launcher, which moves init in from outside, does not); the third leaves the
     * workload room for one child, so that a limit this low still runs a shell with a command.
     */
    public static final int MIN_PIDS = 3;

    /** The kernel's upper bound for pids.max (PID_MAX_LIMIT, 4 Mi on 64-bit); larger values are EINVAL. */
    public static final int MAX_PIDS = 4 * 1024 * 1024;

    /** Default CFS period for {@link Builder#cpuPercent(double)}: 100 ms, the kernel's own default. */
    public static final long DEFAULT_CPU_PERIOD_US = 100_000;

    /** The kernel rejects a quota or period below 1 ms (EINVAL): too fine-grained to schedule. */
    public static final long MIN_CPU_QUOTA_US = 1_000;

    /** The kernel rejects a period above 1 s (EINVAL). */
    public static final long MAX_CPU_PERIOD_US = 1_000_000;

    public static final int MIN_CPU_WEIGHT = 1;
    public static final int MAX_CPU_WEIGHT = 10_000;
    /** The kernel's default weight; it corresponds to v1's default of 1024 shares. */
    public static final int DEFAULT_CPU_WEIGHT = 100;

    /** No limit at all. */
    public static final CgroupConfig NONE = builder().build();

    private final long memoryBytes; // -1 = unset
    private final long swapBytes; // meaningful only with a memory limit
    private final long cpuQuotaUs; // -1 = unset
    private final long cpuPeriodUs;
    private final int cpuWeight; // -1 = unset
    private final int maxPids; // -1 = unset
    private final List<CgroupLimit> limits;

    private CgroupConfig(Builder builder) {
        this.memoryBytes = builder.memoryBytes;
        this.swapBytes = builder.swapBytes;
        this.cpuQuotaUs = builder.cpuQuotaUs;
        this.cpuPeriodUs = builder.cpuPeriodUs;
        this.cpuWeight = builder.cpuWeight;
        this.maxPids = builder.maxPids;
        this.limits = List.copyOf(builder.limits);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.memoryBytes = memoryBytes;
        builder.swapBytes = swapBytes;
        builder.swapSet = true;
        builder.cpuQuotaUs = cpuQuotaUs;
        builder.cpuPeriodUs = cpuPeriodUs;
        builder.cpuWeight = cpuWeight;
        builder.maxPids = maxPids;
        builder.limits.addAll(limits);
        return builder;
    }

    /** Hard memory limit in bytes (before the kernel rounds it down to whole pages). */
    public OptionalLong memoryBytes() {
        return memoryBytes < 0 ? OptionalLong.empty() : OptionalLong.of(memoryBytes);
    }

    /** Swap allowed on top of {@link #memoryBytes()}; 0 when a memory limit is set and swap was not asked for. */
    public OptionalLong swapBytes() {
        return memoryBytes < 0 ? OptionalLong.empty() : OptionalLong.of(swapBytes);
    }

    /** Memory plus swap, the value cgroup v1 wants in {@code memory.memsw.limit_in_bytes}. */
    OptionalLong memoryAndSwapBytes() {
        if (memoryBytes < 0) {
            return OptionalLong.empty();
        }
        long sum = memoryBytes + swapBytes;
        return OptionalLong.of(sum < 0 ? Long.MAX_VALUE : sum);
    }

    /** CFS quota in µs per {@link #cpuPeriodUs()}, when CPU bandwidth is limited. */
    public OptionalLong cpuQuotaUs() {
        return cpuQuotaUs < 0 ? OptionalLong.empty() : OptionalLong.of(cpuQuotaUs);
    }

    /** CFS period in µs; only meaningful with {@link #cpuQuotaUs()}. */
    public long cpuPeriodUs() {
        return cpuPeriodUs;
    }

    /** The CPU limit as a percentage of one CPU (quota / period × 100), when CPU bandwidth is limited. */
    public OptionalDouble cpuPercent() {
        return cpuQuotaUs < 0 ? OptionalDouble.empty() : OptionalDouble.of(cpuQuotaUs * 100.0 / cpuPeriodUs);
    }

    /** cgroup v2 CPU weight 1..10000. */
    public OptionalInt cpuWeight() {
        return cpuWeight < 0 ? OptionalInt.empty() : OptionalInt.of(cpuWeight);
    }

    /**
     * The weight as cgroup v1 {@code cpu.shares}: proportional, weight × 1024 / 100, clamped to the kernel's
     * 2..262144. Proportional because shares and weights only matter relative to the siblings' values, and a
     * proportional map keeps every ratio (weight 200 vs 100 gets twice the CPU on both versions) and maps the
     * defaults onto each other (100 ↔ 1024). runc's conversion goes the other way (shares → weight) and uses
     * a curve fitted to do the same at the default.
     */
    public OptionalLong cpuShares() {
        if (cpuWeight < 0) {
            return OptionalLong.empty();
        }
        long shares = Math.round(cpuWeight * 1024.0 / 100.0);
        return OptionalLong.of(Math.max(2, Math.min(262_144, shares)));
    }

    /** Maximum number of tasks (processes and threads). */
    public OptionalInt maxPids() {
        return maxPids < 0 ? OptionalInt.empty() : OptionalInt.of(maxPids);
    }

    /** The limits added with {@link Builder#limit(CgroupLimit)}, in the order added. */
    public List<CgroupLimit> limits() {
        return limits;
    }

    /** Whether any limit is set. */
    public boolean limitsAnything() {
        return memoryBytes >= 0 || cpuQuotaUs >= 0 || cpuWeight >= 0 || maxPids >= 0 || !limits.isEmpty();
    }

    /**
     * The cgroup controllers the limits need, by their cgroup v2 names, in a stable order ({@code memory},
     * {@code cpu}, {@code pids}, then those of {@link #limits()}). A sandbox with these limits cannot be
     * created where one of them is unavailable.
     */
    public List<String> requiredControllers() {
        return controllers().stream().map(c -> c.name(2)).toList();
    }

    /** {@link #requiredControllers()} as controllers, without repeats. */
    List<CgroupController> controllers() {
        return BuiltinLimits.all(this).stream()
                .map(CgroupLimit::controller)
                .distinct()
                .toList();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CgroupConfig that
                && memoryBytes == that.memoryBytes
                && swapBytes == that.swapBytes
                && cpuQuotaUs == that.cpuQuotaUs
                && cpuPeriodUs == that.cpuPeriodUs
                && cpuWeight == that.cpuWeight
                && maxPids == that.maxPids
                && limits.equals(that.limits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(memoryBytes, swapBytes, cpuQuotaUs, cpuPeriodUs, cpuWeight, maxPids, limits);
    }

    /** E.g. {@code CgroupConfig[memory=64 MiB, swap=0 B, cpu=20000/100000us (20%), pids=32]}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (memoryBytes >= 0) {
            parts.add("memory=" + Sizes.format(memoryBytes));
            parts.add("swap=" + Sizes.format(swapBytes));
        }
        if (cpuQuotaUs >= 0) {
            parts.add("cpu=" + cpuQuotaUs + "/" + cpuPeriodUs + "us (" + formatPercent(cpuQuotaUs * 100.0 / cpuPeriodUs)
                    + "%)");
        }
        if (cpuWeight >= 0) {
            parts.add("cpuWeight=" + cpuWeight);
        }
        if (maxPids >= 0) {
            parts.add("pids=" + maxPids);
        }
        limits.forEach(limit -> parts.add(limit.toString()));
        return "CgroupConfig" + parts;
    }

    private static String formatPercent(double percent) {
        return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
    }

    /** Collects and validates limits; every setter rejects a bad value immediately, naming it. */
    public static final class Builder {
        private long memoryBytes = -1;
        private long swapBytes = 0;
        private boolean swapSet;
        private long cpuQuotaUs = -1;
        private long cpuPeriodUs = DEFAULT_CPU_PERIOD_US;
        private int cpuWeight = -1;
        private int maxPids = -1;
        private final List<CgroupLimit> limits = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a further limit, checked here: on each cgroup version its files must be plain names of its own
         * controller and its values single lines, and it must be expressible on at least one version. Files
         * written by two limits, built-in ones included, are refused at {@link #build()}.
         *
         * @throws InvalidConfigException naming the limit and what is wrong with it
         */
        public Builder limit(CgroupLimit limit) {
            LimitCheck.check(Objects.requireNonNull(limit, "limit"));
            limits.add(limit);
            return this;
        }

        /** Removes the limits added with {@link #limit(CgroupLimit)}. */
        public Builder noExtraLimits() {
            limits.clear();
            return this;
        }

        /**
         * Hard memory limit, in bytes.
         *
         * @throws InvalidConfigException when not positive or below {@link #MIN_MEMORY_BYTES}
         */
        public Builder memoryBytes(long bytes) {
            this.memoryBytes = checkMemory(Long.toString(bytes), bytes);
            return this;
        }

        /** Hard memory limit as text such as {@code 64M} or {@code 1.5G} (powers of 1024; see {@link Sizes}). */
        public Builder memory(String size) {
            this.memoryBytes = checkMemory(size, Sizes.parse("memory limit", size));
            return this;
        }

        private static long checkMemory(String shown, long bytes) {
            if (bytes <= 0) {
                throw new InvalidConfigException(
                        "memory limit", shown, "must be positive; leave it unset for no limit");
            }
            if (bytes < MIN_MEMORY_BYTES) {
                throw new InvalidConfigException(
                        "memory limit",
                        shown,
                        "below the minimum of " + Sizes.format(MIN_MEMORY_BYTES)
                                + ", which the launcher and the sandbox's namespaces need before the workload runs");
            }
            return bytes;
        }

        /**
         * Swap the sandbox may use in addition to its memory limit; 0 (the default) turns swap off. Needs swap
         * accounting in the kernel ({@code memory.memsw.*} on v1, {@code memory.swap.max} on v2); without it swap
         * cannot be limited either way, and sandbox4j logs a warning when the host has swap space.
         */
        public Builder swapBytes(long bytes) {
            if (bytes < 0) {
                throw new InvalidConfigException("swap limit", Long.toString(bytes), "cannot be negative; 0 = no swap");
            }
            this.swapBytes = bytes;
            this.swapSet = true;
            return this;
        }

        /**
         * CPU limit as a percentage of one CPU: 20 = a fifth of one CPU, 150 = one and a half CPUs. Uses the
         * kernel's default period of 100 ms.
         *
         * @throws InvalidConfigException unless 1 ≤ percent ≤ 100 × {@link Runtime#availableProcessors()}: below
         *                                1 % the quota would be under the kernel's 1 ms minimum (use
         *                                {@link #cpuQuota(long, long)} with a longer period), and above the
         *                                CPUs this JVM may use it would limit nothing
         */
        public Builder cpuPercent(double percent) {
            int cpus = Runtime.getRuntime().availableProcessors();
            String shown = formatPercent(percent);
            if (!(percent > 0) || Double.isInfinite(percent)) {
                throw new InvalidConfigException(
                        "cpu limit",
                        shown,
                        "must be a percentage of one CPU in (0, " + 100 * cpus + "]; leave it unset for no limit");
            }
            if (percent > 100.0 * cpus) {
                throw new InvalidConfigException(
                        "cpu limit",
                        shown,
                        "more than the " + cpus + " CPU(s) available (at most " + 100 * cpus
                                + ", i.e. 100 per CPU); leave it unset for no limit");
            }
            long quota = (long) Math.floor(percent * DEFAULT_CPU_PERIOD_US / 100.0);
            if (quota < MIN_CPU_QUOTA_US) {
                throw new InvalidConfigException(
                        "cpu limit",
                        shown,
                        "below 1% of a CPU, the kernel's minimum quota of 1 ms per 100 ms period; "
                                + "for less, use a quota with a longer period, e.g. 1000us per 1000000us = 0.1%");
            }
            this.cpuQuotaUs = quota;
            this.cpuPeriodUs = DEFAULT_CPU_PERIOD_US;
            return this;
        }

        /**
         * CPU limit as CFS bandwidth: at most {@code quotaUs} of CPU time per {@code periodUs} of wall time,
         * summed over all CPUs.
         *
         * @throws InvalidConfigException when the quota is below 1 ms, the period outside 1 ms..1 s (the kernel
         *                                rejects both), or quota/period exceeds the CPUs available
         */
        public Builder cpuQuota(long quotaUs, long periodUs) {
            int cpus = Runtime.getRuntime().availableProcessors();
            if (periodUs < MIN_CPU_QUOTA_US || periodUs > MAX_CPU_PERIOD_US) {
                throw new InvalidConfigException(
                        "cpu period",
                        periodUs + "us",
                        "must be between 1000us (1 ms) and 1000000us (1 s); the kernel rejects other periods");
            }
            if (quotaUs < MIN_CPU_QUOTA_US) {
                throw new InvalidConfigException(
                        "cpu quota",
                        quotaUs + "us",
                        "must be at least 1000us (1 ms); the kernel rejects smaller quotas");
            }
            if (quotaUs > periodUs * cpus) {
                throw new InvalidConfigException(
                        "cpu quota",
                        quotaUs + "us per " + periodUs + "us",
                        "more than the " + cpus + " CPU(s) available (at most " + periodUs * cpus + "us per " + periodUs
                                + "us); leave it unset for no limit");
            }
            this.cpuQuotaUs = quotaUs;
            this.cpuPeriodUs = periodUs;
            return this;
        }

        /** Relative CPU share under contention, 1..10000 (default 100). */
        public Builder cpuWeight(int weight) {
            if (weight < MIN_CPU_WEIGHT || weight > MAX_CPU_WEIGHT) {
                throw new InvalidConfigException(
                        "cpu weight", Integer.toString(weight), "must be between 1 and 10000 (default 100)");
            }
            this.cpuWeight = weight;
            return this;
        }

        /**
         * Maximum number of tasks (processes and threads) in the sandbox, launcher included: {@link #MIN_PIDS}
         * to {@link #MAX_PIDS}. The one place this limit is checked.
         */
        public Builder maxPids(long pids) {
            if (pids <= 0) {
                throw new InvalidConfigException(
                        "pids limit", Long.toString(pids), "must be positive; leave it unset for no limit");
            }
            if (pids < MIN_PIDS) {
                throw new InvalidConfigException(
                        "pids limit",
                        Long.toString(pids),
                        "below the minimum of " + MIN_PIDS
                                + ": the sandbox's init and the workload count as tasks, and a shell needs one more");
            }
            if (pids > MAX_PIDS) {
                throw new InvalidConfigException(
                        "pids limit", Long.toString(pids), "above the kernel's maximum of " + MAX_PIDS);
            }
            this.maxPids = (int) pids;
            return this;
        }

        /** Removes the memory (and swap) limit. */
        public Builder noMemoryLimit() {
            this.memoryBytes = -1;
            this.swapBytes = 0;
            this.swapSet = false;
            return this;
        }

        /** Removes the CPU bandwidth limit. */
        public Builder noCpuLimit() {
            this.cpuQuotaUs = -1;
            this.cpuPeriodUs = DEFAULT_CPU_PERIOD_US;
            return this;
        }

        /** Removes the CPU weight. */
        public Builder noCpuWeight() {
            this.cpuWeight = -1;
            return this;
        }

        /** Removes the task limit. */
        public Builder noPidsLimit() {
            this.maxPids = -1;
            return this;
        }

        /**
         * The config.
         *
         * @throws InvalidConfigException when swap was asked for without a memory limit (swap is defined as
         *                                on top of the memory limit)
         */
        public CgroupConfig build() {
            if (swapSet && swapBytes > 0 && memoryBytes < 0) {
                throw new InvalidConfigException(
                        "swap limit",
                        Long.toString(swapBytes),
                        "needs a memory limit: swap is what may be used on top of it");
            }
            CgroupConfig config = new CgroupConfig(this);
            LimitCheck.checkTogether(BuiltinLimits.all(config));
            return config;
        }
    }
}
