package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Operations on a cgroup directory and its descendants that every hierarchy shares: listing the tasks,
 * killing them by pid until none are left, waiting until it is empty, and removing it leaves first.
 *
 * <p>Descendants are included although sandbox4j creates none: a workload that was given a delegated
 * subtree could have made some, and rmdir of a cgroup with children fails.
 */
final class CgroupTree {
    static final String PROCS = "cgroup.procs";

    /** Pause between polls while waiting for tasks to exit: exit after SIGKILL takes micro- to milliseconds. */
    private static final long POLL_MILLIS = 5;

    private CgroupTree() {}

    /** {@code directory} and every descendant, parents before children. */
    static List<Path> preOrder(CgroupFs fs, Path directory) {
        List<Path> all = new ArrayList<>();
        collect(fs, directory, all);
        return all;
    }

    private static void collect(CgroupFs fs, Path directory, List<Path> into) {
        if (!fs.exists(directory)) {
            return;
        }
        into.add(directory);
        try {
            for (Path child : fs.children(directory)) {
                collect(fs, child, into);
            }
        } catch (IOException e) {
            // Removed while we looked: nothing below it any more.
        }
    }

    /** Every pid in the subtree, as this process's pid namespace numbers them. */
    static List<Long> pids(CgroupFs fs, Path directory) {
        List<Long> pids = new ArrayList<>();
        for (Path cgroup : preOrder(fs, directory)) {
            pids.addAll(CgroupFiles.pids(fs, cgroup.resolve(PROCS)));
        }
        return pids;
    }

    static boolean isEmpty(CgroupFs fs, Path directory) {
        return pids(fs, directory).isEmpty();
    }

    /**
     * SIGKILLs every task listed in the subtree, again and again, until none is listed or the deadline passes.
     * Without a freezer this races with fork: a task can fork between the read of cgroup.procs and the kill,
     * hence the loop; callers stop forks first where they can (pids.max = 0).
     *
     * @return whether the subtree is empty
     */
    static boolean killUntilEmpty(CgroupFs fs, Path directory, long deadlineNanos) {
        while (true) {
            List<Long> pids = pids(fs, directory);
            if (pids.isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            pids.forEach(fs::kill);
            pause();
        }
    }

    /** Polls until no task is listed in the subtree; tasks killed a moment ago may still be exiting. */
    static boolean awaitEmpty(CgroupFs fs, Path directory, long deadlineNanos) {
        while (!isEmpty(fs, directory)) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    /**
     * Removes the subtree with rmdir, deepest first (rmdir fails on a cgroup with children; rm -r would try
     * to unlink control files, which the kernel refuses). A failing rmdir is retried while the deadline
     * allows: a killed task holds its cgroup busy (EBUSY) until it has fully exited. The reason of a failure
     * is not inspected, since the JDK gives only strerror text; whether the directory still exists is what
     * counts.
     *
     * @throws CgroupException naming the directory and the last error when it still exists at the deadline
     */
    static void remove(CgroupFs fs, Path directory, long deadlineNanos) {
        // A sandbox's cgroup is a leaf in practice: one rmdir, before any look for children (a stat or a listing
        // of each directory, times one per hierarchy, on every run).
        try {
            fs.rmdir(directory);
            return;
        } catch (IOException e) {
            // gone already (the walk finds nothing), busy, or with children: the walk below deals with each
        }
        List<Path> all = preOrder(fs, directory);
        for (int i = all.size() - 1; i >= 0; i--) {
            removeOne(fs, all.get(i), deadlineNanos);
        }
    }

    private static void removeOne(CgroupFs fs, Path cgroup, long deadlineNanos) {
        long delayMillis = 1;
        while (true) {
            IOException failure;
            try {
                fs.rmdir(cgroup);
                return;
            } catch (java.nio.file.NoSuchFileException e) {
                return;
            } catch (IOException e) {
                failure = e;
            }
            if (!fs.exists(cgroup)) {
                return;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                List<Long> left = CgroupFiles.pids(fs, cgroup.resolve(PROCS));
                throw new CgroupException(
                        "cannot remove cgroup " + cgroup + ": " + CgroupFiles.reason(failure)
                                + (left.isEmpty() ? "" : "; tasks still in it: " + left),
                        failure);
            }
            sleep(delayMillis);
            delayMillis = Math.min(delayMillis * 2, 50);
        }
    }

    /** The first line of a file, e.g. freezer.state; empty when absent. */
    static Optional<String> state(CgroupFs fs, Path file) {
        return CgroupFiles.read(fs, file).map(String::strip);
    }

    static void pause() {
        sleep(POLL_MILLIS);
    }

    /**
     * Sleeps the full time even when interrupted, and re-asserts the interrupt afterwards: cleanup must finish
     * (a cgroup left behind outlives the JVM), and the caller still sees that it was interrupted.
     */
    private static void sleep(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        boolean interrupted = false;
        try {
            long remaining;
            while ((remaining = end - System.nanoTime()) > 0) {
                try {
                    Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
