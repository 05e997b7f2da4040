package dev.sandbox4j.exec;

import dev.sandbox4j.core.LibC;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * are killed through their own control channels (their owner's {@link Forked#onLost} hook) and end as killed.
 */
final class ForkServer {
    private static final Logger LOG = LoggerFactory.getLogger(ForkServer.class);
    static final String THREAD_NAME = "sandbox4j-fork-server";
    private static final File DEV_NULL = new File("/dev/null");
    private static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** A healthy server answers a spawn in about a millisecond; one that does not in this long is broken. */
    private static final long REPLY_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int REPLY_LENGTH = 14; // u32 length 10, u16 type, u32, u32
    private static final int O_NONBLOCK = 04000; // the same on x86_64 and aarch64
    private static final int O_CREAT = 0100; // the same on x86_64 and aarch64
    private static final int O_TRUNC = 01000; // the same on x86_64 and aarch64

    private static ForkServer current; // guarded by ForkServer.class

    private final Process process;
    private final int fd;
    private final Thread reader;
    private final Object sendLock = new Object();
    private Pointer sendBuffer; // guarded by sendLock; grown for a larger frame
    private final AtomicInteger requestIds = new AtomicInteger();
    private final Map<Integer, Forked> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Forked> live = new ConcurrentHashMap<>();
    private volatile boolean lost;

    private ForkServer(Process process, int fd) {
        this.process = process;
        this.fd = fd;
        // msghdr, iovec, cmsghdr and the frame: laid out once, reused by every send under sendLock.
        this.sendBuffer = Memory.allocateDirect(LibC.runtime(), SEND_BUFFER_SIZE);
        this.reader = new Thread(this::readReplies, THREAD_NAME);
        reader.setDaemon(true);
    }

    /**
     * Asks the JVM's fork server for a launcher with {@code stdio}'s child ends as its standard streams and
     * {@code control} (the launcher's end of a {@link ControlChannel.Pair}) as its control connection; starts the
     * server first if there is none (or it has died). The caller keeps and closes {@code stdio} and
     * {@code control}. Java then sends the plan on the control connection.
     */
    static Forked spawn(LauncherBinary binary, Stdio stdio, int control) {
        return spawn(binary, stdio, control, new byte[0]);
    }

    /**
     * As {@link #spawn(LauncherBinary, Stdio, int)}, with the launch plan (a MSG_PLAN payload) in the request:
     * the launcher starts on it as soon as it has its stdio, instead of after a round trip for the plan, and Java
     * must not send it again.
     */
    static Forked spawn(LauncherBinary binary, Stdio stdio, int control, byte[] plan) {
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

    private Forked request(int[] fds, byte[] plan) throws Lost {
        int id = requestIds.incrementAndGet();
        Forked forked = new Forked(this);
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
        if (state == Forked.SPAWN_FAILED) {
            int errno = forked.spawnErrno();
            throw new SandboxSetupException("fork launcher", errno,
                    "the fork server could not fork a launcher: " + LibC.libc().strerror(errno));
        }
        if (state == Forked.PENDING) {
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
            // The server is gone; its launchers are ended through their control channels (Forked.onLost).
        }
    }

    // struct msghdr (56 bytes on LP64) at 0, struct iovec at 64, cmsghdr with 4 ints at 80, frame at 128.
    private static final int MSGHDR = 0;
    private static final int IOVEC = 64;
    private static final int CMSG = 80;
    private static final int SPAWN_FDS = 4;
    private static final int CMSG_LEN_FDS = 16 + SPAWN_FDS * 4; // CMSG_LEN(16)
    private static final int CMSG_SPACE_FDS = 32;               // CMSG_SPACE(16)
    private static final int FRAME = 128;
    private static final int SEND_BUFFER_SIZE = FRAME + 512;

    /** Sends one frame in one sendmsg (the descriptors, if any, travel with its first byte). */
    private void send(byte[] frame, int[] fds) throws Lost {
        LibC.Functions libc = LibC.libc();
        synchronized (sendLock) {
            if (lost) {
                throw new Lost("the connection to it ended");
            }
            if (FRAME + frame.length > sendBuffer.size()) {
                // Plans with many mounts or a long filter; the buffer stays at the largest size seen.
                sendBuffer = Memory.allocateDirect(LibC.runtime(), FRAME + frame.length);
            }
            Pointer b = sendBuffer;
            long base = b.address();
            b.put(FRAME, frame, 0, frame.length);
            int offset = 0;
            while (offset < frame.length) {
                b.putLong(MSGHDR, 0);             // msg_name
                b.putLong(MSGHDR + 8, 0);         // msg_namelen (+ padding)
                b.putLong(MSGHDR + 16, base + IOVEC); // msg_iov
                b.putLong(MSGHDR + 24, 1);        // msg_iovlen
                b.putLong(IOVEC, base + FRAME + offset);   // iov_base
                b.putLong(IOVEC + 8, frame.length - offset); // iov_len
                if (fds != null && offset == 0) {
                    b.putLong(CMSG, CMSG_LEN_FDS);   // cmsg_len
                    b.putInt(CMSG + 8, LibC.Const.SOL_SOCKET);
                    b.putInt(CMSG + 12, LibC.Const.SCM_RIGHTS);
                    for (int i = 0; i < SPAWN_FDS; i++) {
                        b.putInt(CMSG + 16 + 4L * i, fds[i]);
                    }
                    b.putLong(MSGHDR + 32, base + CMSG);  // msg_control
                    b.putLong(MSGHDR + 40, CMSG_SPACE_FDS); // msg_controllen
                } else {
                    b.putLong(MSGHDR + 32, 0);
                    b.putLong(MSGHDR + 40, 0);
                }
                b.putLong(MSGHDR + 48, 0);        // msg_flags (+ padding)
                long n = libc.sendmsg(fd, b, LibC.Const.MSG_NOSIGNAL);
                if (n < 0) {
                    int err = LibC.errno();
                    if (err == LibC.Const.EINTR) {
                        continue;
                    }
                    throw new Lost("sending to it failed: " + libc.strerror(err));
                }
                offset += (int) n;
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
                Forked f = pending.remove(reply.a());
                if (f != null) {
                    live.put(reply.b(), f); // before any REAPED of it, which the server sends after this
                    f.spawned(reply.b());
                }
            }
            case Wire.MSG_SPAWN_FAILED -> {
                Forked f = pending.remove(reply.a());
                if (f != null) {
                    f.spawnFailed(reply.b());
                }
            }
            case Wire.MSG_REAPED -> {
                Forked f = live.remove(reply.a());
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
        pending.values().forEach(Forked::lost);
        pending.clear();
        if (!live.isEmpty()) {
            LOG.warn("the launchers' fork server (pid {}) ended with {} sandbox(es) running: {}; killing them",
                    process.pid(), live.size(), why);
        }
        live.values().forEach(Forked::lost);
        live.clear();
    }

    /** The connection to the server ended: whatever was asked of it has no answer. */
    static final class Lost extends Exception {
        private static final long serialVersionUID = 1L;

        Lost(String message) {
            super(message, null, false, false);
        }
    }

    /** A launcher the server forked, known by the server's replies. */
    static final class Forked implements LauncherProcess {
        static final int PENDING = 0;
        static final int RUNNING = 1;
        static final int SPAWN_FAILED = 2;
        static final int REAPED = 3;
        static final int LOST = 4;

        private final ForkServer server;
        // guarded by this
        private int state = PENDING;
        private int pid;
        private int status; // errno for SPAWN_FAILED, wait status for REAPED
        private Runnable onLost;
        private OutputStream stdin = OutputStream.nullOutputStream();
        private InputStream stdout = InputStream.nullInputStream();
        private InputStream stderr = InputStream.nullInputStream();

        private Forked(ForkServer server) {
            this.server = server;
        }

        synchronized void streams(Stdio stdio) {
            stdin = stdio.stdin;
            stdout = stdio.stdout;
            stderr = stdio.stderr;
        }

        /**
         * What to do if the server dies while this launcher runs: it is no longer anybody's child the JVM can
         * wait for or kill by pid, so its owner ends it through its control channel. Runs at once if that
         * already happened.
         */
        void onLost(Runnable hook) {
            boolean now;
            synchronized (this) {
                onLost = hook;
                now = state == LOST;
            }
            if (now) {
                hook.run();
            }
        }

        /**
         * Waits for SPAWNED or SPAWN_FAILED and returns the state then (still PENDING after {@code nanos}); an
         * interrupt is kept for later, the answer comes in milliseconds.
         */
        private int awaitSpawn(long nanos) throws Lost {
            boolean interrupted = false;
            long deadline = System.nanoTime() + nanos;
            synchronized (this) {
                while (state == PENDING) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                if (state == LOST && pid == 0) {
                    throw new Lost("it ended before it answered");
                }
                return state;
            }
        }

        private synchronized int spawnErrno() {
            return status;
        }

        private synchronized void spawned(int pid) {
            this.pid = pid;
            state = RUNNING;
            notifyAll();
        }

        private synchronized void spawnFailed(int errno) {
            status = errno;
            state = SPAWN_FAILED;
            notifyAll();
        }

        private synchronized void reaped(int waitStatus) {
            status = waitStatus;
            state = REAPED;
            notifyAll();
        }

        private void lost() {
            Runnable hook;
            synchronized (this) {
                if (state != PENDING && state != RUNNING) {
                    return;
                }
                state = LOST;
                hook = onLost;
                notifyAll();
            }
            if (hook != null) {
                try {
                    hook.run();
                } catch (RuntimeException e) {
                    LOG.warn("ending launcher {} after its fork server died failed: {}", pid, e.toString());
                }
            }
        }

        @Override
        public synchronized long pid() {
            return pid;
        }

        @Override
        public synchronized OutputStream stdin() {
            return stdin;
        }

        @Override
        public synchronized InputStream stdout() {
            return stdout;
        }

        @Override
        public synchronized InputStream stderr() {
            return stderr;
        }

        /** True once reaped, or once the server is gone (then nobody can tell when the launcher ends). */
        @Override
        public boolean waitFor(long nanos) throws InterruptedException {
            long deadline = System.nanoTime() + nanos;
            synchronized (this) {
                while (state == RUNNING || state == PENDING) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            }
        }

        @Override
        public void destroyForcibly() {
            int target;
            synchronized (this) {
                if (state != RUNNING) {
                    return;
                }
                target = pid;
            }
            server.killChild(target); // the server checks that it has not reaped it yet
        }

        @Override
        public synchronized boolean isAlive() {
            return state == RUNNING || state == PENDING;
        }

        @Override
        public synchronized String exitDescription() {
            return switch (state) {
                case REAPED -> (status & 0x7f) == 0 ? "exit status " + ((status >> 8) & 0xff)
                        : "killed by signal " + (status & 0x7f);
                case LOST -> "status unknown: its fork server ended";
                default -> "still running";
            };
        }
    }

    /**
     * The standard streams of one run on the fork-server path: the descriptors handed to the launcher
     * ({@link #child}) and the JVM's ends of any pipes: as ordinary streams for {@link Input#pipe()} and
     * {@link Output#pipe()}, as non-blocking descriptors for a captured output ({@link #takeCaptured}, read by
     * an {@link OutputCollector#polled} collector). Opened by the JVM as the caller, like ProcessBuilder's
     * redirects: {@code /dev/null}, the stdin file, the JVM's own 0/1/2, or a pipe.
     *
     * <p>A pipe's JVM end becomes a stream by opening {@code /proc/self/fd/N} with FileInputStream or
     * FileOutputStream, which re-opens the same pipe as a new open file, and then closing the raw descriptor.
     * The alternative, putting the number into a {@link java.io.FileDescriptor}, needs reflection into
     * java.base. The re-open happens while the other end is still open here, so it never blocks the way an
     * open of a FIFO without a peer would.
     */
    static final class Stdio implements AutoCloseable {
        final int[] child = {-1, -1, -1};
        private final boolean[] owned = new boolean[3]; // false for the JVM's own 0/1/2
        private final int[] captured = {-1, -1, -1}; // the JVM's non-blocking ends of captured outputs
        OutputStream stdin = OutputStream.nullOutputStream();
        InputStream stdout = InputStream.nullInputStream();
        InputStream stderr = InputStream.nullInputStream();
        private boolean handedOver;

        /** Opens everything, or closes what it opened and throws. */
        static Stdio open(Input in, Output out, Output err) {
            Stdio s = new Stdio();
            try {
                switch (in.kind) {
                    case NONE -> s.openFile(0, DEV_NULL.getPath(), LibC.Const.O_RDONLY, null);
                    case FILE -> s.openFile(0, in.file.toString(), LibC.Const.O_RDONLY, "the standard input file ");
                    case INHERIT -> s.child[0] = 0;
                    case BYTES, PIPE -> {
                        int[] p = s.pipe();
                        s.child[0] = p[0];
                        s.owned[0] = true;
                        s.stdin = new FileOutputStream(procFd(p[1]));
                        LibC.libc().close(p[1]);
                    }
                }
                s.stdout = s.openOutput(1, out);
                s.stderr = s.openOutput(2, err);
                return s;
            } catch (IOException e) {
                s.closeAll();
                throw new SandboxException("cannot open the sandbox's standard streams: " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                s.closeAll();
                throw e;
            }
        }

        private InputStream openOutput(int slot, Output output) throws IOException {
            switch (output.kind) {
                case DISCARD -> openFile(slot, DEV_NULL.getPath(), LibC.Const.O_WRONLY, null);
                case FILE -> openFile(slot, output.file.toString(), LibC.Const.O_WRONLY | O_CREAT | O_TRUNC, 0644,
                        slot == 1 ? "the standard output file " : "the standard error file ");
                case INHERIT -> child[slot] = slot;
                case CAPTURE -> {
                    int[] p = pipe();
                    child[slot] = p[1];
                    owned[slot] = true;
                    // A description of its own, so that O_NONBLOCK stays off the workload's end.
                    String path = procFd(p[0]);
                    captured[slot] = LibC.libc().open(path, LibC.Const.O_RDONLY | O_NONBLOCK | LibC.Const.O_CLOEXEC, 0);
                    int err = LibC.errno();
                    LibC.libc().close(p[0]);
                    if (captured[slot] < 0) {
                        throw new IOException("cannot open " + path + ": " + LibC.libc().strerror(err));
                    }
                }
                case PIPE -> {
                    int[] p = pipe();
                    child[slot] = p[1];
                    owned[slot] = true;
                    InputStream stream;
                    try {
                        // Buffered, as Process's streams are: FileInputStream's own readAllBytes and skip seek,
                        // which a pipe refuses (ESPIPE).
                        stream = new BufferedInputStream(new FileInputStream(procFd(p[0])));
                    } finally {
                        LibC.libc().close(p[0]);
                    }
                    return stream;
                }
            }
            return InputStream.nullInputStream();
        }

        private static String procFd(int fd) {
            return "/proc/self/fd/" + fd;
        }

        private int[] pipe() {
            int[] p = new int[2];
            if (LibC.libc().pipe2(p, LibC.Const.O_CLOEXEC) != 0) {
                throw new SandboxException("cannot create a pipe for the sandbox's standard streams: "
                        + LibC.libc().strerror(LibC.errno()));
            }
            return p;
        }

        private void openFile(int slot, String path, int flags, String what) {
            openFile(slot, path, flags, 0, what);
        }

        private void openFile(int slot, String path, int flags, int mode, String what) {
            int fd = LibC.libc().open(path, flags | LibC.Const.O_CLOEXEC, mode);
            if (fd < 0) {
                String reason = LibC.libc().strerror(LibC.errno());
                throw new SandboxException(what != null ? "cannot open " + what + path + ": " + reason
                        : "cannot open " + path + ": " + reason);
            }
            child[slot] = fd;
            owned[slot] = true;
        }

        /** The JVM's non-blocking end of a captured output (1 or 2), now the caller's to close; -1 if none. */
        int takeCaptured(int slot) {
            int fd = captured[slot];
            captured[slot] = -1;
            return fd;
        }

        /** Closes the launcher's ends, once the server has its copies (or will never get them). */
        void closeChildEnds() {
            if (handedOver) {
                return;
            }
            handedOver = true;
            for (int i = 0; i < 3; i++) {
                if (owned[i] && child[i] >= 0) {
                    LibC.libc().close(child[i]);
                }
                child[i] = -1;
            }
        }

        /** A failed start: the JVM's ends too. */
        void closeAll() {
            closeChildEnds();
            for (int slot = 1; slot < 3; slot++) {
                int fd = takeCaptured(slot);
                if (fd >= 0) {
                    LibC.libc().close(fd);
                }
            }
            for (java.io.Closeable c : new java.io.Closeable[] {stdin, stdout, stderr}) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing our own end of a pipe does not fail in a way we could act on
                }
            }
        }

        @Override
        public void close() {
            closeChildEnds();
        }
    }
}
