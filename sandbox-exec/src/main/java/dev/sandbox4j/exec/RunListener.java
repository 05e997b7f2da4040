package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.List;

/**
 * Hears the stages of every run of a {@link Sandbox} ({@link Sandbox#create(SandboxConfig, RunListener)}), as they
 * happen: for metrics, tracing and logs, without the sandbox knowing about any of them. Each callback gets the run
 * and the time since it began; all have empty defaults, so a listener overrides what it needs.
 *
 * <p>Callbacks come from the thread that drives the run (the caller of {@code run}; for {@link Sandbox#start}, the
 * caller until the exec, then the JVM's one run loop, which drives every started run, and a finishing thread for
 * {@link #runEnded}/{@link #runFailed}) and must return quickly: the runs wait for them. What a callback throws is logged and otherwise ignored;
 * a listener cannot change a run.
 *
 * <p>Order: {@link #runStarted}, {@link #launcherStarted}, {@link #planSent}, then {@link #programStarted} or
 * {@link #setupFailed}; while the program runs, any of {@link #limitReached} and {@link #seccompViolation};
 * {@link #programEnded} when the sandbox's init reports the end (a violation's report may trail it by a moment);
 * last {@link #runEnded} with the result, or {@link #runFailed} when there is none.
 */
public interface RunListener {
    /** Listens to nothing. */
    RunListener NONE = new RunListener() {};

    /** One run, as listeners see it. */
    record Run(String sandboxId, long number, List<String> command) {}

    /** The run was asked for; nothing has started yet. */
    default void runStarted(Run run) {}

    /** Its launcher process exists (forked by the fork server, or started). */
    default void launcherStarted(Run run, Duration sinceStart) {}

    /** The plan is with the launcher, and the run's cgroup exists. */
    default void planSent(Run run, Duration sinceStart) {}

    /** The program has been exec'd in its sandbox. */
    default void programStarted(Run run, Duration sinceStart) {}

    /** The sandbox could not be set up; the program never ran. */
    default void setupFailed(Run run, Duration sinceStart, RuntimeException failure) {}

    /**
     * A limit was reached while the program ran: {@link RunStatus#TIMEOUT} (the wall clock; a kill grace starts
     * now), {@link RunStatus#CPU_TIME_LIMIT} (the cgroup's CPU time; the run is killed), or
     * {@link RunStatus#MEMORY_LIMIT} (the kernel's OOM killer struck in the run's cgroup, seen within 100 ms).
     */
    default void limitReached(Run run, Duration sinceStart, RunStatus limit) {}

    /** A process of the sandbox made a system call its profile refuses (the first one, where it can be named). */
    default void seccompViolation(Run run, Duration sinceStart, SeccompViolation violation) {}

    /** The sandbox's init reported the program's end; teardown follows. */
    default void programEnded(Run run, Duration sinceStart) {}

    /** Everything of the run is gone; this is its result. */
    default void runEnded(Run run, Duration sinceStart, SandboxResult result) {}

    /** The run ended without a result: a setup failure, {@link RunAbortedException}, an interrupt. */
    default void runFailed(Run run, Duration sinceStart, Throwable failure) {}
}
