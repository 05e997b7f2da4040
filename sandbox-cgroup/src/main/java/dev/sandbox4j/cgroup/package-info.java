/**
 * How much a sandbox may use: cgroup limits that are really enforced (the workload is a member before it
 * execs), usage figures, kill-all and cleanup, on cgroup v2, v1 and hybrid hosts; and the rlimit mapping for
 * when cgroups are unusable.
 *
 * <p>Public surface: {@link dev.sandbox4j.cgroup.CgroupConfig} (limits, validated when set),
 * {@link dev.sandbox4j.cgroup.SandboxCgroups} ({@code create}, {@code availability}),
 * {@link dev.sandbox4j.cgroup.SandboxCgroup} ({@code procsFiles}, {@code stats}, {@code killAll}, {@code close}),
 * {@link dev.sandbox4j.cgroup.CgroupStats}, {@link dev.sandbox4j.cgroup.CgroupAvailability},
 * {@link dev.sandbox4j.cgroup.CgroupUnavailableException} and {@link dev.sandbox4j.cgroup.RlimitFallback}; the
 * extension point {@link dev.sandbox4j.cgroup.CgroupLimit} with {@link dev.sandbox4j.cgroup.CgroupController},
 * {@link dev.sandbox4j.cgroup.CgroupWrite} and {@link dev.sandbox4j.cgroup.CgroupStatistic}, and the limits
 * shipped with it ({@link dev.sandbox4j.cgroup.IoLimit}, {@link dev.sandbox4j.cgroup.CpusetLimit},
 * {@link dev.sandbox4j.cgroup.HugetlbLimit}).
 * Everything else is package-private: the per-hierarchy backends ({@code V1Backend}, {@code V2Backend}), the
 * placement decision, the one check of every limit ({@code LimitCheck}), the built-in limits as data
 * ({@code BuiltinLimits}), the stale-cgroup cleaner and the {@code CgroupFs} seam over the kernel.
 */
package dev.sandbox4j.cgroup;
