package dev.sandbox4j.exec;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A launcher the server forked, known by the server's replies. */
final class ForkedLauncher implements LauncherProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ForkedLauncher.class);

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

    ForkedLauncher(ForkServer server) {
        this.server = server;
    }

    synchronized void streams(ForkedStdio stdio) {
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
    int awaitSpawn(long nanos) throws ForkServer.Lost {
        UninterruptibleWait.until(this, () -> state != PENDING, nanos);
        synchronized (this) {
            if (state == LOST && pid == 0) {
                throw new ForkServer.Lost("it ended before it answered");
            }
            return state;
        }
    }

    synchronized int spawnErrno() {
        return status;
    }

    synchronized void spawned(int pid) {
        this.pid = pid;
        state = RUNNING;
        notifyAll();
    }

    synchronized void spawnFailed(int errno) {
        status = errno;
        state = SPAWN_FAILED;
        notifyAll();
    }

    synchronized void reaped(int waitStatus) {
        status = waitStatus;
        state = REAPED;
        notifyAll();
    }

    void lost() {
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
            case REAPED ->
                (status & 0x7f) == 0 ? "exit status " + ((status >> 8) & 0xff) : "killed by signal " + (status & 0x7f);
            case LOST -> "status unknown: its fork server ended";
            default -> "still running";
        };
    }
}
