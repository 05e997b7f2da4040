package dev.sandbox4j.exec;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;

/**
 * The caller's end of an {@link Output#pipe()}: a thread moves the workload's output from the pipe into memory as
 * it comes, and the caller reads it from there, before or after the program has ended. The run's end therefore
 * never takes unread output away: it stays readable until the caller closes this stream (or the
 * {@link SandboxProcess}).
 *
 * <p>Bounded: once {@code capacity} bytes are unread (plus at most one read's worth), the thread stops reading
 * and the program waits on its full pipe until the caller reads, as with {@link Process}. Nothing is dropped
 * while the stream is open; after {@link #close()} the rest is discarded and the pipe closed (the program then
 * gets EPIPE).
 */
final class PipedOutput extends InputStream {
    private static final int CHUNK = 64 << 10;

    private final InputStream source;
    private final int capacity;
    // guarded by this
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int headOffset; // bytes of the first chunk already read
    private long unread;
    private boolean ended; // the pipe reached end-of-file (or failed)
    private IOException failure; // reading the pipe failed: handed to the reader after what was read
    private boolean closed;

    private PipedOutput(InputStream source, int capacity) {
        this.source = source;
        this.capacity = capacity;
    }

    /** Starts moving {@code source} (which this stream now owns) into memory, on a daemon thread. */
    static PipedOutput start(InputStream source, int capacity, String threadName) {
        PipedOutput out = new PipedOutput(Objects.requireNonNull(source, "source"), Math.max(1, capacity));
        Thread pump = new Thread(out::pump, threadName);
        pump.setDaemon(true);
        pump.start();
        return out;
    }

    private void pump() {
        byte[] buffer = new byte[CHUNK];
        try {
            while (true) {
                synchronized (this) {
                    while (unread >= capacity && !closed) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                int n = source.read(buffer);
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    if (n < 0) {
                        ended = true;
                        notifyAll();
                        return;
                    }
                    if (n > 0) {
                        chunks.addLast(Arrays.copyOf(buffer, n));
                        unread += n;
                        notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                if (!closed) {
                    failure = e;
                }
                ended = true;
                notifyAll();
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        } finally {
            closeSource();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        try {
            while (unread == 0 && !ended && !closed) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the sandbox's output");
        }
        if (closed) {
            throw new IOException("Stream closed");
        }
        if (unread == 0) {
            if (failure != null) {
                IOException f = failure;
                failure = null;
                throw f;
            }
            return -1;
        }
        int done = 0;
        while (done < len && !chunks.isEmpty()) {
            byte[] head = chunks.peekFirst();
            int n = Math.min(len - done, head.length - headOffset);
            System.arraycopy(head, headOffset, b, off + done, n);
            done += n;
            headOffset += n;
            if (headOffset == head.length) {
                chunks.removeFirst();
                headOffset = 0;
            }
        }
        unread -= done;
        notifyAll(); // room for the pump
        return done;
    }

    @Override
    public synchronized int available() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        return (int) Math.min(unread, Integer.MAX_VALUE);
    }

    /** Discards what is unread and closes the pipe; the thread ends with it. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            chunks.clear();
            unread = 0;
            notifyAll();
        }
        // A pump blocked in read() keeps the pipe until its read returns; the descriptor is released now.
        closeSource();
    }

    private void closeSource() {
        try {
            source.close();
        } catch (IOException ignored) {
            // our own end of a pipe: nothing to do about a failed close
        }
    }
}
