package dev.sandbox4j.cgroup;

import java.util.ArrayList;
import java.util.List;

/**
 * sandbox4j's own memory, cpu and pids limits as {@link CgroupLimit}s, so that they are checked and written
 * exactly as a team's limits are. Their statistics (memory peak, CPU time, OOM kills, pids peak) are read by
 * the backends themselves: those are wanted with or without a limit and have per-kernel fallbacks.
 */
final class BuiltinLimits {
    private BuiltinLimits() {}

    /** A limit as plain data: one controller, its v1 and v2 writes. */
    record Fixed(CgroupController controller, List<CgroupWrite> v1, List<CgroupWrite> v2) implements CgroupLimit {
        @Override
        public List<CgroupWrite> writes(int version) {
            return version == 1 ? v1 : v2;
        }

        @Override
        public String toString() {
            return "the " + controller + " limit";
        }
    }

    /** The built-in limits {@code config} sets, then the extension limits, in that order. */
    static List<CgroupLimit> all(CgroupConfig config) {
        List<CgroupLimit> limits = new ArrayList<>(builtin(config));
        limits.addAll(config.limits());
        return List.copyOf(limits);
    }

    static List<CgroupLimit> builtin(CgroupConfig config) {
        List<CgroupLimit> limits = new ArrayList<>(3);
        config.memoryBytes()
                .ifPresent(memory -> limits.add(new Fixed(
                        CgroupController.MEMORY,
                        // A fresh v1 cgroup's limits are unlimited and the kernel keeps limit ≤ memsw: limit first.
                        List.of(
                                CgroupWrite.of("memory.limit_in_bytes", Long.toString(memory)),
                                CgroupWrite.ifPresent(
                                        "memory.memsw.limit_in_bytes",
                                        Long.toString(
                                                config.memoryAndSwapBytes().getAsLong()))),
                        // v2's swap.max is swap alone, not memory+swap as v1's memsw; "0" turns swap off.
                        List.of(
                                CgroupWrite.of("memory.max", Long.toString(memory)),
                                CgroupWrite.ifPresent(
                                        "memory.swap.max",
                                        Long.toString(config.swapBytes().getAsLong()))))));
        if (config.cpuQuotaUs().isPresent() || config.cpuWeight().isPresent()) {
            List<CgroupWrite> v1 = new ArrayList<>();
            List<CgroupWrite> v2 = new ArrayList<>();
            config.cpuQuotaUs().ifPresent(quota -> {
                // Period first: the quota is then checked against the period it belongs to.
                v1.add(CgroupWrite.of("cpu.cfs_period_us", Long.toString(config.cpuPeriodUs())));
                v1.add(CgroupWrite.of("cpu.cfs_quota_us", Long.toString(quota)));
                v2.add(CgroupWrite.of("cpu.max", quota + " " + config.cpuPeriodUs()));
            });
            config.cpuShares().ifPresent(shares -> v1.add(CgroupWrite.of("cpu.shares", Long.toString(shares))));
            config.cpuWeight().ifPresent(weight -> v2.add(CgroupWrite.of("cpu.weight", Integer.toString(weight))));
            limits.add(new Fixed(CgroupController.CPU, List.copyOf(v1), List.copyOf(v2)));
        }
        config.maxPids()
                .ifPresent(pids -> limits.add(new Fixed(
                        CgroupController.PIDS,
                        List.of(CgroupWrite.of("pids.max", Integer.toString(pids))),
                        List.of(CgroupWrite.of("pids.max", Integer.toString(pids))))));
        return limits;
    }
}
