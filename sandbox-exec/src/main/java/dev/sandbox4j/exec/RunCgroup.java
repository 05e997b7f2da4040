package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.cgroup.SandboxCgroup;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.core.CgroupException;
import dev.sandbox4j.namespace.internal.CgroupMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup of one run, as {@link Execution} drives it: named before the launcher starts (its
 * {@code cgroup.procs} files go into the plan), created while the launcher starts and clones init (the launcher
 * waits for Java's word before it moves init into it, before init forks, so the workload is a member from its
 * first instruction), killed as a whole when the sandbox has no PID namespace to die with, measured once the
 * workload has ended, and removed on every path out of a run, failures included. {@link #NONE} stands for the
 * runs that get no cgroup (unprivileged mode).
 */
final class RunCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(RunCgroup.class);

    /** No cgroup: nothing to join, kill, measure or remove. */
    static final RunCgroup NONE = new RunCgroup(null, null, List.of());

    /** What the JVM needs mounted to find its limits on cgroup v1; other runtimes read a subset. */
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private static final Set<String> RUNTIME_CONTROLLERS = Set.of("cpuset", "cpu", "cpuacct", "memory", "pids");

    private final SandboxCgroups.Reservation reservation;
    private final List<String> procsFiles;
    private final String sandboxId;
    private final List<CgroupHierarchy> runtimeHierarchies;
    private volatile SandboxCgroup cgroup; // once created; read by kill() from other threads
    private CgroupStats stats;

    private RunCgroup(
            SandboxCgroups.Reservation reservation, String sandboxId, List<CgroupHierarchy> runtimeHierarchies) {
        this.reservation = reservation;
        this.runtimeHierarchies = runtimeHierarchies;
        // Asked for twice (the plan, and whether to tell the launcher the cgroup is ready): worked out once.
        this.procsFiles = reservation == null
                ? List.of()
                : reservation.procsFiles().stream().map(Path::toString).toList();
        this.sandboxId = sandboxId;
    }

    /**
     * The cgroup for one run of {@code config}, named and placed, not created yet; {@link #NONE} when its runs get
     * no cgroup.
     *
     * @throws dev.sandbox4j.cgroup.CgroupUnavailableException when a controller its limits need is not usable
     */
    static RunCgroup reserve(SandboxConfig config) {
        return reserve(config, config.limitPlan());
    }

    /** As {@link #reserve(SandboxConfig)}, with one run's limits (a request's lower memory or pids limit). */
    static RunCgroup reserve(SandboxConfig config, LimitPlan limits) {
        if (config.cgroupHost() == null || limits.cgroup() == null) {
            return NONE;
        }
        return new RunCgroup(
                config.cgroupHost().reserve(config.id(), limits.cgroup()),
                config.id(),
                config.cgroupHost().v1Hierarchies(RUNTIME_CONTROLLERS));
    }

    /**
     * The hierarchies the program may see at /sys/fs/cgroup (read-only, from inside its cgroup namespace), one
     * mount each, named as on the host: the run's own, rooted at its cgroups, and the v1 hierarchies of
     * {@link #RUNTIME_CONTROLLERS} where it has none (cpuset, usually), rooted at the cgroup the sandbox was
     * started from, whose subtree's names it then sees.
     */
    List<CgroupMount> mounts() {
        return reservation == null ? List.of() : mountsOf(reservation.hierarchies(), runtimeHierarchies);
    }

    /** The run's own hierarchies, then the runtimes' others, one mount per directory name. */
    static List<CgroupMount> mountsOf(List<CgroupHierarchy> own, List<CgroupHierarchy> runtime) {
        List<CgroupMount> mounts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<CgroupHierarchy> hierarchies = new ArrayList<>(own);
        runtime.stream().filter(h -> !hierarchies.contains(h)).forEach(hierarchies::add);
        for (CgroupHierarchy h : hierarchies) {
            // a unified hierarchy on /sys/fs/cgroup itself (pure v2) stays there: the empty name
            Path name = h.version() == 2 && h.mountPoint().equals(CGROUP_ROOT)
                    ? Path.of("")
                    : h.mountPoint().getFileName();
            if (name != null && names.add(name.toString())) {
                mounts.add(new CgroupMount(
                        name.toString(), h.version(), h.version() == 1 ? String.join(",", h.controllers()) : ""));
            }
        }
        return mounts;
    }

    /**
     * What the run has used so far, read from its cgroup now; empty without a cgroup, or once it has been released.
     */
    java.util.Optional<CgroupStats> liveStats() {
        SandboxCgroup cgroup = this.cgroup;
        if (cgroup == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(cgroup.stats());
        } catch (CgroupException e) {
            LOG.debug("sandbox {}: reading its cgroup's figures failed: {}", sandboxId, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** What the run uses now, from its cgroup; empty without one, or once it has been released. */
    java.util.Optional<Usage> liveUsage() {
        SandboxCgroup cgroup = this.cgroup;
        return liveStats().map(s -> UsageReader.fromCgroup(s, cgroup.directories()));
    }

    /** The files the launcher writes init's pid into before init forks, once they exist ({@link #create()}). */
    List<String> procsFiles() {
        return procsFiles;
    }

    /**
     * Creates the directories and writes the limits; the launcher must not be told to move init in before this
     * returns. Once.
     *
     * @throws dev.sandbox4j.core.CgroupException when that fails (what was created is removed)
     */
    synchronized void create() {
        if (reservation != null && cgroup == null && stats == null) { // never after release()
            cgroup = reservation.create();
        }
    }

    /**
     * The run's usage now, for {@link ActiveRun#usage()}: the cgroup's CPU time and current memory charge
     * ({@code memory.current} on v2, {@code memory.usage_in_bytes} on v1). Empty without a cgroup, or once released.
     */
    synchronized java.util.Optional<RunUsage> liveUsage(int processes) {
        SandboxCgroup cgroup = this.cgroup;
        if (cgroup == null || stats != null) {
            return java.util.Optional.empty();
        }
        CgroupStats now = cgroup.stats();
        if (now.cpuTimeUs().isEmpty()) {
            return java.util.Optional.empty();
        }
        java.util.OptionalLong memory = java.util.OptionalLong.empty();
        for (Path dir : cgroup.directories()) {
            for (String file : List.of("memory.current", "memory.usage_in_bytes")) {
                try {
                    memory = java.util.OptionalLong.of(Long.parseLong(
                            java.nio.file.Files.readString(dir.resolve(file)).trim()));
                    break;
                } catch (java.io.IOException | NumberFormatException absent) {
                    // not this hierarchy's file
                }
            }
            if (memory.isPresent()) {
                break;
            }
        }
        return java.util.Optional.of(new RunUsage(
                java.time.Duration.ofNanos(now.cpuTimeUs().getAsLong() * 1000), memory, processes, UsageSource.CGROUP));
    }

    /**
     * SIGKILLs every process of the run at once, init included, and waits until they are gone.
     *
     * @return false when there is no cgroup, or it could not empty itself (the caller falls back to the
     *         launcher's own kill)
     */
    boolean killAll() {
        SandboxCgroup cgroup = this.cgroup;
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
     * The figures of a run whose workload has ended, read now, while its init may still be exiting, and kept:
     * {@link #release} then only removes the cgroup, once init has been reaped. Never throws.
     */
    synchronized void keepFinalStats() {
        SandboxCgroup cgroup = this.cgroup;
        if (cgroup == null || stats != null) {
            return;
        }
        try {
            cgroup.keepFinalStats();
        } catch (CgroupException e) {
            LOG.warn("sandbox {}: reading its cgroup's figures failed: {}", sandboxId, e.getMessage());
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
