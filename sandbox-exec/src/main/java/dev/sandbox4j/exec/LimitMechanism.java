package dev.sandbox4j.exec;

/**
 * How a sandbox's memory or pids limit is enforced: see {@link SandboxConfig#memoryLimitMechanism()} and
 * {@link SandboxResult#memoryLimitMechanism()}. The two differ in what they guarantee, so a result says which
 * one was in force.
 */
public enum LimitMechanism {
    /**
     * A limit on the sandbox's cgroup, covering its whole process tree (privileged mode). Memory: the cgroup's
     * charge (anonymous memory, page cache, tmpfs, kernel memory) may not exceed it; the kernel OOM-kills inside
     * the sandbox when reclaim cannot keep it below, and {@link SandboxResult#oomKilled()} says so. Pids: forks
     * beyond the limit fail with EAGAIN; the sandbox's init counts as one task.
     */
    CGROUP,
    /**
     * A per-process rlimit, the fallback where no cgroup can be used (unprivileged mode, or {@code AUTO} on a host
     * whose controller is unusable). Memory is {@code RLIMIT_DATA}: an allocation beyond it fails with ENOMEM,
     * each process of the tree may use that much, and tmpfs/shm files are not counted; there is no OOM kill.
     * Pids is {@code RLIMIT_NPROC}: every process and thread of the workload's host uid counts, the sandbox's own
     * and any other, and the kernel does not apply it to a process with {@code CAP_SYS_ADMIN} or
     * {@code CAP_SYS_RESOURCE}.
     */
    RLIMIT
}
