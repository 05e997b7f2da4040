package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox cgroup in the unified (cgroup v2) hierarchy; file names and formats are those of the kernel's
 * Documentation/admin-guide/cgroup-v2.rst. Controllers were enabled in the parent's
 * {@code cgroup.subtree_control} before the directory was made (see {@link Placement}).
 */
final class V2Backend extends DirectoryBackend {
    private static final Logger LOG = LoggerFactory.getLogger(V2Backend.class);

    /** Highest memory.current seen, for kernels without memory.peak (before 5.19). */
    private long sampledMemoryPeak = -1;

    V2Backend(CgroupFs fs, CgroupHierarchy hierarchy, Path directory, Set<String> controllers) {
        super(fs, hierarchy, directory, controllers);
    }

    @Override
    void skipped(CgroupWrite write) {
        LOG.debug("{} has no {} (e.g. no swap accounting): not written", directory, write.file());
    }

    @Override
    public void collectStats(StatsCollector stats) {
        if (controllers.contains("memory")) {
            OptionalLong peak = CgroupFiles.readNumber(fs, directory.resolve("memory.peak"));
            if (peak.isPresent()) {
                stats.memoryPeakBytes(peak.getAsLong());
            } else {
                OptionalLong current = CgroupFiles.readNumber(fs, directory.resolve("memory.current"));
                if (current.isPresent()) {
                    sampledMemoryPeak = Math.max(sampledMemoryPeak, current.getAsLong());
                    stats.memoryPeakBytes(sampledMemoryPeak);
                }
            }
            // Hierarchical: counts kills anywhere in the sandbox's subtree, which is all of it and only it.
            CgroupFiles.readKey(fs, directory.resolve("memory.events"), "oom_kill")
                    .ifPresent(stats::oomKills);
        }
        // cpu.stat's usage_usec is there even without the cpu controller (hybrid hosts' unified tree too).
        CgroupFiles.readKey(fs, directory.resolve("cpu.stat"), "usage_usec").ifPresent(stats::cpuTimeUs);
        if (controllers.contains("pids")) {
            CgroupFiles.readNumber(fs, directory.resolve("pids.peak")).ifPresent(stats::pidsPeak);
        }
        collectLimitStats(stats);
    }

    /** cgroup.kill (5.14+) SIGKILLs the whole subtree in the kernel, forks in flight included. */
    @Override
    public boolean killAtomically(long deadlineNanos) {
        Path kill = directory.resolve("cgroup.kill");
        if (!fs.exists(kill)) {
            return false;
        }
        try {
            CgroupFiles.write(fs, kill, "1");
        } catch (CgroupException e) {
            // EOPNOTSUPP in a threaded cgroup; the caller falls back to killing by pid.
            LOG.debug("cgroup.kill failed, falling back to killing by pid", e);
            return false;
        }
        return CgroupTree.awaitEmpty(fs, directory, deadlineNanos);
    }

    /** Whether the subtree has live tasks, from cgroup.events (zombies do not count). */
    boolean populated() {
        return CgroupFiles.readKey(fs, directory.resolve("cgroup.events"), "populated")
                        .orElse(0)
                != 0;
    }

    @Override
    public String toString() {
        return "v2 " + directory + " " + controllers;
    }
}
