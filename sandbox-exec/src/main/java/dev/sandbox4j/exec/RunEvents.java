package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's side of its sandbox's {@link RunListener} and its JFR event: a listener that throws is logged and
 * ignored, and the JFR event spans the run from its start to its result.
 */
final class RunEvents {
    private static final Logger LOG = LoggerFactory.getLogger(RunEvents.class);

    private final RunListener listener;
    private final RunListener.Run run;
    private final long startNanos = System.nanoTime();
    /** Whether this runtime has JFR: a jlinked one may lack the jdk.jfr module, and then runs record nothing. */
    private static final boolean JFR = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private final RunJfrEvent jfr; // null without JFR
    private boolean violationSeen;
    private boolean oomSeen;

    RunEvents(RunListener listener, RunListener.Run run) {
        this.listener = listener;
        this.run = run;
        // Without a running Flight Recorder a committed event goes nowhere: the event class is not even loaded.
        jfr = JFR && jdk.jfr.FlightRecorder.isInitialized()
                ? RunJfrEvent.begin(run.sandboxId(), String.join(" ", run.command()))
                : null;
        tell(l -> l.runStarted(run));
    }

    static RunEvents none(SandboxConfig config, java.util.List<String> command) {
        return new RunEvents(RunListener.NONE, new RunListener.Run(config.id(), 0, command));
    }

    /** Whether anybody listens for what only polling can find out (an OOM kill as it happens). */
    boolean wantsLiveLimits() {
        return listener != RunListener.NONE;
    }

    private Duration since() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    void launcherStarted() {
        Duration t = since();
        tell(l -> l.launcherStarted(run, t));
    }

    void planSent() {
        Duration t = since();
        tell(l -> l.planSent(run, t));
    }

    void programStarted() {
        Duration t = since();
        tell(l -> l.programStarted(run, t));
    }

    void setupFailed(RuntimeException failure) {
        Duration t = since();
        tell(l -> l.setupFailed(run, t, failure));
    }

    void limitReached(RunStatus limit) {
        if (limit == RunStatus.MEMORY_LIMIT) {
            if (oomSeen) {
                return;
            }
            oomSeen = true;
        }
        Duration t = since();
        tell(l -> l.limitReached(run, t, limit));
    }

    void seccompViolation(SeccompViolation violation) {
        if (violationSeen) {
            return;
        }
        violationSeen = true;
        Duration t = since();
        tell(l -> l.seccompViolation(run, t, violation));
    }

    void programEnded() {
        Duration t = since();
        tell(l -> l.programEnded(run, t));
    }

    void runEnded(SandboxResult result) {
        Duration t = since();
        if (jfr != null) {
            jfr.ended(result);
        }
        tell(l -> l.runEnded(run, t, result));
    }

    void runFailed(Throwable failure) {
        Duration t = since();
        if (jfr != null) {
            jfr.failed(failure);
        }
        tell(l -> l.runFailed(run, t, failure));
    }

    private void tell(Consumer<RunListener> call) {
        if (listener == RunListener.NONE) {
            return;
        }
        try {
            call.accept(listener);
        } catch (RuntimeException | Error e) {
            LOG.warn(
                    "sandbox {}: run {}: its listener {} failed: {}",
                    run.sandboxId(),
                    run.number(),
                    listener.getClass().getName(),
                    String.valueOf(e).replace('\n', ' '));
        }
    }
}
