package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxSetupException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Lifetime: started on the first launch. {@link ForkServerConnection} holds the connection (start, peer
 * check, sends, the reader thread), {@link ForkedLauncher} each launcher's state; this class matches replies to
 * requests by id and to launchers by pid. When the JVM exits or dies, its end of the socket closes and the
 * server SIGKILLs its live launchers and exits. When the server dies instead, a spawn in progress is retried
 * once on a new server, and launchers it had started are killed through their own control channels (their
 * owner's {@link ForkedLauncher#onLost} hook) and end as killed.
 */
final class ForkServer {
    private static final Logger LOG = LoggerFactory.getLogger(ForkServer.class);
    static final String THREAD_NAME = "sandbox4j-fork-server";
    /** A healthy server answers a spawn in about a millisecond; one that does not in this long is broken. */
    private static final long REPLY_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static ForkServer current; // guarded by ForkServer.class

    private final ForkServerConnection connection;
    private final Process process;
    private final AtomicInteger requestIds = new AtomicInteger();
    private final Map<Integer, ForkedLauncher> pending = new ConcurrentHashMap<>();
    private final Map<Integer, ForkedLauncher> live = new ConcurrentHashMap<>();

    private ForkServer(ForkServerConnection connection) {
        this.connection = connection;
        this.process = connection.process();
    }

    private static ForkServer start(LauncherBinary binary) {
        ForkServerConnection connection = ForkServerConnection.start(binary);
        ForkServer server = new ForkServer(connection);
        connection.startReading(new ForkServerConnection.Listener() {
            @Override
            public void reply(ForkServerConnection.Reply reply) {
                server.dispatch(reply);
            }

            @Override
            public void ended(String why) {
                server.connectionLost(why);
            }
        });
        return server;
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
        return spawn(binary, stdio, control, plan, -1);
    }

    /**
     * As {@link #spawn(LauncherBinary, ForkedStdio, int, byte[])}; {@code hold}, unless -1, is the read end of the
     * pipe a pre-warmed plan's held workload takes the rest of its plan from (the launcher's fd 4): the caller keeps
     * the write end, and closes this end once the call returns.
     */
    static ForkedLauncher spawn(LauncherBinary binary, ForkedStdio stdio, int control, byte[] plan, int hold) {
        int[] fds = hold < 0
                ? new int[] {stdio.child[0], stdio.child[1], stdio.child[2], control}
                : new int[] {stdio.child[0], stdio.child[1], stdio.child[2], control, hold};
        ForkServer server = running(binary);
        try {
            return server.request(fds, plan);
        } catch (Lost first) {
            LOG.debug("the fork server ended ({}); starting a new one", first.getMessage());
            server = replacing(binary, server);
            try {
                return server.request(fds, plan);
            } catch (Lost second) {
                throw new SandboxSetupException(
                        "fork server", 0, "the launcher's fork server ended twice in a row: " + second.getMessage());
            }
        }
    }

    /** The pid of the running server, or -1; for the tests' leak checks. */
    static synchronized long serverPid() {
        return current == null || current.connection.lost() ? -1 : current.process.pid();
    }

    /** The JVM's descriptor of its connection to the running server, or -1; for the tests' leak checks. */
    static synchronized int serverFd() {
        return current == null || current.connection.lost() ? -1 : current.connection.fd();
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
        if (current == null || current.connection.lost()) {
            current = start(binary);
        }
        return current;
    }

    private ForkedLauncher request(int[] fds, byte[] plan) throws Lost {
        int id = requestIds.incrementAndGet();
        ForkedLauncher forked = new ForkedLauncher(this);
        pending.put(id, forked);
        byte[] frame = LaunchPlan.frame(
                Wire.MSG_SPAWN, new LaunchPlan.Out().u32(id).bytes(plan).toByteArray());
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
            throw new SandboxSetupException(
                    "fork launcher",
                    errno,
                    "the fork server could not fork a launcher: " + LibC.libc().strerror(errno));
        }
        if (state == ForkedLauncher.PENDING) {
            // No answer: the server is stuck (stopped?). Kill it, which fails every run it holds, and say so.
            LOG.warn(
                    "the fork server (pid {}) did not answer a spawn within {} s; killing it",
                    process.pid(),
                    TimeUnit.NANOSECONDS.toSeconds(REPLY_LIMIT_NANOS));
            process.destroyForcibly();
            throw new SandboxSetupException("fork launcher", 0, "the fork server did not answer in time");
        }
        return forked;
    }

    void killChild(int pid) {
        try {
            send(
                    LaunchPlan.frame(
                            Wire.MSG_KILL_CHILD, new LaunchPlan.Out().u32(pid).toByteArray()),
                    null);
        } catch (Lost e) {
            // The server is gone; its launchers are ended through their control channels (ForkedLauncher.onLost).
        }
    }

    private void send(byte[] frame, int[] fds) throws Lost {
        connection.send(frame, fds);
    }

    private void dispatch(ForkServerConnection.Reply reply) {
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
        synchronized (ForkServer.class) {
            if (current == this) {
                current = null;
            }
        }
        pending.values().forEach(ForkedLauncher::lost);
        pending.clear();
        if (!live.isEmpty()) {
            LOG.warn(
                    "the launchers' fork server (pid {}) ended with {} sandbox(es) running: {}; killing them",
                    process.pid(),
                    live.size(),
                    why);
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
