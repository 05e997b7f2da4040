package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.core.SandboxTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
    /** Set once for this JVM when sethostname was refused: the environment will not change while it runs. */
    private static volatile boolean sethostnameRefused;

    private final SandboxConfig config;
    private final Set<Execution> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong counter = new AtomicLong();
    private volatile boolean closed;

    private Sandbox(SandboxConfig config) {
        this.config = config;
    }

    /** A sandbox with these settings. Locates (or extracts) the native launcher on first use. */
    public static Sandbox create(SandboxConfig config) {
        Objects.requireNonNull(config, "config");
        LauncherBinary.get();
        return new Sandbox(config);
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
        return run(command, config.stdin());
    }

    /** Runs a program to completion with the given standard input. */
    public SandboxResult run(List<String> command, Input stdin) throws InterruptedException {
        Execution ex = beginAndAwaitExec(command, stdin, false);
        try {
            return ex.awaitResult();
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            throw e;
        } finally {
            running.remove(ex);
        }
    }

    /**
     * Starts a program and returns once it has been exec'd.
     *
     * @throws ProgramNotRunnableException           if the program does not exist or is not executable
     * @throws dev.sandbox4j.core.SandboxSetupException if the sandbox could not be set up
     */
    public SandboxProcess start(List<String> command) throws InterruptedException {
        return start(command, config.stdin());
    }

    /** Starts a program with the given standard input. */
    public SandboxProcess start(List<String> command, Input stdin) throws InterruptedException {
        Execution ex = beginAndAwaitExec(command, stdin, true);
        SandboxProcess process = new SandboxProcess(ex, "sandbox4j-" + config.id() + "-monitor-" + counter.incrementAndGet(),
                () -> running.remove(ex));
        process.startMonitor();
        return process;
    }

    /**
     * Launches and waits for the exec. A refused sethostname fails before anything of the program ran (nothing
     * of stdin read, no output): the run starts once more without the hostname, and later runs skip it.
     */
    private Execution beginAndAwaitExec(List<String> command, Input stdin, boolean streaming)
            throws InterruptedException {
        while (true) {
            boolean skipHostname = skipHostname();
            Execution ex = begin(command, stdin, streaming, skipHostname);
            try {
                ex.awaitExec();
                return ex;
            } catch (SandboxSetupException e) {
                ex.abort();
                running.remove(ex);
                if (skipHostname || config.hostnameChosen() || config.hostname().isEmpty()
                        || !e.step().equals("sethostname") || e.errno() != EPERM) {
                    throw e;
                }
                sethostnameRefused = true;
                LOG.debug("sethostname is refused here (EPERM); sandboxes keep the inherited hostname: {}", e.getMessage());
            } catch (InterruptedException | RuntimeException | Error e) {
                ex.abort();
                running.remove(ex);
                throw e;
            }
        }
    }

    private boolean skipHostname() {
        return sethostnameRefused && !config.hostnameChosen() && config.hostname().isPresent();
    }

    private List<String> degradations(boolean skipHostname) {
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
        return given;
    }

    private Execution begin(List<String> command, Input stdin, boolean streaming, boolean skipHostname)
            throws InterruptedException {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(stdin, "stdin");
        if (closed) {
            throw new IllegalStateException("sandbox " + config.id() + " is closed");
        }
        // The cgroup is named now, for the plan, and created while the launcher starts (Execution.start): the
        // launcher moves init into it, before init forks anything, once Java says it exists.
        RunCgroup cgroup = RunCgroup.reserve(config);
        Execution ex;
        try {
            LaunchPlan plan = Planner.plan(config, List.copyOf(command), cgroup.procsFiles(), cgroup.mounts(),
                    skipHostname);
            ex = Execution.launch(config, plan, stdin, streaming, cgroup, degradations(skipHostname));
        } catch (InterruptedException | RuntimeException | Error e) {
            cgroup.release(); // a plan that could not be made or launched (launch itself releases on its failures)
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

    /** Kills every program still running in this sandbox and waits until they are gone. */
    @Override
    public void close() {
        closed = true;
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
