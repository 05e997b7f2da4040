package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A started program's output and end as one ordered sequence of {@link SandboxEvent}s, from
 * {@link SandboxProcess#events()}: the chunks of its {@link Output#pipe() piped} stdout and stderr in the order
 * they arrived, then one {@link SandboxEvent.Exit}. Taken blocking ({@link #take()}), without waiting
 * ({@link #poll()}), or handed to a callback on a thread of its own ({@link #deliverTo}).
 *
 * <p>Only piped streams give chunks; a {@link Output#capture() captured} stream comes in the exit's result, within
 * its capture limit, and an inherited or discarded one not at all.
 *
 * <p>Buffering is bounded and loses nothing: each piped stream holds at most its {@link Output#pipe(int) pipe
 * buffer} of chunks not yet taken (64 MiB by default). When a consumer is slower than the program, sandbox4j stops
 * reading that pipe, the kernel's pipe fills, and the program waits in {@code write} until events are taken (its
 * timeout still runs). No chunk is ever dropped while this object is open; {@link #close()} ends the program and
 * discards what was not taken.
 *
 * <p>Thread-safe; each event goes to exactly one taker.
 */
public final class SandboxEvents implements AutoCloseable {
    private final SandboxProcess process;
    private final PipedOutputs piped;
    private final CompletableFuture<SandboxResult> result;
    private boolean exitTaken; // guarded by piped
    private final String threadName;
    private Thread deliverer;

    SandboxEvents(
            SandboxProcess process, PipedOutputs piped, CompletableFuture<SandboxResult> result, String threadName) {
        this.process = process;
        this.threadName = threadName;
        this.piped = piped;
        this.result = result;
        piped.takeForEvents();
        // The exit waits for both the end of the output and the result: whichever comes last wakes the takers.
        result.whenComplete((r, t) -> {
            synchronized (piped) {
                piped.notifyAll();
            }
        });
    }

    /**
     * The next event, waiting for it.
     *
     * @throws NoSuchElementException      after the exit has been taken
     * @throws RunAbortedException         (or another exception of the run) in place of the exit, when sandbox4j
     *                                     itself ended the run; the output that came before is delivered first
     * @throws InterruptedException        if interrupted while waiting; the program keeps running
     */
    public SandboxEvent take() throws InterruptedException {
        synchronized (piped) {
            while (true) {
                SandboxEvent e = next();
                if (e != null) {
                    return e;
                }
                piped.wait();
            }
        }
    }

    /** The next event if there is one now, without waiting. */
    public Optional<SandboxEvent> poll() {
        synchronized (piped) {
            return Optional.ofNullable(next());
        }
    }

    /** The next event, waiting at most {@code timeout}; empty if none came by then. */
    public Optional<SandboxEvent> poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (piped) {
            while (true) {
                SandboxEvent e = next();
                if (e != null) {
                    return Optional.of(e);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                piped.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /**
     * Hands every event, the exit last, to {@code consumer} on a thread of this object's own, in order, until the
     * exit. Returns the run's result when the consumer has seen the exit. A consumer that throws ends the program;
     * the returned future then completes with what it threw. The taking methods must not be used meanwhile.
     */
    public synchronized CompletableFuture<SandboxResult> deliverTo(Consumer<? super SandboxEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (deliverer != null) {
            throw new IllegalStateException("the events are delivered to a consumer already");
        }
        CompletableFuture<SandboxResult> done = new CompletableFuture<>();
        deliverer = new Thread(
                () -> {
                    try {
                        while (true) {
                            SandboxEvent e = take();
                            consumer.accept(e);
                            if (e instanceof SandboxEvent.Exit exit) {
                                done.complete(exit.result());
                                return;
                            }
                        }
                    } catch (Throwable t) {
                        process.destroyForcibly();
                        done.completeExceptionally(t);
                    }
                },
                threadName);
        deliverer.setDaemon(true);
        deliverer.start();
        return done;
    }

    /** Ends the program if it still runs and discards the events not taken (as {@link SandboxProcess#close()}). */
    @Override
    public void close() throws InterruptedException {
        process.close();
        Thread d;
        synchronized (this) {
            d = deliverer;
        }
        if (d != null && d != Thread.currentThread()) {
            d.join();
        }
    }

    /** The next event if one is due now, else null. Called with piped's lock held. */
    private SandboxEvent next() {
        if (exitTaken) {
            throw new NoSuchElementException("the program's exit has been taken: no events follow it");
        }
        PipedOutput oldest = piped.oldest();
        if (oldest != null) {
            byte[] bytes = oldest.takeChunk();
            return oldest == piped.stdout() ? new SandboxEvent.Stdout(bytes) : new SandboxEvent.Stderr(bytes);
        }
        if (!piped.drained() || !result.isDone()) {
            return null;
        }
        exitTaken = true;
        try {
            return new SandboxEvent.Exit(result.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new dev.sandbox4j.core.SandboxException("the sandbox monitor failed: " + cause, cause);
        } catch (InterruptedException e) {
            throw new AssertionError("a completed future does not wait", e);
        }
    }
}
