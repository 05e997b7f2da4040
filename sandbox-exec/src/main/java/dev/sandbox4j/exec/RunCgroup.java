package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.cgroup.SandboxCgroup;
import dev.sandbox4j.core.CgroupException;

import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup of one run, as {@link Execution} drives it: created before the launcher starts (its
 * {@code cgroup.procs} files go into the plan, and the launcher moves init into them before init forks, so the workload is a
 * member from its first instruction), killed as a whole when the sandbox has no PID namespace to die with,
 * measured once the workload has ended, and removed on every path out of a run, failures included.
 * {@link #NONE} stands for the runs that get no cgroup (unprivileged mode).
 */
final class RunCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(RunCgroup.class);

    /** No cgroup: nothing to join, kill, measure or remove. */
    static final RunCgroup NONE = new RunCgroup(null, null);

    private final SandboxCgroup cgroup;
    private final String sandboxId;
    private CgroupStats stats;

    private RunCgroup(SandboxCgroup cgroup, String sandboxId) {
        this.cgroup = cgroup;
        this.sandboxId = sandboxId;
    }

    /**
     * The cgroup for one run of {@code config}, limits written; {@link #NONE} when its runs get no cgroup.
     *
     * @throws dev.sandbox4j.core.CgroupException when it cannot be created (what was created is removed)
     */
    static RunCgroup open(SandboxConfig config) {
        if (config.cgroupHost() == null) {
            return NONE;
        }
        return new RunCgroup(config.cgroupHost().create(config.id(), config.cgroupLimits().orElseThrow()),
                config.id());
    }

    /** The files the launcher writes init's pid into before init forks. */
    List<String> procsFiles() {
        return cgroup == null ? List.of() : cgroup.procsFiles().stream().map(Path::toString).toList();
    }

    /**
     * SIGKILLs every process of the run at once, init included, and waits until they are gone.
     *
     * @return false when there is no cgroup, or it could not empty itself (the caller falls back to the
     *         launcher's own kill)
     */
    boolean killAll() {
        if (cgroup == null) {
            return false;
        }
        try {
            cgroup.killAll();
            return true;
        } catch (CgroupException e) {
            LOG.warn("sandbox {}: killing its cgroup failed: {}", sandboxId, e.getMessage());
            return false;
        }
    }

    /**
     * Reads the final figures and removes the cgroup; once, later calls return the same figures. Called once
     * the launcher has reported init reaped (it is no member itself), or else once the launcher is gone: with a
     * PID namespace every process died with the sandbox's init, without one init killed its descendants, and {@link SandboxCgroup#close()} kills anything still listed before it
     * removes the directories. Never throws: the run's outcome is known by now and is worth more than a failed
     * rmdir, which is logged and retried at JVM exit and by the next JVM's stale cleanup.
     */
    synchronized CgroupStats release() {
        return release(false);
    }

    /**
     * {@link #release()}, for a run whose every task is known to be reaped ({@code reaped}: the launcher reported
     * the end of an init that was PID 1 of its own namespace), which spares the look for stragglers.
     */
    synchronized CgroupStats release(boolean reaped) {
        if (stats != null) {
            return stats;
        }
        if (cgroup == null) {
            stats = CgroupStats.EMPTY;
            return stats;
        }
        // close() takes the final figures itself (after killing any straggler, before removing the directories),
        // and stats() returns those afterwards: one read of the cgroup files instead of two (about 0.6 ms here).
        try {
            if (reaped) {
                cgroup.closeReaped();
            } else {
                cgroup.close();
            }
        } catch (CgroupException e) {
            LOG.warn("sandbox {}: its cgroup {} could not be removed: {}", sandboxId, cgroup.name(), e.getMessage());
        }
        CgroupStats read;
        try {
            read = cgroup.stats();
        } catch (CgroupException e) {
            LOG.warn("sandbox {}: reading its cgroup's figures failed: {}", sandboxId, e.getMessage());
            read = CgroupStats.EMPTY;
        }
        stats = read;
        return stats;
    }
}
