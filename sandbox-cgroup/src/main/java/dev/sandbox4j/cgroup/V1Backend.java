package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.List;
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
    void prepare(List<CgroupLimit> limits) {
        if (controllers.contains("memory")) {
            // A new memory cgroup inherits oom_kill_disable from its parent; with 1, tasks over the limit hang in
            // D state instead of being killed. Always write 0, even without a limit (nsjail does the same).
            set("memory.oom_control", "0");
        }
        if (hierarchy.hasController("cpuset")) {
            // A new v1 cpuset starts with no CPUs and no nodes and takes no task (ENOSPC) until both are set:
            // start from the parent's, which a CpusetLimit then narrows. Also where cpuset only shares the
            // mount of a controller in use (cpu,cpuset), since the directory is made there all the same.
            for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                String parent = CgroupFiles.read(fs, directory.getParent().resolve(file))
                        .orElse("");
                if (!parent.isBlank()) {
                    set(file, parent);
                }
            }
        }
    }

    @Override
    void skipped(CgroupWrite write) {
        if (write.file().equals("memory.memsw.limit_in_bytes")) {
            // No swap accounting: swap cannot be limited. Harmless without swap space, worth a warning with it.
            warnIfSwapUnlimited();
        }
    }

    @Override
    String explainFailure(CgroupWrite write) {
        return write.file().equals("cpu.cfs_quota_us") ? explainQuotaFailure() : "";
    }

    private void warnIfSwapUnlimited() {
        OptionalLong swapTotal = CgroupFiles.read(fs, Path.of("/proc/meminfo"))
                .map(meminfo -> CgroupFiles.keyed(meminfo.replace(":", "").replace(" kB", ""), "SwapTotal"))
                .orElse(OptionalLong.empty());
        if (swapTotal.orElse(0) > 0) {
            LOG.warn(
                    "{} has no memory.memsw.limit_in_bytes (kernel without swap accounting; boot with "
                            + "swapaccount=1): the sandbox may swap beyond its memory limit",
                    directory);
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
            CgroupFiles.readNumber(fs, directory.resolve("memory.max_usage_in_bytes"))
                    .ifPresent(stats::memoryPeakBytes);
            // Local to this cgroup on v1, which is fine: the sandbox is this cgroup (kernel 4.13+ has the key).
            CgroupFiles.readKey(fs, directory.resolve("memory.oom_control"), "oom_kill")
                    .ifPresent(stats::oomKills);
        }
        if (controllers.contains("cpuacct")) {
            CgroupFiles.readNumber(fs, directory.resolve("cpuacct.usage"))
                    .ifPresent(nanos -> stats.cpuTimeUs(nanos / 1000));
        }
        if (controllers.contains("pids")) {
            CgroupFiles.readNumber(fs, directory.resolve("pids.peak")).ifPresent(stats::pidsPeak);
        }
        collectLimitStats(stats);
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
            while (!CgroupTree.state(fs, state).orElse("").equals("FROZEN") && System.nanoTime() - freezeDeadline < 0) {
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
