package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups of one sandbox run, one per hierarchy used, created with their limits already written by
 * {@link SandboxCgroups#create}. Thread-safe: a timeout thread may {@link #killAll()} or {@link #close()}
 * while another reads {@link #stats()}.
 *
 * <p>Life cycle, as the executor drives it:
 * <ol>
 *   <li>{@link #procsFiles()} go into the launch plan; the launcher writes the sandbox's init into each before
 *       init forks, so the workload and all its descendants are members from their first instruction;</li>
 *   <li>after the run, {@link #stats()} (memory peak, CPU time, pids peak, OOM kills);</li>
 *   <li>{@link #killAll()} when the sandbox must die now and no PID namespace does it (timeout, close);</li>
 *   <li>{@link #close()}: kills what is left, waits until the cgroups are empty, keeps the final stats and
 *       removes the directories; or {@link #closeReaped()} when every task is known to be reaped.</li>
 * </ol>
 */
public final class SandboxCgroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxCgroup.class);

    /** How long kill-all may take, including tasks in uninterruptible sleep finishing their exit. */
    static final long KILL_NANOS = 10_000_000_000L;
    /** How long rmdir is retried: a task killed a moment ago keeps its cgroup busy until fully gone. */
    static final long REMOVE_NANOS = 5_000_000_000L;
    /** How long {@link #closeReaped()} retries rmdir before it looks for a task to kill. */
    static final long REAPED_REMOVE_NANOS = 100_000_000L;

    private final String name;
    private final CgroupFs fs;
    private final List<CgroupBackend> backends;
    private final List<CgroupBackend> remaining;
    private CgroupStats finalStats;

    SandboxCgroup(String name, CgroupFs fs, List<CgroupBackend> backends) {
        this.name = name;
        this.fs = fs;
        // The unified hierarchy first: its cgroup.kill is the best kill-all there is.
        List<CgroupBackend> ordered = new ArrayList<>(backends);
        ordered.sort(
                (a, b) -> Integer.compare(b.hierarchy().version(), a.hierarchy().version()));
        this.backends = List.copyOf(ordered);
        this.remaining = new ArrayList<>(this.backends);
    }

    /** The cgroup directory name, the same in every hierarchy: {@code sandbox4j-<id>-<owner>-<seq>}. */
    public String name() {
        return name;
    }

    /**
     * The {@code cgroup.procs} files the launcher must write init's pid into, one per hierarchy, before init forks.
     * Empty when no cgroup hierarchy is usable and no limit was asked for: then nothing is tracked.
     */
    public List<Path> procsFiles() {
        return backends.stream().map(CgroupBackend::procsFile).toList();
    }

    /** The sandbox's cgroup directories, one per hierarchy. */
    public List<Path> directories() {
        return backends.stream().map(CgroupBackend::directory).toList();
    }

    /**
     * What the sandbox used so far; after {@link #close()}, the figures taken just before the cgroups were
     * removed. Read it before close if the workload is still running and you want a live value.
     */
    public synchronized CgroupStats stats() {
        if (finalStats != null) {
            return finalStats;
        }
        StatsCollector collector = new StatsCollector();
        // v1 first: on a hybrid host cpuacct (ns resolution, the controller's own hierarchy) is preferred to the
        // unified tree's cpu.stat, which tells the same in µs.
        for (int i = backends.size() - 1; i >= 0; i--) {
            backends.get(i).collectStats(collector);
        }
        return collector.build();
    }

    /**
     * Reads the figures now and keeps them as the final ones, for a caller that knows the workload has ended
     * while the sandbox's last task (its init, taking its namespaces down) may still be exiting. From then on
     * {@link #stats()} returns them, {@link #killAll()} does nothing, and {@link #close()} only removes the
     * directories, retrying while that task keeps them busy.
     */
    public synchronized CgroupStats keepFinalStats() {
        if (finalStats == null) {
            finalStats = stats();
        }
        return finalStats;
    }

    /** The limit files as the kernel holds them, e.g. {@code memory.limit_in_bytes → 67108864}. */
    synchronized Map<String, String> settings() {
        Map<String, String> all = new LinkedHashMap<>();
        backends.forEach(b -> all.putAll(b.settings()));
        return all;
    }

    /** Whether any task is still a member (zombies excluded). */
    public synchronized boolean isPopulated() {
        return backends.stream().anyMatch(b -> !CgroupTree.isEmpty(fs, b.directory()));
    }

    /**
     * SIGKILLs every task of the sandbox and waits until none is left: v2 {@code cgroup.kill} where the host
     * has it (also on hybrid hosts, through the unified tree), else the v1 freezer (freeze, kill, thaw), else
     * pids.max = 0 and killing listed pids until the cgroups are empty. Without cgroups (no
     * {@link #procsFiles()}) there is nothing it can reach and it returns at once.
     *
     * @throws CgroupException when tasks are still listed after 10 s (e.g. stuck in uninterruptible sleep),
     *                         naming them
     */
    public synchronized void killAll() {
        if (finalStats != null) {
            return;
        }
        kill(backends);
    }

    private void kill(List<CgroupBackend> which) {
        long deadline = System.nanoTime() + KILL_NANOS;
        for (CgroupBackend backend : which) {
            if (backend.killAtomically(deadline)
                    && which.stream().allMatch(b -> CgroupTree.isEmpty(fs, b.directory()))) {
                return;
            }
        }
        // No race-free mechanism worked: stop forks, then kill pid by pid until nothing is listed.
        for (CgroupBackend backend : which) {
            backend.blockForks();
        }
        for (CgroupBackend backend : which) {
            if (!CgroupTree.killUntilEmpty(fs, backend.directory(), deadline)) {
                throw new CgroupException("tasks of sandbox cgroup " + backend.directory() + " survived SIGKILL: "
                        + CgroupTree.pids(fs, backend.directory()));
            }
        }
    }

    /**
     * Kills whatever still runs, takes the final {@link #stats()}, and removes every cgroup directory (leaves
     * first, retrying while exiting tasks keep it busy). Idempotent; when a directory could not be removed the
     * exception says which, and a later call tries again (so does the stale cleanup of the next JVM).
     *
     * @throws CgroupException when a task survived kill-all or a directory could not be removed
     */
    @Override
    public synchronized void close() {
        if (remaining.isEmpty()) {
            return;
        }
        CgroupException failure = null;
        if (finalStats == null) {
            try {
                if (isPopulated()) {
                    killAll();
                }
            } catch (CgroupException e) {
                failure = e;
            }
            CgroupStats last;
            try {
                last = stats();
            } catch (CgroupException e) {
                // Removal matters more than figures: never leave the directories behind for want of a read.
                last = CgroupStats.EMPTY;
                failure = add(failure, e);
            }
            finalStats = last;
        }
        try {
            removeRemaining(System.nanoTime() + REMOVE_NANOS);
        } catch (CgroupException e) {
            failure = add(failure, e);
        }
        if (remaining.isEmpty()) {
            OpenCgroups.forget(this);
        }
        if (failure != null) {
            throw failure;
        }
        LOG.debug("removed sandbox cgroup {}", name);
    }

    /**
     * {@link #close()} for a caller that knows every task of the sandbox has been reaped: they all lived in a PID
     * namespace whose init has been reaped, and the kernel reaps a namespace's other tasks before its init can be.
     * Skips the look for stragglers that close() makes before it takes the figures (a read of every hierarchy's
     * {@code cgroup.procs}: about half a millisecond per run on the reference host, right after the sandbox
     * ended). Should a task be listed after all, removing its cgroup fails as busy, and what is left is killed
     * and removed as close() would (the figures are then those taken before the kill).
     *
     * @throws CgroupException as {@link #close()}
     */
    public synchronized void closeReaped() {
        if (remaining.isEmpty() || finalStats != null) {
            close();
            return;
        }
        try {
            finalStats = stats();
        } catch (CgroupException e) {
            close(); // takes the figures again, removes, and reports the failure
            return;
        }
        try {
            // Not retried for long: with every task reaped, nothing keeps these cgroups busy.
            removeRemaining(System.nanoTime() + REAPED_REMOVE_NANOS);
        } catch (CgroupException busy) {
            LOG.debug("sandbox cgroup {} still busy after its tasks were reaped: killing what is left", name);
            kill(List.copyOf(remaining));
            removeRemaining(System.nanoTime() + REMOVE_NANOS);
        }
        OpenCgroups.forget(this);
        LOG.debug("removed sandbox cgroup {}", name);
    }

    /** Removes every directory still there (leaves first); all are tried, the first failure is thrown. */
    private void removeRemaining(long deadline) {
        CgroupException failure = null;
        for (CgroupBackend backend : List.copyOf(remaining)) {
            try {
                CgroupTree.remove(fs, backend.directory(), deadline);
                remaining.remove(backend);
            } catch (CgroupException e) {
                failure = add(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static CgroupException add(CgroupException first, CgroupException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String toString() {
        return "SandboxCgroup[" + name + ", " + backends + "]";
    }
}
