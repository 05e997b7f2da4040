package dev.sandbox4j.exec;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A sandboxed program that is running, from {@link Sandbox#start}: like {@link Process}, plus a
 * {@link SandboxResult} at the end. The program was exec'd when this object was returned.
 *
 * <p>The JVM's one {@link RunLoop} enforces the timeout and collects the result, whether or not anybody waits: a
 * running sandbox holds no thread of its own. Streams exist only for {@link Input#pipe()} and {@link Output#pipe()};
 * piped output is kept for the caller up to a bound ({@link Output#pipe(int)}), beyond which a talkative
 * program waits for the caller to read. Closing this object kills the program if it still runs and closes its
 * streams.
 */
public final class SandboxProcess implements AutoCloseable {
    private final Execution execution;
    private final CompletableFuture<SandboxResult> result = new CompletableFuture<>();
    private final String threadName;
    private final Runnable onEnd;
    private SandboxEvents events; // guarded by this

    SandboxProcess(Execution execution, String threadName, Runnable onEnd) {
        this.execution = execution;
        this.threadName = threadName;
        this.onEnd = onEnd;
    }

    /**
     * Hands the run to the run loop; should the JVM have no descriptor left for its selector, to a monitor
     * thread of its own, which does the same blocking.
     */
    void startMonitor() {
        try {
            RunLoop.get().add(execution, failure -> complete(failure, execution::conclude));
        } catch (java.io.IOException e) {
            Thread monitor = new Thread(() -> complete(null, execution::awaitResult), threadName);
            monitor.setDaemon(true);
            monitor.start();
        }
    }

    private interface Outcome {
        SandboxResult get() throws InterruptedException;
    }

    private void complete(Throwable failure, Outcome outcome) {
        try {
            if (failure != null) {
                throw failure;
            }
            result.complete(outcome.get());
        } catch (Throwable t) {
            execution.abort();
            result.completeExceptionally(t);
        } finally {
            onEnd.run();
        }
    }

    /** The program's stdin, for {@link Input#pipe()}; otherwise a stream that discards. */
    public OutputStream stdin() {
        return execution.process().stdin();
    }

    /**
     * The program's stdout, for {@link Output#pipe()}; an empty stream for {@link Output#inherit()} and {@link
     * Output#discard()}. What the program wrote stays readable after it has ended, until this stream or this
     * process is closed.
     *
     * @throws IllegalStateException when stdout is {@link Output#capture() captured}: it is in the result, and a
     *         stream here would stay empty
     */
    public InputStream stdout() {
        return readable("stdout", execution.stdoutMode(), execution.pipedStdout());
    }

    /** The program's stderr, for {@link Output#pipe()}; as {@link #stdout()}. */
    public InputStream stderr() {
        return readable("stderr", execution.stderrMode(), execution.pipedStderr());
    }

    private static InputStream readable(String name, Output mode, InputStream stream) {
        if (mode.kind == Output.Kind.CAPTURE) {
            throw new IllegalStateException(name + " of this run is " + mode + ": it is in the result (waitFor()."
                    + name + "()); ask for Output.pipe() (RunRequest." + name
                    + " or the sandbox's) to read it as it comes");
        }
        return stream;
    }

    /**
     * What the sandbox has used so far: memory now and at its peak, CPU time, tasks. From the run's cgroup where
     * it has one (the whole tree), else from {@code /proc} (the processes alive now); {@link Usage#source()} says
     * which. After the end, {@link #waitFor()}'s result has the final figures.
     */
    public Usage usage() {
        return execution.usage();
    }

    /**
     * The program's piped output and its exit as one ordered sequence of events (see {@link SandboxEvents}):
     * stdout and stderr chunks in the order they arrived, then the exit. The same object on every call. Use either
     * the events or {@link #stdout()}/{@link #stderr()}: once events are taken the streams refuse to be read.
     *
     * @throws IllegalStateException if a stream has been read directly already
     */
    public synchronized SandboxEvents events() {
        if (events == null) {
            events = new SandboxEvents(this, execution.piped(), result, threadName + "-events");
        }
        return events;
    }

    /** Whether the sandbox is still running. */
    public boolean isAlive() {
        return !result.isDone();
    }

    /** Waits for the end of the sandbox. */
    public SandboxResult waitFor() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** Waits at most {@code timeout}; empty if the sandbox is still running then. */
    public Optional<SandboxResult> waitFor(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** Completes with the result when the sandbox ends. */
    public CompletableFuture<SandboxResult> onExit() {
        return result.copy();
    }

    /** Asks the program to stop: SIGTERM, forwarded by the sandbox's init. */
    public void destroy() {
        sendSignal(Signals.SIGTERM);
    }

    /** Kills the program and everything it started, at once. */
    public void destroyForcibly() {
        execution.kill();
    }

    /**
     * Lets go of the program: kills it if it still runs and waits for its end, then closes its streams, discarding
     * output nobody has read.
     */
    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            destroyForcibly();
        }
        try {
            waitFor();
        } catch (RuntimeException e) {
            // how the run ended does not matter to a caller that lets go of it
        } finally {
            closeQuietly(stdin());
            closeQuietly(execution.pipedStdout());
            closeQuietly(execution.pipedStderr());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (java.io.IOException ignored) {
            // a pipe's end: nothing to do about a failed close
        }
    }

    /** Sends a signal to the program (through the sandbox's init, which forwards it). */
    public void sendSignal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("no such signal: " + signal);
        }
        execution.signal(signal);
    }

    private static RuntimeException rethrow(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new dev.sandbox4j.core.SandboxException("the sandbox monitor failed: " + cause, cause);
    }
}
