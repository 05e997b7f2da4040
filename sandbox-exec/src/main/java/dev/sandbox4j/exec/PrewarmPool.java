package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.Mount;
import dev.sandbox4j.namespace.Namespace;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes of one {@link Sandbox} made ahead of the request ({@link Sandbox#prewarm(int)}): launcher, namespaces,
 * id maps, cgroup with its limits, mounts, credentials and PID 1 exist, and the workload waits before its chdir
 * ({@link Wire#F_PREWARMED}). A run takes one and sends only its program, argv, env and cwd; a sandbox serves one run
 * and is never reused, and a fresh one is made in its place once that run has ended: made while the run execs, it
 * would take the CPU the run is waiting for. Several are made at once when runs outpace one maker (up to
 * {@link #maxRefills}), by the JVM's few refill threads ({@link #REFILLS}), shared by every pool and gone when idle:
 * a pool holds no thread of its own. Closing the pool kills the held ones; a JVM that dies closes their control
 * connections, on which their launchers kill them.
 */
final class PrewarmPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrewarmPool.class);
    /** Each held sandbox is three processes (launcher, init, workload) and a cgroup: a bound a user cannot raise. */
    static final int MAX_SIZE = 64;

    /** How many sandboxes the JVM makes at once for all its pools: more would only queue for the CPUs. */
    static final int MAX_CONCURRENT_REFILLS =
            Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
    /** How long an idle refill thread waits for more work before it ends. */
    private static final long REFILL_LINGER_MILLIS = 100;

    /**
     * The JVM's refill threads, shared by every pool: {@link #MAX_CONCURRENT_REFILLS} at most, none while nothing
     * is being made. Scheduled, for the pause after a failed attempt.
     */
    static final ScheduledThreadPoolExecutor REFILLS = refills();

    private final SandboxConfig config;
    private final Sandbox sandbox;
    private final int size;
    private final int maxRefills;
    private final ArrayDeque<Execution> ready = new ArrayDeque<>();
    private boolean closed; // guarded by this
    private int failures; // consecutive, guarded by this
    private int inUse; // taken, their runs not ended yet; guarded by this
    private int
            refilling; // submitted to REFILLS and not finished (a retry waiting its pause included); guarded by this
    private ScheduledFuture<?> retry; // the retry after a failure, while it waits; guarded by this

    private PrewarmPool(Sandbox sandbox, int size) {
        this.config = sandbox.config();
        this.sandbox = sandbox;
        this.size = size;
        this.maxRefills = Math.min(size, MAX_CONCURRENT_REFILLS);
    }

    private static ScheduledThreadPoolExecutor refills() {
        AtomicInteger number = new AtomicInteger();
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(MAX_CONCURRENT_REFILLS, r -> {
            Thread t = new Thread(r, "sandbox4j-prewarm-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        e.setKeepAliveTime(REFILL_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        e.allowCoreThreadTimeOut(true);
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /**
     * @throws InvalidConfigException when {@code size} is out of range or the configuration cannot be made ahead
     *         of its runs (see {@link #refusal(SandboxConfig)})
     */
    static PrewarmPool start(Sandbox sandbox, int size) {
        SandboxConfig config = sandbox.config();
        if (size < 1 || size > MAX_SIZE) {
            throw new InvalidConfigException("prewarm(" + size + "): the number of pre-warmed sandboxes must be 1 to "
                    + MAX_SIZE + " (each is three processes and a cgroup held until a run takes it)");
        }
        String refused = refusal(config);
        if (refused != null) {
            throw new InvalidConfigException(
                    "prewarm(" + size + ") is refused for sandbox " + config.id() + ": " + refused);
        }
        PrewarmPool pool = new PrewarmPool(sandbox, size);
        synchronized (pool) {
            pool.fill();
        }
        return pool;
    }

    /** Why this configuration's sandboxes cannot be made before their run, or null. */
    static String refusal(SandboxConfig config) {
        if (!config.namespaces().contains(Namespace.PID)) {
            return "without a PID namespace of its own a held sandbox is visible to the runs before it, which run "
                    + "with the same host ids and could signal it; keep the PID namespace, or run without prewarm";
        }
        if (config.network().mode() == Network.Mode.USER) {
            return "a user-mode network is attached to each run's namespaces while the launcher holds its init, "
                    + "which a sandbox made ahead of its run has passed; use Network.none(), or run without prewarm";
        }
        if (config.stdin().kind == Input.Kind.FILE
                || config.stdout().kind == Output.Kind.FILE
                || config.stderr().kind == Output.Kind.FILE) {
            return "Input.file/Output.file are opened for each run, and a pre-warmed sandbox would open them before "
                    + "the run before it has ended; use capture, discard or inherit, or run without prewarm";
        }
        if (config.stdin().kind == Input.Kind.PIPE || config.stdin().kind == Input.Kind.INHERIT) {
            return "stdin " + config.stdin().kind + " is bound when the sandbox is made, not when a run takes it; "
                    + "give stdin per run as bytes (which runs cold) or use Input.none()";
        }
        if (config.filesystem().isPresent()) {
            for (Mount m : config.filesystem().get().mounts()) {
                if (m instanceof Mount.Overlay o && o.upper() != null) {
                    return "the kept overlay at " + o.destination() + " (upper " + o.upper()
                            + ") may be mounted by one "
                            + "sandbox at a time, and a pre-warmed one would mount it while the run before still "
                            + "writes; use an overlay without an upper directory, or run without prewarm";
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code Sandbox.start} gets the streams a pre-warmed sandbox was made with (those of {@code run()}): yes
     * unless the configuration pipes one, which {@code start} keeps and {@code run} turns into capture.
     */
    static boolean streamsAsMade(SandboxConfig config) {
        return config.stdin().kind != Input.Kind.PIPE
                && config.stdout().kind != Output.Kind.PIPE
                && config.stderr().kind != Output.Kind.PIPE;
    }

    /**
     * Whether a request can run in a pre-warmed sandbox: it may only give the command, environment and working
     * directory, which the held workload takes last. Anything else (limits, timeout, stdio, files) was decided
     * when the sandbox was made, so such a request runs cold.
     */
    static boolean serves(RunRequest request) {
        return request.stdin().isEmpty()
                && request.stdout().isEmpty()
                && request.stderr().isEmpty()
                && request.timeout().isEmpty()
                && request.cpuTimeLimit().isEmpty()
                && request.killGrace().isEmpty()
                && request.memoryLimit().isEmpty()
                && request.pidsLimit().isEmpty()
                && request.files().isEmpty()
                && request.collect().isEmpty();
    }

    /**
     * A held sandbox for {@code run}, its rest already sent; null when none is ready (the run then goes cold) or
     * the request is not one a pre-warmed sandbox serves.
     */
    Execution take(RunRequest request, RunSettings run, java.util.function.Supplier<RunEvents> events) {
        if (!serves(request)) {
            return null;
        }
        byte[] rest = Planner.rest(config, run); // before taking: a bad command fails with nothing used up
        while (true) {
            Execution ex;
            synchronized (this) {
                ex = ready.pollFirst();
                if (ex == null) {
                    return null;
                }
                inUse++;
            }
            if (!ex.stillHeld()) {
                ex.abort();
                ended();
                continue;
            }
            try {
                ex.proceed(rest, events.get());
                return ex;
            } catch (IOException e) {
                LOG.debug(
                        "sandbox {}: a pre-warmed sandbox's launcher is gone ({}); taking the next",
                        config.id(),
                        e.getMessage());
                ex.abort();
                ended();
            }
        }
    }

    /** The run of a sandbox {@link #take} returned has ended (or failed): time to make its replacement. */
    synchronized void ended() {
        inUse--;
        fill();
    }

    /** How many are held now. */
    synchronized int held() {
        return ready.size();
    }

    /** How many are being made now (a retry waiting after a failure included). */
    synchronized int refilling() {
        return refilling;
    }

    /**
     * Starts making as many as are missing, up to {@link #maxRefills} at once; one at a time after a failure, so
     * that a host that refuses does not get every attempt at once.
     */
    private void fill() { // holding this
        int most = failures > 0 ? 1 : maxRefills;
        while (!closed && refilling < most && ready.size() + inUse + refilling < size) {
            refilling++;
            REFILLS.execute(this::refillOne);
        }
    }

    /** Makes one sandbox and holds it, on a refill thread. */
    private void refillOne() {
        Execution ex = null;
        Throwable failure = null;
        synchronized (this) {
            if (closed) {
                refilling--;
                notifyAll();
                return;
            }
        }
        try {
            ex = warm();
        } catch (InterruptedException | RuntimeException | Error e) {
            failure = e;
        }
        boolean abort;
        synchronized (this) {
            abort = ex != null && closed;
            if (ex != null && !closed) {
                failures = 0;
                ready.addLast(ex);
            }
        }
        if (abort) {
            ex.abort(); // closed while it was being made; close() waits for this
        }
        synchronized (this) {
            refilling--;
            if (failure != null && !closed) {
                // The next run goes cold and fails or succeeds with its own words; retried after a pause.
                int n = ++failures;
                LOG.warn(
                        "sandbox {}: could not make a pre-warmed sandbox ({} in a row): {}",
                        config.id(),
                        n,
                        failure.toString());
                refilling++;
                retry = REFILLS.schedule(
                        this::refillOne, Math.min(1000L, 10L << Math.min(n, 7)), TimeUnit.MILLISECONDS);
            } else {
                fill();
            }
            notifyAll();
        }
    }

    /** One sandbox, set up and held: what Sandbox.run does up to the exec, without the request. */
    private Execution warm() throws InterruptedException {
        OverlayDirectories.prepare(config);
        // The configuration's own settings, as a run() without overrides gets them; the command comes with the rest.
        RunSettings settings = RunSettings.of(config, RunRequest.of(List.of("prewarmed")), false);
        RunCgroup cgroup = RunCgroup.reserve(config, settings.limits);
        try {
            settings.files.stage(config, config.filesystem().orElse(null), config.hostUid(), config.hostGid());
            boolean skipHostname = sandbox.skipHostname();
            LaunchPlan plan = Planner.plan(config, settings, cgroup.procsFiles(), cgroup.mounts(), skipHostname, true);
            return Execution.launch(
                    config,
                    settings,
                    plan,
                    cgroup,
                    sandbox.degradations(skipHostname),
                    RunEvents.none(config, List.of()));
        } catch (InterruptedException | RuntimeException | Error e) {
            cgroup.release();
            settings.files.release();
            throw e;
        }
    }

    /** Kills every held sandbox and stops making new ones; waits until they are gone. */
    @Override
    public void close() {
        List<Execution> victims;
        synchronized (this) {
            closed = true;
            victims = new ArrayList<>(ready);
            ready.clear();
            if (retry != null && retry.cancel(false)) {
                refilling--;
            }
            retry = null;
        }
        victims.forEach(Execution::abort);
        // Not interrupted: an interrupt inside a launch could leave half of it to clean up. A launch takes
        // milliseconds; one made meanwhile is aborted by its maker, which then counts itself out.
        if (!UninterruptibleWait.until(this, () -> refilling == 0, TimeUnit.SECONDS.toNanos(30))) {
            synchronized (this) {
                LOG.warn("sandbox {}: {} pre-warmed sandboxes still being made after 30 s", config.id(), refilling);
            }
        }
    }
}
