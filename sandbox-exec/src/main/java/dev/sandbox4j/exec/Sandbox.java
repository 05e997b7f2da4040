package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.core.SandboxTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs isolated from the host: fresh namespaces, an unprivileged identity, no capabilities,
 * no-new-privs, an optional seccomp filter, resource limits (a cgroup per run in privileged mode, rlimits
 * otherwise) and a wall-clock timeout. Think of it as a
 * {@link ProcessBuilder} whose every process is sandboxed.
 *
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().timeout(Duration.ofSeconds(5)).build())) {
 *     SandboxResult r = sandbox.run(List.of("echo", "hello"));
 *     System.out.print(r.stdoutText());
 * }
 * }</pre>
 *
 * <p>A sandbox is reusable and thread-safe: it runs any number of programs, one after another or at the
 * same time, each in sandboxes of its own. {@link #close()} kills whatever still runs and releases
 * everything. Setup failures (a namespace the kernel refuses, a working directory that does not exist)
 * are thrown as {@link dev.sandbox4j.core.SandboxSetupException} naming the step and errno; a program
 * that cannot be run as {@link ProgramNotRunnableException}; a run that sandbox4j itself had to end (its fork
 * server died, the sandbox was closed under it) as {@link RunAbortedException}, never as a SIGKILL result.
 *
 * <p>One step is given up rather than failed: when the environment refuses {@code sethostname} (a container's
 * seccomp filter) and the caller did not choose the hostname, runs keep the hostname they inherit, in their own
 * UTS namespace, and say so in {@link SandboxResult#degradations()}. A chosen hostname still fails the run.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    private static final int EPERM = 1;
    static final String HOSTNAME_DEGRADATION = "hostname: this environment refuses sethostname (EPERM, e.g. a "
            + "container's seccomp filter), so the program keeps the inherited hostname instead of 'sandbox' "
            + "(its UTS namespace still isolates it; a chosen hostname would fail the run instead)";
    static final String PROC_DEGRADATION = "/proc: none inside (withoutProc / --no-proc): the program has its own "
            + "PID namespace but no /proc, so ps, /proc/self and the tools reading them fail";
    static final String HOST_NETWORK_DEGRADATION = "network: the host's network namespace (Network.host() / --network "
            + "host): the program reaches the host's loopback services, abstract Unix sockets, the cloud metadata "
            + "address and the internal network";
    static final String LEARN_DEGRADATION = "seccomp: learn mode (seccompLearning / sandbox-ctl seccomp learn): calls "
            + "the filter refuses were let through and recorded, not refused; for trusted programs only";
    /** Set once for this JVM when sethostname was refused: the environment will not change while it runs. */
    private static volatile boolean sethostnameRefused;

    private final SandboxConfig config;
    private final RunListener listener;
    private final Set<Execution> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong counter = new AtomicLong();
    private final AtomicLong runs = new AtomicLong(); // numbers runs for their ids
    private volatile boolean closed;
    private volatile PrewarmPool pool; // null: every run is made cold

    private Sandbox(SandboxConfig config, RunListener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** A sandbox with these settings. Locates (or extracts) the native launcher on first use. */
    public static Sandbox create(SandboxConfig config) {
        return create(config, RunListener.NONE);
    }

    /** A sandbox with these settings whose runs tell {@code listener} their stages as they happen. */
    public static Sandbox create(SandboxConfig config, RunListener listener) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(listener, "listener");
        LauncherBinary.get();
        return new Sandbox(config, listener);
    }

    public SandboxConfig config() {
        return config;
    }

    /**
     * Runs a program to completion, with the configured standard input.
     *
     * @param command the program and its arguments; the program is looked up in the sandbox's PATH
     * @throws ProgramNotRunnableException           if the program does not exist or is not executable
     * @throws dev.sandbox4j.core.SandboxSetupException if the sandbox could not be set up
     * @throws InterruptedException                  if interrupted; the sandbox is killed first
     */
    public SandboxResult run(List<String> command) throws InterruptedException {
        return run(RunRequest.of(command));
    }

    /** Runs a program to completion with the given standard input. */
    public SandboxResult run(List<String> command, Input stdin) throws InterruptedException {
        return run(RunRequest.builder(command).stdin(stdin).build());
    }

    /**
     * Runs a program to completion with this request's settings over the sandbox's ({@link RunRequest}). A
     * sandbox's pipe default for a stream becomes capture here; a request's own pipe is refused.
     *
     * @throws dev.sandbox4j.core.InvalidConfigException when the request raises a limit of the sandbox's, or asks
     *         for a pipe
     */
    public SandboxResult run(RunRequest request) throws InterruptedException {
        RunSettings settings = RunSettings.of(config, request, false);
        Execution ex = takePrewarmed(request, settings);
        PrewarmPool from = ex == null ? null : pool;
        if (ex == null) {
            ex = beginAndAwaitExec(settings);
        }
        try {
            return ex.awaitResult();
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            throw e;
        } finally {
            running.remove(ex);
            if (from != null) {
                from.ended();
            }
        }
    }

    /**
     * Keeps {@code count} sandboxes of this configuration made ahead of their runs: launcher, namespaces (network
     * included), id maps, cgroup with its limits, mounts, credentials and PID 1 exist before the request, and
     * {@link #run(RunRequest)} only sends the program, arguments, environment and working directory. Each serves one
     * run and is never reused; a fresh one replaces it in the background once that run has ended. A request that sets anything else
     * (limits, timeout, stdio, files), a {@link #start} when the configuration pipes a stream, and a run that finds
     * none ready are made cold, as without this. Closing the sandbox kills the held ones; so does the JVM's end (their launchers lose their connection).
     *
     * @param count how many to hold, 1 to 64; each is three processes and a cgroup
     * @return this sandbox
     * @throws dev.sandbox4j.core.InvalidConfigException when {@code count} is out of range, or the configuration
     *         binds something per run that a sandbox made ahead would bind too early (Input/Output.file, stdin
     *         inherit or pipe, a kept overlay's upper directory); the message names it
     * @throws IllegalStateException if the sandbox is closed or already pre-warms
     */
    public synchronized Sandbox prewarm(int count) {
        if (closed) {
            throw new IllegalStateException("sandbox " + config.id() + " is closed");
        }
        if (pool != null) {
            throw new IllegalStateException(
                    "sandbox " + config.id() + " already pre-warms; create another Sandbox " + "for another size");
        }
        pool = PrewarmPool.start(this, count);
        return this;
    }

    /** How many pre-warmed sandboxes are ready now (0 without {@link #prewarm(int)}). */
    public int prewarmed() {
        PrewarmPool p = pool;
        return p == null ? 0 : p.held();
    }

    /** A pre-warmed sandbox running {@code run}, exec'd; null when none serves it (the run is then made cold). */
    private Execution takePrewarmed(RunRequest request, RunSettings run) throws InterruptedException {
        PrewarmPool p = pool;
        if (p == null || closed) {
            return null;
        }
        long[] number = new long[1];
        Execution ex = p.take(
                request,
                run,
                () -> new RunEvents(
                        listener, new RunListener.Run(config.id(), number[0] = runs.incrementAndGet(), run.command)));
        if (ex == null) {
            return null;
        }
        ex.identify(config.id() + "-" + number[0], run.command);
        running.add(ex);
        try {
            if (closed) { // closed while we were taking it: do not outlive close()
                throw new IllegalStateException("sandbox " + config.id() + " is closed");
            }
            ex.awaitExec();
            return ex;
        } catch (SandboxSetupException e) {
            ex.abort();
            running.remove(ex);
            p.ended();
            if (e.step().equals("sethostname") && e.errno() == EPERM && !skipHostname()) {
                return null; // made before the refusal was known: the cold path learns it and retries
            }
            throw e;
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            running.remove(ex);
            p.ended();
            throw e;
        }
    }

    /**
     * Starts a program and returns once it has been exec'd.
     *
     * @throws ProgramNotRunnableException           if the program does not exist or is not executable
     * @throws dev.sandbox4j.core.SandboxSetupException if the sandbox could not be set up
     */
    public SandboxProcess start(List<String> command) throws InterruptedException {
        return start(RunRequest.of(command));
    }

    /** Starts a program with the given standard input. */
    public SandboxProcess start(List<String> command, Input stdin) throws InterruptedException {
        return start(RunRequest.builder(command).stdin(stdin).build());
    }

    /** Starts a program with this request's settings over the sandbox's ({@link RunRequest}). */
    public SandboxProcess start(RunRequest request) throws InterruptedException {
        RunSettings settings = RunSettings.of(config, request, true);
        // A pre-warmed sandbox was made with run()'s streams: the same as start()'s unless the configuration pipes.
        Execution taken = PrewarmPool.streamsAsMade(config) ? takePrewarmed(request, settings) : null;
        PrewarmPool from = taken == null ? null : pool;
        Execution ex = taken != null ? taken : beginAndAwaitExec(settings);
        SandboxProcess process =
                new SandboxProcess(ex, "sandbox4j-" + config.id() + "-monitor-" + counter.incrementAndGet(), () -> {
                    running.remove(ex);
                    if (from != null) {
                        from.ended();
                    }
                });
        process.startMonitor();
        return process;
    }

    /**
     * Launches and waits for the exec. A refused sethostname fails before anything of the program ran (nothing
     * of stdin read, no output): the run starts once more without the hostname, and later runs skip it.
     */
    private Execution beginAndAwaitExec(RunSettings run) throws InterruptedException {
        while (true) {
            boolean skipHostname = skipHostname();
            Execution ex = begin(run, skipHostname);
            try {
                ex.awaitExec();
                return ex;
            } catch (SandboxSetupException e) {
                ex.abort();
                running.remove(ex);
                if (skipHostname
                        || config.hostnameChosen()
                        || config.hostname().isEmpty()
                        || !e.step().equals("sethostname")
                        || e.errno() != EPERM) {
                    throw e;
                }
                sethostnameRefused = true;
                LOG.debug(
                        "sandbox {}: sethostname is refused here (EPERM); sandboxes keep the inherited hostname: {}",
                        config.id(),
                        e.getMessage());
            } catch (InterruptedException | RuntimeException | Error e) {
                ex.abort();
                running.remove(ex);
                throw e;
            }
        }
    }

    boolean skipHostname() {
        return sethostnameRefused
                && !config.hostnameChosen()
                && config.hostname().isPresent();
    }

    List<String> degradations(boolean skipHostname) {
        List<String> given = new ArrayList<>(2);
        if (skipHostname) {
            given.add(HOSTNAME_DEGRADATION);
        }
        if (config.withoutProc()) {
            given.add(PROC_DEGRADATION);
        }
        if (config.network().mode() == Network.Mode.HOST) {
            given.add(HOST_NETWORK_DEGRADATION);
        }
        if (config.seccompLearner().isPresent()) {
            given.add(LEARN_DEGRADATION);
        }
        return given;
    }

    private Execution begin(RunSettings run, boolean skipHostname) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("sandbox " + config.id() + " is closed");
        }
        long number = runs.incrementAndGet();
        RunEvents events = new RunEvents(listener, new RunListener.Run(config.id(), number, run.command));
        Execution ex;
        try {
            OverlayDirectories.prepare(config);
            // The cgroup is named now, for the plan, and created while the launcher starts (Execution.start): the
            // launcher moves init into it, before init forks anything, once Java says it exists.
            RunCgroup cgroup = RunCgroup.reserve(config, run.limits);
            try {
                run.files.stage(config, config.filesystem().orElse(null), config.hostUid(), config.hostGid());
                LaunchPlan plan = Planner.plan(config, run, cgroup.procsFiles(), cgroup.mounts(), skipHostname);
                ex = Execution.launch(config, run, plan, cgroup, degradations(skipHostname), events);
            } catch (InterruptedException | RuntimeException | Error e) {
                cgroup.release(); // a plan that could not be made or launched (launch itself releases on its failures)
                run.files.release();
                throw e;
            }
            ex.identify(config.id() + "-" + number, run.command);
        } catch (InterruptedException | RuntimeException | Error e) {
            if (e instanceof SandboxSetupException setup) {
                events.setupFailed(setup);
            }
            events.runFailed(e);
            throw e;
        }
        running.add(ex);
        if (closed) { // closed while we were launching: do not outlive close()
            ex.abort();
            running.remove(ex);
            throw new IllegalStateException("sandbox " + config.id() + " is closed");
        }
        return ex;
    }

    /**
     * The programs this sandbox is running now, oldest first: each with its id, pids inside and on the host, start
     * time and live usage. Runs still being set up, and runs whose end has been reported, are not listed.
     */
    public List<ActiveRun> runs() {
        List<ActiveRun> listed = new ArrayList<>();
        for (Execution ex : running) {
            ActiveRun run = ActiveRun.of(ex);
            if (run != null) {
                listed.add(run);
            }
        }
        listed.sort(java.util.Comparator.comparing(ActiveRun::startTime).thenComparing(ActiveRun::id));
        return listed;
    }

    /** Whether any run of this sandbox is in flight: being set up, running, or having its result collected. */
    public boolean isBusy() {
        return !running.isEmpty();
    }

    /**
     * Kills the run with this {@link ActiveRun#id() id} and waits until it has been collected; false when no such run
     * is in flight. The sandbox stays open.
     */
    public boolean kill(String runId) throws InterruptedException {
        Objects.requireNonNull(runId, "runId");
        for (Execution ex : running) {
            if (ex.runId().equals(runId)) {
                ex.kill();
                awaitGone(List.of(ex));
                return true;
            }
        }
        return false;
    }

    /**
     * Kills every run in flight, those still being set up included, and waits until all of them have been collected:
     * no process, cgroup or thread of theirs is left when this returns. The sandbox stays open for new runs; their
     * callers get SIGKILL results (or a setup failure for a run killed before its program started).
     *
     * @return how many runs were killed
     */
    public int killAll() throws InterruptedException {
        List<Execution> victims = List.copyOf(running);
        victims.forEach(Execution::kill);
        awaitGone(victims);
        return victims.size();
    }

    /** Waits until the callers of these runs have collected them (10 s at most, then it aborts them). */
    private void awaitGone(List<Execution> victims) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (victims.stream().anyMatch(running::contains)) {
            if (System.nanoTime() > deadline) {
                victims.stream().filter(running::contains).forEach(Execution::abort);
                return;
            }
            Thread.sleep(5);
        }
    }

    /** Kills every program still running in this sandbox and waits until they are gone. */
    @Override
    public void close() {
        closed = true;
        PrewarmPool p;
        synchronized (this) { // a prewarm() that saw the sandbox open has set its pool by now
            p = pool;
        }
        if (p != null) {
            p.close();
        }
        for (Execution ex : running) {
            ex.killFor(RunAbortedException.Reason.SANDBOX_CLOSED, null);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!running.isEmpty()) {
            if (System.nanoTime() > deadline) {
                running.forEach(Execution::abort);
                if (!running.isEmpty()) {
                    throw new SandboxTimeoutException("closing sandbox " + config.id(), Duration.ofSeconds(10));
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.forEach(Execution::abort);
                throw new SandboxException("interrupted while closing sandbox " + config.id());
            }
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + config + "]";
    }
}
