package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox cgroup in one cgroup v1 hierarchy, which may carry several controllers ({@code cpu,cpuacct} on
 * most hosts, separate mounts on the reference host). File names and semantics: the kernel's
 * Documentation/admin-guide/cgroup-v1/ (memory.rst, freezer-subsystem.rst, pids.rst) and sched-bwc.rst.
 */
final class V1Backend extends DirectoryBackend {
    private static final Logger LOG = LoggerFactory.getLogger(V1Backend.class);

    /** How long to wait for freezer.state to reach FROZEN before killing anyway. */
    private static final long FREEZE_WAIT_NANOS = 1_000_000_000L;


    V1Backend(CgroupFs fs, CgroupHierarchy hierarchy, Path directory, Set<String> controllers) {
        super(fs, hierarchy, directory, controllers);
    }

    @Override
    public void applyLimits(CgroupConfig config) {
        if (controllers.contains("memory")) {
            applyMemory(config);
        }
        if (controllers.contains("cpu")) {
            applyCpu(config);
        }
        if (controllers.contains("pids") && config.maxPids().isPresent()) {
            set("pids.max", Integer.toString(config.maxPids().getAsInt()));
        }
    }

    private void applyMemory(CgroupConfig config) {
        // A new memory cgroup inherits oom_kill_disable from its parent; with 1, tasks over the limit hang in
        // D state instead of being killed. Always write 0, even without a limit (nsjail does the same).
        set("memory.oom_control", "0");
        if (config.memoryBytes().isEmpty()) {
            return;
        }
        long memory = config.memoryBytes().getAsLong();
        long memoryAndSwap = config.memoryAndSwapBytes().getAsLong();
        Path memsw = directory.resolve("memory.memsw.limit_in_bytes");
        if (!fs.exists(memsw)) {
            // No swap accounting: swap cannot be limited. Harmless without swap space, worth a warning with it.
            warnIfSwapUnlimited();
            set("memory.limit_in_bytes", Long.toString(memory));
            return;
        }
        // The kernel keeps limit <= memsw at every step (EINVAL otherwise), so the order depends on the
        // direction: raising memsw goes first, lowering the limit goes first (runc's setMemoryAndSwap).
        long currentMemsw = CgroupFiles.readNumber(fs, memsw).orElse(Long.MAX_VALUE);
        if (currentMemsw < memoryAndSwap) {
            set("memory.memsw.limit_in_bytes", Long.toString(memoryAndSwap));
            set("memory.limit_in_bytes", Long.toString(memory));
        } else {
            set("memory.limit_in_bytes", Long.toString(memory));
            set("memory.memsw.limit_in_bytes", Long.toString(memoryAndSwap));
        }
    }

    private void warnIfSwapUnlimited() {
        OptionalLong swapTotal = CgroupFiles.read(fs, Path.of("/proc/meminfo"))
                .map(meminfo -> CgroupFiles.keyed(meminfo.replace(":", "").replace(" kB", ""), "SwapTotal"))
                .orElse(OptionalLong.empty());
        if (swapTotal.orElse(0) > 0) {
            LOG.warn("{} has no memory.memsw.limit_in_bytes (kernel without swap accounting; boot with "
                    + "swapaccount=1): the sandbox may swap beyond its memory limit", directory);
        }
    }

    private void applyCpu(CgroupConfig config) {
        if (config.cpuQuotaUs().isPresent()) {
            // Period first: the quota is then checked against the period it belongs to.
            set("cpu.cfs_period_us", Long.toString(config.cpuPeriodUs()));
            try {
                set("cpu.cfs_quota_us", Long.toString(config.cpuQuotaUs().getAsLong()));
            } catch (CgroupException e) {
                throw new CgroupException(e.getMessage() + explainQuotaFailure(), e);
            }
        }
        if (config.cpuShares().isPresent()) {
            set("cpu.shares", Long.toString(config.cpuShares().getAsLong()));
        }
    }

    /**
     * v1 rejects (EINVAL) a child whose quota/period exceeds its parent's, unlike v2 which clamps; say so when
     * the parent has a quota.
     */
    private String explainQuotaFailure() {
        Path parent = directory.getParent();
        OptionalLong parentQuota = CgroupFiles.readNumber(fs, parent.resolve("cpu.cfs_quota_us"));
        OptionalLong parentPeriod = CgroupFiles.readNumber(fs, parent.resolve("cpu.cfs_period_us"));
        if (parentQuota.isPresent() && parentQuota.getAsLong() > 0 && parentPeriod.isPresent()) {
            return " (cgroup v1 refuses a CPU limit above the parent's: " + parent + " allows "
                    + parentQuota.getAsLong() + "us per " + parentPeriod.getAsLong() + "us)";
        }
        return "";
    }

    @Override
    public void collectStats(StatsCollector stats) {
        if (controllers.contains("memory")) {
            CgroupFiles.readNumber(fs, directory.resolve("memory.max_usage_in_bytes")).ifPresent(stats::memoryPeakBytes);
            // Local to this cgroup on v1, which is fine: the sandbox is this cgroup (kernel 4.13+ has the key).
            CgroupFiles.readKey(fs, directory.resolve("memory.oom_control"), "oom_kill").ifPresent(stats::oomKills);
        }
        if (controllers.contains("cpuacct")) {
            CgroupFiles.readNumber(fs, directory.resolve("cpuacct.usage"))
                    .ifPresent(nanos -> stats.cpuTimeUs(nanos / 1000));
        }
        if (controllers.contains("pids")) {
            CgroupFiles.readNumber(fs, directory.resolve("pids.peak")).ifPresent(stats::pidsPeak);
        }
    }

    /**
     * Freeze, kill, thaw: frozen tasks cannot fork, so one pass of kills reaches every one. A v1-frozen task
     * does not act on SIGKILL until thawed (verified on 6.18), so the thaw is what lets them die, and it happens
     * on every path out of here: a sandbox left FROZEN would hang in D state forever.
     */
    @Override
    public boolean killAtomically(long deadlineNanos) {
        if (!controllers.contains("freezer")) {
            return false;
        }
        Path state = directory.resolve("freezer.state");
        try {
            CgroupFiles.write(fs, state, "FROZEN");
            long freezeDeadline = Math.min(deadlineNanos, System.nanoTime() + FREEZE_WAIT_NANOS);
            // Reads FREEZING until every task has stopped; new tasks joining can make it FREEZING again.
            while (!CgroupTree.state(fs, state).orElse("").equals("FROZEN")
                    && System.nanoTime() - freezeDeadline < 0) {
                CgroupTree.pause();
            }
            CgroupTree.pids(fs, directory).forEach(fs::kill);
        } catch (CgroupException e) {
            // Whatever was killed stays killed; the caller's pid-by-pid fallback deals with the rest.
            LOG.warn("freezing {} for kill-all failed: {}", directory, e.getMessage());
        } finally {
            try {
                CgroupFiles.write(fs, state, "THAWED");
            } catch (CgroupException e) {
                LOG.error("could not thaw {}; its tasks stay frozen", directory, e);
            }
        }
        return CgroupTree.awaitEmpty(fs, directory, deadlineNanos);
    }

    @Override
    public String toString() {
        return "v1 " + directory + " " + controllers;
    }
}
