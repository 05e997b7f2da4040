package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The launcher's control connection: a Unix stream socket, not the workload's stdio. Nobody but the launcher
 * may ever be at its other end: the plan carries the workload's environment (secrets included), and whoever
 * answers on it decides the run's result. So a launcher never connects to a name another process could find
 * and connect to first:
 * <ul>
 *   <li>from the fork server ({@link Pair}), the launcher gets its end of a connected pair with the spawn
 *       request, passed as a descriptor: there is no name at all for it;</li>
 *   <li>started by ProcessBuilder ({@link #connect}), which cannot hand a child a descriptor, the launcher
 *       listens on a fresh name in the user's private run directory and accepts only the connection whose
 *       peer is its parent, this JVM (SO_PEERCRED pid and uid), then unlinks the name.</li>
 * </ul>
 * The run directory is also kept out of every sandbox's view (see {@link Planner}). Non-blocking with a
 * selector, so every wait has a deadline and can be interrupted; the selector (two descriptors) is opened for
 * the first wait and let go while the {@link RunLoop} watches the connection instead.
 */
final class ControlChannel implements Closeable {

    private final SocketChannel channel;
    private Selector selector; // opened for a blocking wait; null while none is needed
    private ByteBuffer in = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    private boolean eof;

    private ControlChannel(SocketChannel channel) {
        this.channel = channel;
    }

    /** Takes charge of {@code channel}: it is closed here if it cannot be set up, as a constructor could not. */
    private static ControlChannel of(SocketChannel channel) throws IOException {
        try {
            channel.configureBlocking(false);
            return new ControlChannel(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The selector for a blocking wait, opened on first use. */
    private Selector selector() {
        if (selector == null) {
            Selector s = null;
            try {
                s = Selector.open();
                channel.register(s, SelectionKey.OP_READ);
            } catch (IOException e) {
                if (s != null) {
                    closeQuietly(s);
                }
                throw new SandboxException("cannot wait for the launcher's reports: " + e.getMessage(), e);
            }
            selector = s;
        }
        return selector;
    }

    /**
     * Closes the selector of blocking waits (its descriptors), while another selector watches the connection; the
     * next blocking wait opens a new one. Called by the one thread that drives the run.
     */
    void releaseSelector() {
        if (selector != null) {
            closeQuietly(selector);
            selector = null;
        }
    }

    /**
     * Connects to a launcher started with {@code --accept socket}, as soon as it listens (a few milliseconds
     * after its start), while it lives and until the deadline. The launcher takes only this JVM's connection.
     */
    static ControlChannel connect(Path socket, LauncherProcess launcher, long deadlineNanos)
            throws InterruptedException {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
        while (true) {
            SocketChannel c = null;
            String failure;
            try {
                c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(address);
                return of(c);
            } catch (IOException e) {
                closeQuietly(c); // not listening yet (no such file, refused): try again shortly
                failure = e.getMessage();
            }
            if (!launcher.isAlive()) {
                throw new SandboxSetupException(
                        "start launcher",
                        0,
                        "the launcher ended before it listened (" + launcher.exitDescription() + ")");
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw new SandboxSetupException(
                        "start launcher", 0, "the launcher did not listen in time at " + socket + " (" + failure + ")");
            }
            LockSupport.parkNanos(100_000);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /**
     * A connected pair: this JVM's {@link #channel()} and the launcher's end as a raw descriptor
     * ({@link #launcherEnd()}), to be handed to the fork server with the spawn request. Java has no socketpair
     * for a channel, so the pair is made through a listener that lives for the few microseconds of this call:
     * bound under a fresh name in the private run directory, connected to by this JVM, unlinked, and then
     * only the connection whose peer is this very process (SO_PEERCRED) is taken; any other is hung up on.
     */
    static final class Pair implements Closeable {

        private final ControlChannel channel;
        private int launcherEnd;

        private Pair(ControlChannel channel, int launcherEnd) {
            this.channel = channel;
            this.launcherEnd = launcherEnd;
        }

        static Pair open(LauncherBinary launcher) {
            return open(launcher, socket -> {});
        }

        /**
         * As {@link #open(LauncherBinary)}; {@code listening} runs once the name is bound and listened on, before
         * this JVM connects: where the tests put a stranger who got there first.
         */
        static Pair open(LauncherBinary launcher, Consumer<Path> listening) {
            LibC.Functions libc = LibC.libc();
            Path socket = launcher.newSocketPath("p-");
            UnixAddress address = UnixAddress.of(socket, "the control socket");
            int listener = libc.socket(
                    LibC.Const.AF_UNIX, LibC.Const.SOCK_STREAM | LibC.Const.SOCK_CLOEXEC | LibC.Const.SOCK_NONBLOCK, 0);
            if (listener < 0) {
                throw new SandboxException("cannot create a control socket: " + libc.strerror(LibC.errno()));
            }
            SocketChannel ours = null;
            int theirs = -1;
            try {
                try {
                    if (libc.bind(listener, address.pointer(), address.length()) != 0
                            || libc.listen(listener, 8) != 0) {
                        throw new SandboxException(
                                "cannot listen on the control socket " + socket + ": " + libc.strerror(LibC.errno()));
                    }
                    listening.accept(socket);
                    ours = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ours.configureBlocking(false); // never wait: the connection is queued at once, or this fails
                    if (!ours.connect(UnixDomainSocketAddress.of(socket))) {
                        throw new IOException("the connection did not complete at once");
                    }
                } finally {
                    Files.deleteIfExists(socket); // from here on, nobody new can connect
                }
                theirs = acceptOwn(libc, listener, socket);
                Pair pair = new Pair(of(ours), theirs);
                ours = null;
                theirs = -1;
                return pair;
            } catch (IOException e) {
                throw new SandboxException(
                        "cannot set up the control connection through " + socket + ": " + e.getMessage(), e);
            } finally {
                libc.close(listener);
                closeQuietly(ours);
                if (theirs >= 0) {
                    libc.close(theirs);
                }
            }
        }

        /** The queued connection made by this process; connections of any other process are closed. */
        private static int acceptOwn(LibC.Functions libc, int listener, Path socket) {
            Pointer cred = Memory.allocateDirect(LibC.runtime(), UCRED_SIZE + 4);
            int self = libc.getpid();
            while (true) {
                int fd = libc.accept4(listener, null, null, LibC.Const.SOCK_CLOEXEC);
                if (fd < 0) {
                    int err = LibC.errno();
                    if (err == LibC.Const.EINTR) {
                        continue;
                    }
                    throw new SandboxException(
                            "cannot accept on the control socket " + socket + ": " + libc.strerror(err));
                }
                if (peerPid(libc, fd, cred) == self) {
                    return fd;
                }
                libc.close(fd);
            }
        }

        /** This JVM's end; the caller owns it from here (closing the pair does not close it). */
        ControlChannel channel() {
            return channel;
        }

        /** The launcher's end, for the spawn request; closed with the pair (the fork server has its copy by then). */
        int launcherEnd() {
            return launcherEnd;
        }

        @Override
        public void close() {
            if (launcherEnd >= 0) {
                LibC.libc().close(launcherEnd);
                launcherEnd = -1;
            }
        }
    }

    /** The socket, non-blocking, for a selector that watches many connections. */
    SocketChannel selectable() {
        return channel;
    }

    /** Writes one whole frame; frames are small, so a full socket buffer is only waited out briefly. */
    synchronized void send(byte[] frame) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(frame);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the launcher does not read its control socket");
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * The next event, {@link LauncherEvent.Closed} at end of stream, or {@code null} when nothing arrived
     * within {@code timeoutMillis}.
     */
    LauncherEvent next(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            while (true) {
                LauncherEvent event = parse();
                if (event != null) {
                    return event;
                }
                if (eof) {
                    return new LauncherEvent.Closed();
                }
                if (!in.hasRemaining()) {
                    in = ByteBuffer.allocate(in.capacity() * 2)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .put(in.flip());
                }
                int n = channel.read(in);
                if (n < 0) {
                    eof = true;
                } else if (n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    Selector s = selector();
                    s.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    s.selectedKeys().clear();
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
        } catch (IOException e) {
            eof = true; // a reset connection means the launcher is gone, as EOF does
            return new LauncherEvent.Closed();
        }
    }

    private LauncherEvent parse() {
        if (in.position() < 4) {
            return null;
        }
        int length = in.getInt(0);
        if (length < 2 || length > Wire.MAX_FRAME) {
            throw new LauncherEvent.ProtocolException("bad frame length " + length + " from the launcher");
        }
        if (in.position() < 4 + length) {
            return null;
        }
        int type = Short.toUnsignedInt(in.getShort(4));
        byte[] payload = new byte[length - 2];
        in.flip();
        in.position(6);
        in.get(payload);
        in.compact();
        return LauncherEvent.decode(type, payload);
    }

    @Override
    public void close() {
        releaseSelector();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static final int UCRED_SIZE = 12; // pid, uid, gid: three 32-bit values

    /** The pid of the process at the other end of the connected Unix socket {@code fd} (SO_PEERCRED), or -1. */
    static int peerPid(LibC.Functions libc, int fd) {
        return peerPid(libc, fd, Memory.allocateDirect(LibC.runtime(), UCRED_SIZE + 4));
    }

    private static int peerPid(LibC.Functions libc, int fd, Pointer cred) {
        cred.putInt(UCRED_SIZE, UCRED_SIZE);
        return libc.getsockopt(fd, LibC.Const.SOL_SOCKET, LibC.Const.SO_PEERCRED, cred, cred.slice(UCRED_SIZE)) == 0
                ? cred.getInt(0)
                : -1;
    }
}
