package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes sandbox cgroups whose owning JVM is gone. Cgroups outlive their creator: after a crash (or kill -9)
 * of a JVM its sandbox cgroups stay, possibly with orphaned workloads still running in them.
 *
 * <p>Only names of sandbox4j's own format are considered ({@link CgroupName#parse}); other tenants' cgroups
 * are never touched, not even read. A cgroup is stale when its owner is in this process's pid namespace (a pid
 * from another namespace cannot be judged here) and no process with the owner's pid and start time exists.
 */
final class StaleCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(StaleCleaner.class);
    private static final long CLEANUP_NANOS = 5_000_000_000L;

    private StaleCleaner() {}

    /** Cleans the stale sandbox cgroups directly beneath {@code base}; returns how many were removed. */
    static int clean(CgroupFs fs, Path base, Owner self) {
        List<Path> children;
        try {
            children = fs.children(base);
        } catch (IOException e) {
            LOG.warn("cannot list {} to look for stale sandbox cgroups: {}", base, CgroupFiles.reason(e));
            return 0;
        }
        int removed = 0;
        for (Path child : children) {
            Optional<CgroupName> name = CgroupName.parse(child.getFileName().toString());
            if (name.isEmpty() || !isStale(fs, name.get(), self)) {
                continue;
            }
            try {
                removeStale(fs, child);
                removed++;
                LOG.info(
                        "removed stale sandbox cgroup {} (owner pid {} is gone)",
                        child,
                        name.get().ownerPid());
            } catch (CgroupException e) {
                LOG.warn("cannot remove stale sandbox cgroup {}: {}", child, e.getMessage());
            }
        }
        return removed;
    }

    static boolean isStale(CgroupFs fs, CgroupName name, Owner self) {
        if (name.pidNamespace() != self.pidNamespace() || self.owns(name)) {
            return false;
        }
        OptionalLong startTime = fs.startTime(name.ownerPid());
        return startTime.isEmpty() || startTime.getAsLong() != name.ownerStartTime();
    }

    /**
     * Kills whatever still runs in the cgroup, then removes it. Uses what the directory offers: cgroup.kill
     * (v2), else pids.max = 0 against fork races; and a freezer left FROZEN by a JVM that died mid-kill is
     * thawed after the kills are queued, or its tasks would never die.
     */
    private static void removeStale(CgroupFs fs, Path cgroup) {
        long deadline = System.nanoTime() + CLEANUP_NANOS;
        if (!CgroupTree.isEmpty(fs, cgroup)) {
            if (fs.exists(cgroup.resolve("cgroup.kill"))) {
                CgroupFiles.write(fs, cgroup.resolve("cgroup.kill"), "1");
            } else if (fs.exists(cgroup.resolve("pids.max"))) {
                CgroupFiles.write(fs, cgroup.resolve("pids.max"), "0");
            }
            Path freezer = cgroup.resolve("freezer.state");
            if (!CgroupTree.state(fs, freezer).orElse("THAWED").equals("THAWED")) {
                CgroupTree.pids(fs, cgroup).forEach(fs::kill);
                CgroupFiles.write(fs, freezer, "THAWED");
            }
            if (!CgroupTree.killUntilEmpty(fs, cgroup, deadline)) {
                throw new CgroupException("tasks of " + cgroup + " survived SIGKILL: " + CgroupTree.pids(fs, cgroup));
            }
        }
        CgroupTree.remove(fs, cgroup, deadline);
    }
}
