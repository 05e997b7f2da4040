/**
 * How much a sandbox may use: cgroup limits that are really enforced (the workload is a member before it
 * execs), usage figures, kill-all and cleanup, on cgroup v2, v1 and hybrid hosts; and the rlimit mapping for
 * when cgroups are unusable.
 *
 * <p>Public surface: {@link dev.sandbox4j.cgroup.CgroupConfig} (limits, validated when set),
 * {@link dev.sandbox4j.cgroup.SandboxCgroups} ({@code create}, {@code availability}),
 * {@link dev.sandbox4j.cgroup.SandboxCgroup} ({@code procsFiles}, {@code stats}, {@code killAll}, {@code close}),
 * {@link dev.sandbox4j.cgroup.CgroupStats}, {@link dev.sandbox4j.cgroup.CgroupAvailability},
 * {@link dev.sandbox4j.cgroup.CgroupUnavailableException} and {@link dev.sandbox4j.cgroup.RlimitFallback}.
 * Everything else is package-private: the per-hierarchy backends ({@code V1Backend}, {@code V2Backend}), the
 * placement decision, the stale-cgroup cleaner and the {@code CgroupFs} seam over the kernel.
 */
package dev.sandbox4j.cgroup;
