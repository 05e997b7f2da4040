package dev.sandbox4j.exec;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * Reads one of the workload's output pipes into a bounded buffer. Everything is read, so the workload never
 * blocks on a full pipe for long; bytes beyond the limit are dropped and counted, so a chatty program cannot
 * exhaust the heap.
 *
 * <p>Two ways, by where the pipe comes from:
 * <ul>
 *   <li>{@link #threaded}: a stream of a launcher ProcessBuilder started, read by a thread of its own from the
 *       start;</li>
 *   <li>{@link #polled}: a non-blocking descriptor of a pipe the JVM made itself (the fork-server path), read by
 *       the thread that drives the run whenever it wakes ({@link #poll()}, {@link #nextPollDelayMillis()}). Most
 *       programs write less than a pipe holds, and their output is read at the end with no extra work at all.
 *       A run that goes on is handed to the JVM's one {@link OutputLoop} (epoll over every running sandbox's
 *       pipes): from the first poll that finds a good part of a pipe's worth, or the first after
 *       {@value #HANDOVER_AFTER_MILLIS} ms. Until then a program that fills the pipe waits at most one poll
 *       interval ({@value #MAX_POLL_DELAY_MILLIS} ms at most) for its reader; after, not at all. Only if epoll
 *       refuses (no descriptor left) does the pipe get a reader thread of its own.</li>
 * </ul>
 */
final class OutputCollector {
    /** A poll that finds this much hands the pipe to the output loop: a quarter of a default pipe buffer (64 KiB). */
    private static final int HANDOVER_THRESHOLD = 16 << 10;
    /** The longest pause between polls; the first comes after a millisecond, then each twice as late. */
    private static final long MAX_POLL_DELAY_MILLIS = 16;
    /** How long a run's output is polled at most before the output loop reads it. */
    private static final long HANDOVER_AFTER_MILLIS = 50;

    private static final long HANDOVER_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(HANDOVER_AFTER_MILLIS);

    private final int limit;
    private final String threadName;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long dropped;
    private int fd; // polled: the non-blocking descriptor, -1 once closed; guarded by this
    private Thread thread; // guarded by this
    private boolean watched; // polled: handed to the OutputLoop; guarded by this
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1); // polled fd
    private long pollDelayMillis = 1; // guarded by this
    private byte[] chunk; // polled: the read buffer, made on first use; guarded by this
    private final long createdNanos = System.nanoTime();

    private OutputCollector(int fd, int limit, String threadName) {
        this.fd = fd;
        this.limit = limit;
        this.threadName = threadName;
    }

    /** Reads {@code in} on a thread of its own, starting now. */
    static OutputCollector threaded(InputStream in, int limit, String threadName) {
        OutputCollector c = new OutputCollector(-1, limit, threadName);
        c.startThread(in);
        return c;
    }

    /** Reads the non-blocking descriptor {@code fd} (which it closes) when polled, and at the end. */
    static OutputCollector polled(int fd, int limit, String threadName) {
        return new OutputCollector(fd, limit, threadName);
    }

    /**
     * Reads what the pipe holds without blocking; from a poll that finds much, or once the run has gone on for
     * a while, the output loop reads the rest. Does nothing for a threaded collector, once the output loop reads,
     * or once the pipe has ended.
     */
    synchronized void poll() {
        if (watched) {
            return;
        }
        if (drain() >= HANDOVER_THRESHOLD || System.nanoTime() - createdNanos >= HANDOVER_AFTER_NANOS) {
            handOver();
        }
    }

    /** How long the driving thread may sleep before the next {@link #poll()}; 0 when none is needed. */
    synchronized long nextPollDelayMillis() {
        if (fd < 0 || thread != null || watched) {
            return 0;
        }
        long d = pollDelayMillis;
        pollDelayMillis = Math.min(d * 2, MAX_POLL_DELAY_MILLIS);
        return d;
    }

    /**
     * Waits for end-of-file, which comes once every process of the sandbox is gone; at most {@code millis}.
     * A polled pipe that is still open when the run has ended (a straggler holds it) is handed over, so that
     * the wait is bounded as it is for a threaded one. No lock is held while waiting (a virtual thread keeps
     * its carrier).
     */
    boolean await(long millis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            drain();
            handOver(); // only if the pipe is still open
            t = thread;
        }
        if (t == null) {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        }
        t.join(millis);
        return !t.isAlive();
    }

    /** Closes a polled descriptor that is still open (a run that ends without {@link #await}). */
    synchronized void close() {
        if (fd >= 0) {
            if (watched) {
                OutputLoop.get().unwatch(fd);
            }
            LibC.libc().close(fd);
            fd = -1;
            closed.countDown();
        }
    }

    synchronized byte[] bytes() {
        return kept.toByteArray();
    }

    synchronized boolean truncated() {
        return dropped > 0;
    }

    /** Reads until the pipe is empty or ended (then closes it); returns how much it read. */
    private synchronized int drain() {
        if (chunk == null) {
            chunk = new byte[16384]; // once, not per poll: polls come every few milliseconds
        }
        return drain(chunk, Integer.MAX_VALUE);
    }

    /**
     * Reads into {@code chunk} until the pipe is empty or ended (then closes it), or {@code atMost} bytes have
     * been read; returns how much it read.
     */
    private synchronized int drain(byte[] chunk, int atMost) {
        if (fd < 0 || thread != null) {
            return 0;
        }
        int total = 0;
        while (total < atMost) {
            long n = LibC.libc().read(fd, chunk, chunk.length);
            if (n > 0) {
                keep(chunk, (int) n);
                total += (int) n;
                continue;
            }
            if (n < 0) {
                int err = LibC.errno();
                if (err == LibC.Const.EINTR) {
                    continue;
                }
                if (err == LibC.Const.EAGAIN) {
                    return total; // empty, and a writer still holds it
                }
            }
            close(); // end-of-file (or a broken descriptor, which reads nothing more either)
            return total;
        }
        return total;
    }

    /** From now on the JVM's output loop reads the pipe; a thread of its own if epoll refuses. */
    private synchronized void handOver() {
        if (fd < 0 || thread != null || watched) {
            return;
        }
        try {
            OutputLoop.get().watch(fd, this::readable);
            watched = true;
            chunk = null; // the loop reads into a buffer of its own
            return;
        } catch (RuntimeException e) {
            // out of descriptors for epoll, say: a thread blocked in read needs none
        }
        InputStream in;
        try {
            in = new FileInputStream("/proc/self/fd/" + fd);
        } catch (IOException e) {
            return; // the descriptor is ours and open: cannot happen; polling goes on
        }
        close();
        startThread(in);
    }

    /**
     * On the output loop's thread: the pipe has data, or its writers are gone. A bounded read, so that one
     * talkative program does not keep the loop from the others; what is left wakes the loop again.
     */
    private synchronized void readable(byte[] buffer) {
        drain(buffer, 4 * buffer.length);
    }

    private synchronized void startThread(InputStream in) {
        Thread t = new Thread(() -> read(in), threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void read(InputStream in) {
        byte[] chunk = new byte[16384];
        try (in) {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                synchronized (this) {
                    keep(chunk, n);
                }
            }
        } catch (IOException e) {
            // the stream was closed under us at the end of a run; what was read stays
        }
    }

    private void keep(byte[] chunk, int n) {
        int keep = Math.max(0, Math.min(n, limit - kept.size()));
        kept.write(chunk, 0, keep);
        dropped += n - keep;
    }
}
