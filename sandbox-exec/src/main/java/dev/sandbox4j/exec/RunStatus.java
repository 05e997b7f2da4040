package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxSetupException;
import java.util.Locale;
import java.util.Optional;

/**
 * One verdict per run, for callers that need exactly one answer (a judge's OK/RE/SG/TO/XX). When several things
 * happened to a run, the first of this list that applies wins; the constants are declared in that order:
 *
 * <ol>
 *   <li>{@link #SETUP_FAILED}: the program never ran ({@link SandboxSetupException}, {@link ProgramNotRunnableException});</li>
 *   <li>{@link #SANDBOX_FAILED}: sandbox4j's own machinery ended the run ({@link RunAbortedException});</li>
 *   <li>{@link #SECCOMP_VIOLATION}: a process of the sandbox made a system call its profile refuses;</li>
 *   <li>{@link #MEMORY_LIMIT}: the kernel's OOM killer struck inside the sandbox's memory cgroup;</li>
 *   <li>{@link #CPU_TIME_LIMIT}: the run's CPU-time limit was reached and the run was killed;</li>
 *   <li>{@link #TIMEOUT}: the wall-clock timeout expired and the run was stopped;</li>
 *   <li>{@link #SIGNALED}: a signal ended the program (one it raised, or the caller's);</li>
 *   <li>{@link #EXITED}: the program exited by itself, with {@link SandboxResult#exitCode()} (0 or not).</li>
 * </ol>
 *
 * A seccomp violation outranks a limit because a workload that tried a forbidden call is misbehaving whatever
 * else it did; an OOM kill outranks the time limits because it is what made a slow, swapping program late.
 * {@link SandboxResult#status()} never returns the first two: those runs have no result, and
 * {@link #of(Throwable)} maps their exceptions.
 */
public enum RunStatus {
    SETUP_FAILED,
    SANDBOX_FAILED,
    SECCOMP_VIOLATION,
    MEMORY_LIMIT,
    CPU_TIME_LIMIT,
    TIMEOUT,
    SIGNALED,
    EXITED;

    /** The name in reports: {@code "cpu_time_limit"}, {@code "exited"}, … */
    public String reportName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The status of a run that ended with this exception instead of a result: {@link #SETUP_FAILED} for a
     * {@link SandboxSetupException} (a program that cannot run included), {@link #SANDBOX_FAILED} for a
     * {@link RunAbortedException}; empty for anything else (an invalid configuration, an interrupt), which is no
     * verdict on a run.
     */
    public static Optional<RunStatus> of(Throwable failure) {
        if (failure instanceof SandboxSetupException) {
            return Optional.of(SETUP_FAILED);
        }
        if (failure instanceof RunAbortedException) {
            return Optional.of(SANDBOX_FAILED);
        }
        return Optional.empty();
    }

    /** The verdict on an ended run, by the precedence above. */
    static RunStatus decide(
            boolean seccompViolation, boolean oomKilled, boolean cpuTimeExceeded, boolean timedOut, boolean signaled) {
        if (seccompViolation) {
            return SECCOMP_VIOLATION;
        }
        if (oomKilled) {
            return MEMORY_LIMIT;
        }
        if (cpuTimeExceeded) {
            return CPU_TIME_LIMIT;
        }
        if (timedOut) {
            return TIMEOUT;
        }
        return signaled ? SIGNALED : EXITED;
    }
}
