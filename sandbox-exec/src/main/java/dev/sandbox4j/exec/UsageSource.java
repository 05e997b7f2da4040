package dev.sandbox4j.exec;

/**
 * Where a usage figure of a {@link SandboxResult} comes from: {@link SandboxResult#memoryPeakSource()},
 * {@link SandboxResult#cpuTimeSource()}, and of a live {@link Usage}.
 */
public enum UsageSource {
    /**
     * The sandbox's cgroup: every process of the sandbox together, including orphans, processes killed at the
     * end, and the small share of the launcher and the sandbox's init. Memory is the cgroup's peak charge
     * (anonymous memory plus page cache, tmpfs/shm and kernel memory), which can exceed the processes' RSS.
     */
    CGROUP,
    /**
     * The workload's rusage as the sandbox's init reaped it: the program plus the descendants it waited for.
     * Memory is the peak resident set of the largest single process ({@code ru_maxrss}), not a sum.
     */
    RUSAGE,
    /**
     * {@code /proc} of the sandbox's processes alive at the moment ({@link SandboxProcess#usage()} without a
     * cgroup): resident sets summed, CPU time of the living processes, threads counted.
     */
    PROC
}
