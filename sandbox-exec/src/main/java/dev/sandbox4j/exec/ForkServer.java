package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM's one fork server: a launcher started once ({@code --serve}) and asked over a Unix socket for a
 * fresh launcher per sandbox, which it forks. A fork of that small static process costs far less than the
 * JVM's own spawn path, which Java 17 takes through jspawnhelper and an extra exec on every run.
 *
 * <p>Protocol (see {@link Wire}): SPAWN {id, plan} with the workload's stdin, stdout and stderr and the
 * launcher's end of its control connection ({@link ControlChannel.Pair}) as SCM_RIGHTS, answered by SPAWNED
 * {id, pid} or SPAWN_FAILED {id, errno}; REAPED {pid, wait status} when a launcher has ended; KILL_CHILD {pid},
 * which the server honours only for a live child it has not reaped yet (so never for a recycled pid). The
 * forked launcher then behaves exactly as one started by ProcessBuilder. The server takes its own connection
 * only from this JVM, its parent (SO_PEERCRED).
 *
 * <p>Lifetime: started lazily on the first launch, connected through a jnr-ffi socket (a
 * {@link java.nio.channels.SocketChannel} cannot send descriptors). One daemon thread, {@value #THREAD_NAME},
 * reads the replies and dispatches them by request id and by pid; sends are serialised by a lock. When the
 * JVM exits or dies, its end of the socket closes and the server SIGKILLs its live launchers and exits. When
 * the server dies instead, a spawn in progress is retried once on a new server, and launchers it had started
 * are killed through their own control channels (their owner's {@link ForkedLauncher#onLost} hook) and end as killed.
 */
final class ForkServer {
    private static final Logger LOG = LoggerFactory.getLogger(ForkServer.class);
    static final String THREAD_NAME = "sandbox4j-fork-server";
    private static final File DEV_NULL = new File("/dev/null");
    private static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** A healthy server answers a spawn in about a millisecond; one that does not in this long is broken. */
    private static final long REPLY_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int REPLY_LENGTH = 14; // u32 length 10, u16 type, u32, u32

    private static ForkServer current; // guarded by ForkServer.class

    private final Process process;
    private final int fd;
    private final Thread reader;
    private final Object sendLock = new Object();
    private final DescriptorSender sender; // guarded by sendLock
    private final AtomicInteger requestIds = new AtomicInteger();
    private final Map<Integer, ForkedLauncher> pending = new ConcurrentHashMap<>();
    private final Map<Integer, ForkedLauncher> live = new ConcurrentHashMap<>();
    private volatile boolean lost;

    private ForkServer(Process process, int fd) {
        this.process = process;
        this.fd = fd;
        this.sender = new DescriptorSender(fd);
        this.reader = new Thread(this::readReplies, THREAD_NAME);
        reader.setDaemon(true);
    }

    /**
     * Asks the JVM's fork server for a launcher with {@code stdio}'s child ends as its standard streams and
     * {@code control} (the launcher's end of a {@link ControlChannel.Pair}) as its control connection; starts the
     * server first if there is none (or it has died). The caller keeps and closes {@code stdio} and
     * {@code control}. Java then sends the plan on the control connection.
     */
    static ForkedLauncher spawn(LauncherBinary binary, ForkedStdio stdio, int control) {
        return spawn(binary, stdio, control, new byte[0]);
    }

    /**
     * As {@link #spawn(LauncherBinary, ForkedStdio, int)}, with the launch plan (a MSG_PLAN payload) in the request:
     * the launcher starts on it as soon as it has its stdio, instead of after a round trip for the plan, and Java
     * must not send it again.
     */
    static ForkedLauncher spawn(LauncherBinary binary, ForkedStdio stdio, int control, byte[] plan) {
        int[] fds = {stdio.child[0], stdio.child[1], stdio.child[2], control};
        ForkServer server = running(binary);
        try {
            return server.request(fds, plan);
        } catch (Lost first) {
            LOG.debug("the fork server ended ({}); starting a new one", first.getMessage());
            server = replacing(binary, server);
            try {
                return server.request(fds, plan);
            } catch (Lost second) {
                throw new SandboxSetupException("fork server", 0,
                        "the launcher's fork server ended twice in a row: " + second.getMessage());
            }
        }
    }

    /** The pid of the running server, or -1; for the tests' leak checks. */
    static synchronized long serverPid() {
        return current == null || current.lost ? -1 : current.process.pid();
    }

    /** The JVM's descriptor of its connection to the running server, or -1; for the tests' leak checks. */
    static synchronized int serverFd() {
        return current == null || current.lost ? -1 : current.fd;
    }

    /** Starts the server now if none runs; for the tests, whose leak baseline must include it. */
    static void ensureRunning() {
        running(LauncherBinary.get());
    }

    /**
     * A live server in place of {@code failed}, whose send just failed: its reader thread may not have seen the end
     * of the connection yet, and a retry on it would fail the same way.
     */
    private static synchronized ForkServer replacing(LauncherBinary binary, ForkServer failed) {
        if (current == failed) {
            current = null; // its reader thread still cleans up after it
        }
        return running(binary);
    }

    private static synchronized ForkServer running(LauncherBinary binary) {
        if (current == null || current.lost) {
            current = start(binary);
        }
        return current;
    }

    private static ForkServer start(LauncherBinary binary) {
        binary.checkUnchanged(); // the server's children are forks of the image it starts with
        Path socket = binary.newSocketPath("fs-");
        ProcessBuilder pb = new ProcessBuilder(List.of(binary.path().toString(), "--serve", socket.toString()))
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new SandboxException("cannot start the launcher " + binary.path() + ": " + e.getMessage(), e);
        }
        int fd = -1;
        try {
            fd = connect(socket, process);
            ForkServer server = new ForkServer(process, fd);
            server.reader.start();
            return server;
        } catch (RuntimeException | Error e) {
            if (fd >= 0) {
                LibC.libc().close(fd);
            }
            process.destroyForcibly();
            throw e;
        } finally {
            try {
                Files.deleteIfExists(socket); // the server unlinks it once we are in; this covers its failures
            } catch (IOException ignored) {
                // a leftover name in the private run directory is harmless and never reused
            }
        }
    }

    /** Connects to the server's socket as soon as it listens: a few hundred microseconds after its start. */
    private static int connect(Path socket, Process server) {
        LibC.Functions libc = LibC.libc();
        UnixAddress address = UnixAddress.of(socket, "the fork server's socket");
        int fd = libc.socket(LibC.Const.AF_UNIX, LibC.Const.SOCK_STREAM | LibC.Const.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new SandboxException("cannot create a socket for the fork server: " + libc.strerror(LibC.errno()));
        }
        long deadline = System.nanoTime() + START_LIMIT_NANOS;
        while (true) {
            if (libc.connect(fd, address.pointer(), address.length()) == 0) {
                // Whoever listens at that name must be the server we started: a process that replaced the name
                // in the run directory would otherwise get every plan and descriptor this JVM sends.
                int peer = ControlChannel.peerPid(libc, fd);
                if (peer == server.pid()) {
                    return fd;
                }
                libc.close(fd);
                throw new SandboxSetupException("start fork server", 0, "the socket " + socket
                        + " is held by process " + peer + ", not by the fork server (pid " + server.pid() + ")");
            }
            int err = LibC.errno();
            String failure = null;
            if (err != LibC.Const.ENOENT && err != LibC.Const.ECONNREFUSED && err != LibC.Const.EINTR
                    && err != LibC.Const.EAGAIN) {
                failure = "cannot connect to the fork server at " + socket + ": " + libc.strerror(err);
            } else if (!server.isAlive()) {
                failure = "the fork server exited with status " + server.exitValue() + " before it listened";
            } else if (System.nanoTime() - deadline > 0) {
                failure = "the fork server did not listen within " + TimeUnit.NANOSECONDS.toSeconds(START_LIMIT_NANOS) + " s";
            }
            if (failure != null) {
                libc.close(fd);
                throw new SandboxSetupException("start fork server", err, failure);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private ForkedLauncher request(int[] fds, byte[] plan) throws Lost {
        int id = requestIds.incrementAndGet();
        ForkedLauncher forked = new ForkedLauncher(this);
        pending.put(id, forked);
        byte[] frame = LaunchPlan.frame(Wire.MSG_SPAWN, new LaunchPlan.Out().u32(id).bytes(plan).toByteArray());
        int state;
        try {
            send(frame, fds);
            state = forked.awaitSpawn(REPLY_LIMIT_NANOS);
        } catch (Lost e) {
            pending.remove(id);
            throw e;
        }
        if (state == ForkedLauncher.SPAWN_FAILED) {
            int errno = forked.spawnErrno();
            throw new SandboxSetupException("fork launcher", errno,
                    "the fork server could not fork a launcher: " + LibC.libc().strerror(errno));
        }
        if (state == ForkedLauncher.PENDING) {
            // No answer: the server is stuck (stopped?). Kill it, which fails every run it holds, and say so.
            LOG.warn("the fork server (pid {}) did not answer a spawn within {} s; killing it", process.pid(),
                    TimeUnit.NANOSECONDS.toSeconds(REPLY_LIMIT_NANOS));
            process.destroyForcibly();
            throw new SandboxSetupException("fork launcher", 0, "the fork server did not answer in time");
        }
        return forked;
    }

    void killChild(int pid) {
        try {
            send(LaunchPlan.frame(Wire.MSG_KILL_CHILD, new LaunchPlan.Out().u32(pid).toByteArray()), null);
        } catch (Lost e) {
            // The server is gone; its launchers are ended through their control channels (ForkedLauncher.onLost).
        }
    }

    /** Sends one frame (the descriptors, if any, travel with its first byte). */
    private void send(byte[] frame, int[] fds) throws Lost {
        synchronized (sendLock) {
            if (lost) {
                throw new Lost("the connection to it ended");
            }
            try {
                sender.send(frame, fds);
            } catch (IOException e) {
                throw new Lost("sending to it failed: " + e.getMessage());
            }
        }
    }

    /** The reader thread: replies in, dispatched, until the connection ends. */
    private void readReplies() {
        LibC.Functions libc = LibC.libc();
        byte[] chunk = new byte[REPLY_LENGTH * 32];
        ByteBuffer in = ByteBuffer.allocate(chunk.length + REPLY_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        String why = "it closed the connection";
        try {
            while (true) {
                long n = libc.read(fd, chunk, chunk.length - in.position());
                if (n < 0) {
                    int err = LibC.errno();
                    if (err == LibC.Const.EINTR) {
                        continue;
                    }
                    why = "reading from it failed: " + libc.strerror(err);
                    break;
                }
                if (n == 0) {
                    break;
                }
                in.put(chunk, 0, (int) n);
                in.flip();
                while (in.remaining() >= REPLY_LENGTH) {
                    Reply reply = Reply.decode(in);
                    dispatch(reply);
                }
                in.compact();
            }
        } catch (RuntimeException | Error e) {
            why = "its reply could not be handled: " + e;
            LOG.error("fork server: {}", why, e);
        } finally {
            connectionLost(why);
        }
    }

    /** One reply of the server; all of them are u32 length 10, u16 type, u32 a, u32 b. */
    record Reply(int type, int a, int b) {
        static Reply decode(ByteBuffer in) {
            int length = in.getInt();
            int type = Short.toUnsignedInt(in.getShort());
            if (length != REPLY_LENGTH - 4) {
                throw new LauncherEvent.ProtocolException("fork server reply of length " + length);
            }
            return new Reply(type, in.getInt(), in.getInt());
        }
    }

    private void dispatch(Reply reply) {
        switch (reply.type()) {
            case Wire.MSG_SPAWNED -> {
                ForkedLauncher f = pending.remove(reply.a());
                if (f != null) {
                    live.put(reply.b(), f); // before any REAPED of it, which the server sends after this
                    f.spawned(reply.b());
                }
            }
            case Wire.MSG_SPAWN_FAILED -> {
                ForkedLauncher f = pending.remove(reply.a());
                if (f != null) {
                    f.spawnFailed(reply.b());
                }
            }
            case Wire.MSG_REAPED -> {
                ForkedLauncher f = live.remove(reply.a());
                if (f != null) {
                    f.reaped(reply.b());
                }
            }
            default -> throw new LauncherEvent.ProtocolException("unknown fork server message type " + reply.type());
        }
    }

    private void connectionLost(String why) {
        synchronized (sendLock) {
            lost = true;
            LibC.libc().close(fd); // no send can use the number any more: they check lost under this lock
        }
        // If the connection broke on our side, the server sees EOF and kills its children itself.
        process.destroyForcibly();
        synchronized (ForkServer.class) {
            if (current == this) {
                current = null;
            }
        }
        pending.values().forEach(ForkedLauncher::lost);
        pending.clear();
        if (!live.isEmpty()) {
            LOG.warn("the launchers' fork server (pid {}) ended with {} sandbox(es) running: {}; killing them",
                    process.pid(), live.size(), why);
        }
        live.values().forEach(ForkedLauncher::lost);
        live.clear();
    }

    /** The connection to the server ended: whatever was asked of it has no answer. */
    static final class Lost extends Exception {
        private static final long serialVersionUID = 1L;

        Lost(String message) {
            super(message, null, false, false);
        }
    }

}
