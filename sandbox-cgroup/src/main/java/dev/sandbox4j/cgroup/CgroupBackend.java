package dev.sandbox4j.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One sandbox cgroup directory in one hierarchy, and how the controllers bound there are driven. A sandbox
 * has one backend per hierarchy it uses: on a hybrid host such as the reference machine, v1 backends for
 * memory, cpu, cpuacct, pids and freezer plus a v2 backend, without controllers, in the unified hierarchy,
 * which gives {@code cgroup.kill} and {@code cgroup.events} (as runc does).
 */
interface CgroupBackend {
    String PROCS = CgroupTree.PROCS;

    CgroupHierarchy hierarchy();

    /** The sandbox's cgroup directory in this hierarchy. */
    Path directory();

    /** The controllers sandbox4j drives through this directory (may be empty: tracking only). */
    Set<String> controllers();

    /** Where the launcher writes its pid to join this cgroup. */
    default Path procsFile() {
        return directory().resolve(PROCS);
    }

    /**
     * Checks, writing nothing, that every file the limits on {@link #controllers()} must write exists in the
     * freshly created directory.
     *
     * @throws dev.sandbox4j.core.CgroupException naming the missing file and the limit
     */
    void checkFiles(List<CgroupLimit> limits);

    /**
     * Writes the limits on {@link #controllers()} into the freshly created directory, in order, and reads back
     * what the kernel keeps where it may round; remembers them for their statistics.
     *
     * @throws dev.sandbox4j.core.CgroupException naming the file, the value and the kernel's reason
     */
    void applyLimits(List<CgroupLimit> limits);

    /** The limit files as the kernel holds them after {@link #applyLimits}, file name → value read back. */
    Map<String, String> settings();

    /** Adds the figures this directory provides. */
    void collectStats(StatsCollector stats);

    /**
     * Kills every task of the subtree with a mechanism that cannot be outrun by fork (v2 {@code cgroup.kill},
     * v1 freezer) and waits until it is empty.
     *
     * @return false when this hierarchy has no such mechanism, or it did not leave the subtree empty by the
     *         deadline; the caller then falls back to killing by pid
     */
    boolean killAtomically(long deadlineNanos);

    /** Makes every further fork in the sandbox fail (pids.max = 0) where this directory has the pids controller. */
    boolean blockForks();
}
