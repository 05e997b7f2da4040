package dev.sandbox4j.exec;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;

/**
 * The caller's end of an {@link Output#pipe()}: the workload's output is moved from the pipe into memory as it
 * comes, and the caller reads it from there, before or after the program has ended. The run's end therefore
 * never takes unread output away: it stays readable until the caller closes this stream (or the
 * {@link SandboxProcess}). What moves it: the JVM's one {@link OutputLoop} for a pipe the JVM made itself (a
 * launcher from the fork server, {@link #watched}), else a thread of its own ({@link #start}).
 *
 * <p>Bounded: once {@code capacity} bytes are unread (plus at most one read's worth), reading stops (the loop
 * stops watching the pipe until the caller reads; the thread waits) and the program waits on its full pipe
 * until the caller reads, as with {@link Process}. Nothing is dropped while the stream is open; after
 * {@link #close()} the rest is discarded and the pipe closed (the program then gets EPIPE).
 */
final class PipedOutput extends InputStream {
    private static final int CHUNK = 64 << 10;

    private final PipedOutputs owner; // its monitor guards this stream's state too
    private final InputStream source;
    private final int capacity;
    // guarded by owner
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    private int headOffset; // bytes of the first chunk already read
    private long unread;
    private boolean ended; // the pipe reached end-of-file (or failed)
    private IOException failure; // reading the pipe failed: handed to the reader after what was read
    private boolean closed;
    private int fd = -1; // watched: the non-blocking descriptor, -1 once closed
    private boolean watching; // watched: the loop reads it now (not while full)

    /** What one read of the pipe returned, numbered in arrival order across the run's piped streams. */
    private record Chunk(long arrival, byte[] bytes) {}

    private PipedOutput(PipedOutputs owner, InputStream source, int capacity) {
        this.owner = owner;
        this.source = source;
        this.capacity = capacity;
    }

    /**
     * Starts moving the non-blocking descriptor {@code fd} (which this stream now owns) into memory, on the JVM's
     * output loop.
     */
    static PipedOutput watched(PipedOutputs owner, int fd, int capacity) {
        PipedOutput out = new PipedOutput(owner, InputStream.nullInputStream(), Math.max(1, capacity));
        synchronized (owner) {
            out.fd = fd;
            out.watch();
        }
        return out;
    }

    /** Owner's lock held: lets the loop read again, unless the stream is full, ended or closed. */
    private void watch() {
        if (fd >= 0 && !watching && !closed && unread < capacity) {
            OutputLoop.get().watch(fd, this::readable);
            watching = true;
        }
    }

    /** Owner's lock held: the descriptor is done with (end of file, a failure, or the caller's close). */
    private void closeDescriptor() {
        if (fd >= 0) {
            if (watching) {
                OutputLoop.get().unwatch(fd);
                watching = false;
            }
            LibC.libc().close(fd);
            fd = -1;
        }
    }

    /**
     * On the output loop's thread: reads what the pipe holds, up to the capacity and a few buffers (the loop
     * serves every run); stops watching a full stream, which the caller's next read lets go on.
     */
    private void readable(byte[] buffer) {
        synchronized (owner) {
            for (int round = 0; round < 4 && fd >= 0 && !closed; round++) {
                if (unread >= capacity) {
                    OutputLoop.get().unwatch(fd);
                    watching = false;
                    return;
                }
                long n = LibC.libc().read(fd, buffer, buffer.length);
                if (n > 0) {
                    chunks.addLast(new Chunk(owner.nextArrival(), Arrays.copyOf(buffer, (int) n)));
                    unread += n;
                    owner.notifyAll();
                    continue;
                }
                if (n < 0) {
                    int err = LibC.errno();
                    if (err == LibC.Const.EINTR) {
                        continue;
                    }
                    if (err == LibC.Const.EAGAIN) {
                        return;
                    }
                    failure = new IOException(
                            "cannot read the sandbox's output: " + LibC.libc().strerror(err));
                }
                ended = true; // end of file, or a failure handed to the reader after what was read
                closeDescriptor();
                owner.notifyAll();
                return;
            }
        }
    }

    /** Starts moving {@code source} (which this stream now owns) into memory, on a daemon thread. */
    static PipedOutput start(PipedOutputs owner, InputStream source, int capacity, String threadName) {
        PipedOutput out = new PipedOutput(owner, Objects.requireNonNull(source, "source"), Math.max(1, capacity));
        Thread pump = new Thread(out::pump, threadName);
        pump.setDaemon(true);
        pump.start();
        return out;
    }

    private void pump() {
        byte[] buffer = new byte[CHUNK];
        try {
            while (true) {
                synchronized (owner) {
                    while (unread >= capacity && !closed) {
                        owner.wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                int n = source.read(buffer);
                synchronized (owner) {
                    if (closed) {
                        return;
                    }
                    if (n < 0) {
                        ended = true;
                        owner.notifyAll();
                        return;
                    }
                    if (n > 0) {
                        chunks.addLast(new Chunk(owner.nextArrival(), Arrays.copyOf(buffer, n)));
                        unread += n;
                        owner.notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            synchronized (owner) {
                if (!closed) {
                    failure = e;
                }
                ended = true;
                owner.notifyAll();
            }
        } catch (InterruptedException e) {
            synchronized (owner) {
                ended = true;
                owner.notifyAll();
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
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        synchronized (owner) {
            if (!closed) {
                owner.checkDirectRead();
            }
            if (len == 0) {
                return 0;
            }
            return readLocked(b, off, len);
        }
    }

    private int readLocked(byte[] b, int off, int len) throws IOException {
        try {
            while (unread == 0 && !ended && !closed) {
                owner.wait();
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
            byte[] head = chunks.peekFirst().bytes();
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
        owner.notifyAll(); // room for the pump
        resume();
        return done;
    }

    @Override
    public int available() throws IOException {
        synchronized (owner) {
            if (closed) {
                throw new IOException("Stream closed");
            }
            return (int) Math.min(unread, Integer.MAX_VALUE);
        }
    }

    /** Owner's lock held: a watched stream that was full reads again once there is room. */
    private void resume() {
        if (fd >= 0 && !watching && !ended && !closed && unread < capacity) {
            try {
                watch();
            } catch (RuntimeException e) {
                // epoll refused (out of descriptors): the stream ends here, and says why to its reader
                failure = new IOException("cannot go on reading the sandbox's output: " + e.getMessage(), e);
                ended = true;
                closeDescriptor();
            }
        }
    }

    /** The arrival number of the oldest unread chunk; {@link Long#MAX_VALUE} when none. Owner's lock held. */
    long headArrival() {
        return chunks.isEmpty() ? Long.MAX_VALUE : chunks.peekFirst().arrival();
    }

    /** Removes the oldest unread chunk (what is left of it) and makes room for the pump. Owner's lock held. */
    byte[] takeChunk() {
        Chunk head = chunks.removeFirst();
        byte[] bytes =
                headOffset == 0 ? head.bytes() : Arrays.copyOfRange(head.bytes(), headOffset, head.bytes().length);
        headOffset = 0;
        unread -= bytes.length;
        owner.notifyAll();
        resume();
        return bytes;
    }

    /** End of the pipe reached and everything read, or the stream closed. Owner's lock held. */
    boolean drained() {
        return closed || ended && unread == 0;
    }

    /** Discards what is unread and closes the pipe; the thread ends with it. */
    @Override
    public void close() {
        synchronized (owner) {
            if (closed) {
                return;
            }
            closed = true;
            chunks.clear();
            unread = 0;
            closeDescriptor();
            owner.notifyAll();
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
