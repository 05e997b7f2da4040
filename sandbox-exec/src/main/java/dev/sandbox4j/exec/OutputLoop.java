package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.util.HashMap;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that reads the captured output pipes of every running sandbox of the JVM, through epoll: a run
 * that goes on costs a registration here instead of a reader thread per pipe. The thread and its epoll
 * descriptor exist only while there are pipes to watch (and {@value OnDemandThreads#LINGER_MILLIS} ms after the last, so that
 * runs one after another do not start a thread each): an idle JVM holds neither.
 *
 * <p>Level-triggered, and every reader drains a non-blocking descriptor until it is empty, so a late or
 * spurious wake-up (a descriptor number reused by the next run) costs one read that finds nothing.
 */
final class OutputLoop {
    private static final Logger LOG = LoggerFactory.getLogger(OutputLoop.class);
    static final String THREAD_NAME = "sandbox4j-output";
    private static final int MAX_EVENTS = 256;
    /** {@code struct epoll_event} is packed on x86_64 (12 bytes), naturally aligned elsewhere (16). */
    private static final boolean PACKED = System.getProperty("os.arch", "").matches("amd64|x86_64");

    private static final int EVENT_SIZE = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;

    private static final OutputLoop INSTANCE = new OutputLoop();

    /** What the loop calls for a ready descriptor, with the loop's own read buffer. */
    interface Reader {
        void readable(byte[] buffer);
    }

    private final Map<Integer, Reader> readers = new HashMap<>(); // guarded by this
    private int epfd = -1; // guarded by this; -1 while no thread runs

    private OutputLoop() {}

    static OutputLoop get() {
        return INSTANCE;
    }

    /**
     * Calls {@code onReadable} on the loop's thread whenever the non-blocking descriptor {@code fd} has data or
     * its writers are gone, until {@link #unwatch}; the reader must not block.
     *
     * @throws SandboxException when epoll refuses (out of descriptors, say)
     */
    synchronized void watch(int fd, Reader onReadable) {
        LibC.Functions libc = LibC.libc();
        if (epfd < 0) {
            int ep = libc.epoll_create1(LibC.Const.EPOLL_CLOEXEC);
            if (ep < 0) {
                throw new SandboxException("cannot create an epoll descriptor: " + libc.strerror(LibC.errno()));
            }
            OnDemandThreads.start(THREAD_NAME, () -> run(ep));
            epfd = ep;
        }
        Pointer event = Memory.allocateDirect(LibC.runtime(), EVENT_SIZE);
        event.putInt(0, LibC.Const.EPOLLIN);
        event.putInt(DATA_OFFSET, fd);
        if (libc.epoll_ctl(epfd, LibC.Const.EPOLL_CTL_ADD, fd, event) != 0) {
            throw new SandboxException("cannot watch an output pipe: " + libc.strerror(LibC.errno()));
        }
        readers.put(fd, onReadable);
    }

    /** Stops watching {@code fd}; call before closing it. */
    synchronized void unwatch(int fd) {
        if (readers.remove(fd) != null) {
            LibC.libc().epoll_ctl(epfd, LibC.Const.EPOLL_CTL_DEL, fd, null);
        }
    }

    /** Whether the loop's thread runs now; for tests. */
    synchronized boolean running() {
        return epfd >= 0;
    }

    private void run(int ep) {
        LibC.Functions libc = LibC.libc();
        Pointer events = Memory.allocateDirect(LibC.runtime(), EVENT_SIZE * MAX_EVENTS);
        byte[] buffer = new byte[16384];
        while (true) {
            int n = libc.epoll_wait(ep, events, MAX_EVENTS, OnDemandThreads.LINGER_MILLIS);
            if (n < 0) {
                int err = LibC.errno();
                if (err != LibC.Const.EINTR) {
                    LOG.error("epoll_wait over the output pipes failed: {}", libc.strerror(err));
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                }
                continue;
            }
            if (n == 0) {
                synchronized (this) {
                    if (readers.isEmpty()) {
                        libc.close(ep);
                        epfd = -1;
                        return;
                    }
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int fd = events.getInt((long) i * EVENT_SIZE + DATA_OFFSET);
                Reader reader;
                synchronized (this) {
                    reader = readers.get(fd);
                }
                if (reader != null) {
                    try {
                        reader.readable(buffer);
                    } catch (RuntimeException | Error e) {
                        LOG.error("reading a sandbox's output pipe failed", e);
                    }
                }
            }
        }
    }
}
