package dev.sandbox4j.cgroup;

import java.util.List;

/**
 * A resource limit on a sandbox's cgroup, described as data: the files to write and the figures to read, on
 * cgroup v1 and on v2. This is how sandbox-cgroup is extended; its own memory, cpu and pids limits and the
 * {@link IoLimit}, {@link CpusetLimit} and {@link HugetlbLimit} shipped with it are written the same way.
 *
 * <p>An implementation is a small immutable value that validates its own values when constructed (so a bad
 * one fails where it is made, naming itself), and answers for both versions. Added with
 * {@link CgroupConfig.Builder#limit(CgroupLimit)}, it is checked at once and sandbox4j then still guarantees:
 * <ul>
 *   <li>every file is a plain name of the limit's own controller ({@code io.max}, not {@code cgroup.procs} or
 *       another controller's file), every value one line, no file written by two limits;</li>
 *   <li>the controller must be usable where the sandbox is created, or the creation fails before anything is
 *       made ({@link CgroupUnavailableException}; unprivileged runs, which have no cgroup, refuse such a
 *       limit): a limit is never silently dropped;</li>
 *   <li>every file that must be written exists in the new cgroup before the first value is written, and a
 *       value the kernel refuses fails the creation naming file, value and reason, with the cgroups removed;</li>
 *   <li>the workload joins the cgroup before it executes, so the limit holds from its first instruction.</li>
 * </ul>
 *
 * <pre>{@code
 * CgroupConfig limits = CgroupConfig.builder()
 *         .memory("256M")
 *         .limit(IoLimit.builder().device(254, 0).writeBytesPerSecond(1 << 20).build())
 *         .build();
 * }</pre>
 */
public interface CgroupLimit {

    /** The controller whose files this limit writes and reads. */
    CgroupController controller();

    /**
     * What to write, in order, into a fresh cgroup of {@code version} (1 or 2). An empty list means the limit
     * cannot be expressed on that version: where the controller lives in such a hierarchy, the sandbox is
     * refused rather than created without it.
     */
    List<CgroupWrite> writes(int version);

    /** The figures to report for the run on {@code version}; none by default. */
    default List<CgroupStatistic> statistics(int version) {
        return List.of();
    }
}
