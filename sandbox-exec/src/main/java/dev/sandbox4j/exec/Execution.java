package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.namespace.Namespace;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launch: the launcher process, its control channel, what moves the workload's bytes, and the bookkeeping
 * that turns launcher events into a {@link SandboxResult}. Driven by one thread at a time: the caller of
 * {@code run} (or of {@code start} until the exec), then the {@link RunLoop} ({@link #drive()}) and a finishing
 * thread ({@link #conclude()}) for a started program; {@link #kill()} and {@link #signal(int)} may come from any
 * thread.
 *
 * <p>Every exit path goes through {@link #finish()}, which waits until init has been reaped (the launcher says
 * so as its last act, or is waited for itself), reads and removes the run's cgroup, reads captured output to its
 * end (joining any reader thread) and closes every descriptor: a run leaves no process, cgroup, thread, socket or
 * file behind.
 */
final class Execution {
    private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
    /** How long the launcher and init get to finish a kill before the launcher is SIGKILLed. */
    private static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long a launcher may take to connect at all; it normally takes a few milliseconds. */
    private static final long CONNECT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final File DEV_NULL = new File("/dev/null");

    /** How often a CPU-time limit is checked against the cgroup's usage at most, and at least. */
    private static final long CPU_CHECK_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final long CPU_CHECK_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SandboxConfig config;
    private final RunSettings run;
    private final LaunchPlan plan;
    private List<String> degradations = List.of();
    private final Input stdin;
    private final RunCgroup cgroup;
    private long startNanos; // both reset by proceed(), when a run takes a pre-warmed sandbox
    private long deadlineNanos;
    private final long graceNanos;
    private final long cpuLimitMicros; // Long.MAX_VALUE: no CPU-time limit for the JVM to watch
    private long nextCpuCheckNanos;
    private boolean cpuTimeExceeded;
    private long termSentNanos; // when a timeout's SIGTERM went out, before its SIGKILL; 0: not sent
    private volatile LauncherProcess process; // read by kill() from other threads
    private volatile ControlChannel control; // read by kill() from other threads
    private OutputCollector stdout;
    private OutputCollector stderr;
    private InputStream pipedStdout = InputStream.nullInputStream(); // Output.pipe(): the caller's streams
    private InputStream pipedStderr = InputStream.nullInputStream();
    private final PipedOutputs piped = new PipedOutputs();
    private Thread stdinWriter;
    // A pre-warmed sandbox's from the fork server: the write end of the pipe its held workload reads the rest of its
    // plan from, so that the rest goes straight there instead of through the launcher (one process wake-up fewer
    // on the run's path). -1: none, or written and closed. Closed at the latest by finish().
    private int restPipe = -1;

    private boolean execOk;
    private LauncherEvent.SetupError setupError;
    private LauncherEvent.Exit exit;
    private LauncherEvent.Aborted aborted;
    private LauncherEvent.Violation firstViolation;
    private boolean workloadKilledForViolation;
    private volatile boolean ended; // abort() may come from Sandbox.close() on another thread
    private boolean launcherLost;
    private boolean finished;
    private RunEvents events; // replaced by proceed()
    private SandboxResult result;
    private CgroupStats cgroupStats = CgroupStats.EMPTY;
    // written by kill()/signal() from other threads
    private volatile boolean timedOut;
    private volatile long killSentNanos;
    // Set with the kill when sandbox4j's own machinery ended the run (the fork server died, the sandbox closed).
    private volatile RunAbortedException.Reason abortedBy;
    private volatile String abortDetail;
    private final Object killLock = new Object();
    // For Sandbox.runs(): who this run is, and init's host pid once the program has been exec'd.
    private volatile java.time.Instant startTime = java.time.Instant.now();
    private volatile String runId = "";
    private volatile List<String> command = List.of();
    private volatile int initPid;
    private final java.util.concurrent.locks.ReentrantLock finishing = new java.util.concurrent.locks.ReentrantLock();
    // A user-mode network: attached while the launcher holds init, ended in finish(). Driving thread only.
    private UserNetwork network;
    private SandboxSetupException networkFailure;
    private long refusedConnections = -1;

    private Execution(SandboxConfig config, RunSettings run, LaunchPlan plan, RunCgroup cgroup, RunEvents events) {
        this.config = config;
        this.events = events;
        this.run = run;
        this.plan = plan;
        this.stdin = run.stdin;
        this.cgroup = cgroup;
        this.startNanos = System.nanoTime();
        this.deadlineNanos = run.timeout == null ? Long.MAX_VALUE : saturatedAdd(startNanos, run.timeout.toNanos());
        this.graceNanos = run.killGrace.toNanos();
        this.cpuLimitMicros = run.cpuTimeMechanism == LimitMechanism.CGROUP
                ? Math.max(1, run.cpuTimeLimit.toNanos() / 1000)
                : Long.MAX_VALUE;
        this.nextCpuCheckNanos = startNanos;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE - 1 : sum;
    }

    /**
     * Starts the launcher and hands it the plan; returns before the program has started. Takes charge of
     * {@code cgroup} (whose procs files are in the plan), which it creates while the launcher starts: every path
     * from here, a failure to launch included, removes it.
     */
    static Execution launch(SandboxConfig config, LaunchPlan plan, Input stdin, boolean streaming, RunCgroup cgroup)
            throws InterruptedException {
        return launch(config, plan, stdin, streaming, cgroup, List.of());
    }

    /** As above; {@code degradations} go into the result (see {@link SandboxResult#degradations()}). */
    static Execution launch(
            SandboxConfig config,
            LaunchPlan plan,
            Input stdin,
            boolean streaming,
            RunCgroup cgroup,
            List<String> degradations)
            throws InterruptedException {
        if (!streaming
                && (stdin.kind == Input.Kind.PIPE
                        || config.stdout().kind == Output.Kind.PIPE
                        || config.stderr().kind == Output.Kind.PIPE)) {
            throw new IllegalStateException("Input.pipe()/Output.pipe() need Sandbox.start(), not run()");
        }
        RunRequest request = RunRequest.builder(plan.argv).stdin(stdin).build();
        return launch(
                config,
                RunSettings.of(config, request, streaming),
                plan,
                cgroup,
                degradations,
                RunEvents.none(config, plan.argv));
    }

    /** As above, for one run's settings, telling {@code events} its stages. */
    static Execution launch(
            SandboxConfig config,
            RunSettings run,
            LaunchPlan plan,
            RunCgroup cgroup,
            List<String> degradations,
            RunEvents events)
            throws InterruptedException {
        Execution ex = new Execution(config, run, plan, cgroup, events);
        ex.degradations = List.copyOf(degradations);
        try {
            ex.start();
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            throw e;
        }
        return ex;
    }

    private void start() throws InterruptedException {
        LauncherBinary launcher = LauncherBinary.get();
        byte[] payload = plan.encode();
        plan.checkSize(payload); // before the server or launcher sees a frame it must refuse
        try {
            if (config.forkServer()) {
                // The launcher gets its end of the control connection with the spawn request, and its plan.
                try (ControlChannel.Pair pair = ControlChannel.Pair.open(launcher)) {
                    control = pair.channel();
                    process = fork(launcher, pair.launcherEnd(), payload);
                }
                events.launcherStarted();
                // While the launcher clones init, on the other CPU: it waits for CGROUPS_READY before it moves init
                // into the cgroup the plan names.
                cgroup.create();
            } else {
                Path socket = launcher.newSocketPath("c-");
                try {
                    process = DirectLauncher.start(launcher, socket, stdin, run.stdout, run.stderr);
                    events.launcherStarted();
                    cgroup.create(); // while the launcher starts and listens
                    control = ControlChannel.connect(
                            socket, process, Math.min(deadlineNanos, startNanos + CONNECT_LIMIT_NANOS));
                } finally {
                    Files.deleteIfExists(socket); // the launcher unlinks it once it has us; this covers its failures
                }
                control.send(LaunchPlan.frame(Wire.MSG_PLAN, payload));
            }
            checkCpuAccounting();
            if (!cgroup.procsFiles().isEmpty()) {
                try {
                    control.send(LaunchPlan.frame(Wire.MSG_CGROUPS_READY, new byte[0]));
                } catch (IOException e) {
                    // The launcher gave up before it needed them (a bind source it could not open, say): what it
                    // reported before it hung up is read next, and says why.
                }
            }
            events.planSent();
        } catch (IOException e) {
            throw new SandboxException("cannot send the plan to the launcher: " + e.getMessage(), e);
        }
        startStreams();
    }

    /**
     * A run takes this pre-warmed sandbox (launched with a held plan, {@link LaunchPlan#prewarmed}): the run's clock and
     * listener start now, and the launcher passes {@code rest} ({@link LaunchPlan#encodeRest()}) to the workload.
     *
     * @throws IOException when the launcher is gone; the caller then aborts this one and runs cold
     */
    void proceed(byte[] rest, RunEvents runEvents) throws IOException {
        events = runEvents;
        startTime = java.time.Instant.now();
        startNanos = System.nanoTime();
        deadlineNanos = run.timeout == null ? Long.MAX_VALUE : saturatedAdd(startNanos, run.timeout.toNanos());
        nextCpuCheckNanos = startNanos;
        if (restPipe >= 0) {
            writeRest(rest);
        } else {
            control.send(LaunchPlan.frame(Wire.MSG_CONTINUE, rest)); // a launcher by ProcessBuilder passes it on
        }
        events.launcherStarted();
        events.planSent();
    }

    /** Whether this pre-warmed sandbox can still be taken: its launcher has said nothing yet. */
    boolean stillHeld() {
        return !ended && !execOk && setupError == null && (process == null || process.isAlive());
    }

    /**
     * A CPU-time limit the JVM watches needs the run's cgroup to count CPU time (cpuacct, or v2 cpu.stat): without
     * that figure the limit would be claimed and not held, so the run fails before the program starts.
     */
    private void checkCpuAccounting() {
        if (cpuLimitMicros != Long.MAX_VALUE
                && cgroup.liveStats().map(s -> s.cpuTimeUs().isEmpty()).orElse(true)) {
            throw new SandboxSetupException(
                    "cgroup",
                    0,
                    "the CPU-time limit " + run.cpuTimeLimit + " needs the run's "
                            + "cgroup to count CPU time (v1 cpuacct or v2 cpu.stat), and it does not here; mount the cpuacct "
                            + "controller, or run unprivileged, where RLIMIT_CPU limits each process");
        }
    }

    /** The pipe a held workload reads the rest of its plan from: read end, write end (close-on-exec). */
    private static int[] holdPipe() {
        int[] fds = new int[2];
        if (LibC.libc().pipe2(fds, LibC.Const.O_CLOEXEC) != 0) {
            throw new SandboxException("cannot make the pipe of a pre-warmed sandbox: "
                    + LibC.libc().strerror(LibC.errno()));
        }
        return fds;
    }

    /** Writes the rest, as the launcher would pass it on (u32 length, payload), to the held workload and closes. */
    private void writeRest(byte[] rest) throws IOException {
        byte[] frame = new LaunchPlan.Out().u32(rest.length).bytes(rest).toByteArray();
        int fd = restPipe;
        restPipe = -1;
        try {
            for (int off = 0; off < frame.length; ) {
                byte[] left = off == 0 ? frame : java.util.Arrays.copyOfRange(frame, off, frame.length);
                long n = LibC.libc().write(fd, left, left.length);
                if (n < 0) {
                    int errno = LibC.errno();
                    if (errno == LibC.Const.EINTR) {
                        continue;
                    }
                    throw new IOException(
                            "the held sandbox's pipe: " + LibC.libc().strerror(errno));
                }
                off += (int) n;
            }
        } finally {
            LibC.libc().close(fd);
        }
    }

    /** A launcher from the JVM's fork server, with stdio the JVM opened for it, its control connection and its plan. */
    private LauncherProcess fork(LauncherBinary launcher, int control, byte[] plan) {
        try (ForkedStdio stdio = ForkedStdio.open(stdin, run.stdout, run.stderr)) {
            ForkedLauncher forked;
            int[] hold = this.plan.prewarmed ? holdPipe() : null;
            try {
                forked = ForkServer.spawn(launcher, stdio, control, plan, hold == null ? -1 : hold[0]);
            } catch (RuntimeException | Error e) {
                stdio.closeAll();
                if (hold != null) {
                    LibC.libc().close(hold[1]);
                }
                throw e;
            } finally {
                if (hold != null) {
                    LibC.libc().close(hold[0]); // the server passed it on: the held workload's alone now
                }
            }
            if (hold != null) {
                restPipe = hold[1];
            }
            forked.streams(stdio);
            String prefix = threadPrefix(forked.pid());
            if (run.stdout.kind == Output.Kind.PIPE) {
                PipedOutput out = pipedOutput(stdio.takeCaptured(1), run.stdout, prefix + "stdout");
                piped.stdout(out);
                pipedStdout = out;
            } else {
                stdout = polledCollector(stdio.takeCaptured(1), run.stdout, prefix + "stdout");
            }
            if (run.stderr.kind == Output.Kind.PIPE) {
                PipedOutput err = pipedOutput(stdio.takeCaptured(2), run.stderr, prefix + "stderr");
                piped.stderr(err);
                pipedStderr = err;
            } else {
                stderr = polledCollector(stdio.takeCaptured(2), run.stderr, prefix + "stderr");
            }
            // If the server dies under this run, the launcher is nobody's child we can wait for or kill by pid
            // any more: end the run through its control channel (or its cgroup), as a kill() does.
            forked.onLost(() -> killFor(RunAbortedException.Reason.FORK_SERVER_DIED, null));
            return forked;
        } // closes the launcher's ends of the streams: the server has its copies, the launcher holds them now
    }

    /**
     * A piped output of a pipe the JVM made: read by the output loop from now on (the program may write before
     * the exec is reported), or by a thread of its own should epoll refuse.
     */
    private PipedOutput pipedOutput(int fd, Output output, String threadName) {
        try {
            return PipedOutput.watched(piped, fd, output.limit);
        } catch (RuntimeException e) {
            try {
                return PipedOutput.start(
                        piped,
                        new java.io.BufferedInputStream(new java.io.FileInputStream("/proc/self/fd/" + fd)),
                        output.limit,
                        threadName);
            } catch (IOException notOpened) {
                throw new SandboxException(
                        "cannot read the sandbox's " + threadName + ": " + notOpened.getMessage(), notOpened);
            } finally {
                LibC.libc().close(fd); // the stream re-opened the pipe: a description of its own, blocking
            }
        }
    }

    private static OutputCollector polledCollector(int fd, Output output, String threadName) {
        return fd < 0 ? null : OutputCollector.polled(fd, output.limit, threadName);
    }

    private String threadPrefix(long launcherPid) {
        return "sandbox4j-" + config.id() + "-" + launcherPid + "-";
    }

    private void startStreams() {
        String prefix = threadPrefix(process.pid());
        // Captured output of a launcher from the fork server is polled (fork); ProcessBuilder's streams get threads.
        if (stdout == null && run.stdout.kind == Output.Kind.CAPTURE) {
            stdout = OutputCollector.threaded(process.stdout(), run.stdout.limit, prefix + "stdout");
        }
        if (stderr == null && run.stderr.kind == Output.Kind.CAPTURE) {
            stderr = OutputCollector.threaded(process.stderr(), run.stderr.limit, prefix + "stderr");
        }
        // Piped output is moved into memory as it comes, so that the run's end takes nothing the caller has not
        // read yet: the streams are the caller's to close, not this run's.
        if (run.stdout.kind == Output.Kind.PIPE && !(pipedStdout instanceof PipedOutput)) {
            PipedOutput out = PipedOutput.start(piped, process.stdout(), run.stdout.limit, prefix + "stdout");
            piped.stdout(out);
            pipedStdout = out;
        }
        if (run.stderr.kind == Output.Kind.PIPE && !(pipedStderr instanceof PipedOutput)) {
            PipedOutput err = PipedOutput.start(piped, process.stderr(), run.stderr.limit, prefix + "stderr");
            piped.stderr(err);
            pipedStderr = err;
        }
        if (stdin.kind == Input.Kind.BYTES) {
            byte[] bytes = stdin.bytes();
            OutputStream out = process.stdin();
            stdinWriter = new Thread(
                    () -> {
                        try (out) {
                            out.write(bytes);
                        } catch (IOException e) {
                            // the program exited or closed its stdin without reading everything: that is its choice
                        }
                    },
                    prefix + "stdin");
            stdinWriter.setDaemon(true);
            stdinWriter.start();
        }
    }

    LauncherProcess process() {
        return process;
    }

    /** The program's stdout for {@link Output#pipe()}, readable until the caller closes it; else an empty stream. */
    InputStream pipedStdout() {
        return pipedStdout;
    }

    /** What the run uses now: its cgroup's figures, or /proc's for the launcher's descendants. */
    Usage usage() {
        return cgroup.liveUsage().orElseGet(() -> UsageReader.fromProc(process.pid()));
    }

    Output stdoutMode() {
        return run.stdout;
    }

    Output stderrMode() {
        return run.stderr;
    }

    /** As {@link #pipedStdout()}, for stderr. */
    InputStream pipedStderr() {
        return pipedStderr;
    }

    /** Names the run for {@link Sandbox#runs()}. */
    void identify(String runId, List<String> command) {
        this.runId = runId;
        this.command = List.copyOf(command);
    }

    String runId() {
        return runId;
    }

    List<String> command() {
        return command;
    }

    java.time.Instant startTime() {
        return startTime;
    }

    /** The sandbox's init as the host sees it, once the program has been exec'd; 0 before. */
    int initPid() {
        return initPid;
    }

    /** Whether the end has been reported, or the run aborted. */
    boolean hasEnded() {
        return ended;
    }

    /** Whether the program has been exec'd and its end not yet reported. */
    boolean isRunning() {
        return initPid > 0 && !ended;
    }

    /** What the run's cgroup says it uses now; empty without a cgroup or once it is gone. */
    java.util.Optional<RunUsage> cgroupUsage(int processes) {
        return cgroup.liveUsage(processes);
    }

    /** Both piped streams, for events in arrival order. */
    PipedOutputs piped() {
        return piped;
    }

    /**
     * Waits until the program has been exec'd.
     *
     * @throws SandboxSetupException (or {@link ProgramNotRunnableException}) when setup failed
     */
    void awaitExec() throws InterruptedException {
        while (!execOk && setupError == null && !ended) {
            pump();
        }
        if (!execOk) {
            finish();
            // A launcher that ends before the program starts is a setup failure with its own words (its stderr).
            RuntimeException failure = abortedBy != null && setupError == null ? aborted() : setupFailure();
            if (failure instanceof SandboxSetupException) {
                events.setupFailed(failure);
            }
            events.runFailed(failure);
            throw failure;
        }
    }

    /** Waits for the end, enforcing the timeout, and returns the result. */
    SandboxResult awaitResult() throws InterruptedException {
        try {
            while (!ended) {
                pump();
            }
        } catch (InterruptedException | RuntimeException | Error e) {
            events.runFailed(e);
            throw e;
        }
        return conclude();
    }

    /**
     * The control connection, for the {@link RunLoop}'s selector, which watches it from now on: the connection's
     * own selector is let go until a blocking wait (at the end, for init's reaping) needs one again.
     */
    java.nio.channels.SocketChannel controlChannel() {
        control.releaseSelector();
        return control.selectable();
    }

    /**
     * For the {@link RunLoop}: does what is due and handles every event that has arrived, without blocking.
     * Returns the milliseconds until it is due again at the latest (sooner if the control connection becomes
     * readable), or 0 once the end has been reported, when {@link #conclude()} follows.
     */
    long drive() throws InterruptedException {
        try {
            while (!ended) {
                long waitMillis = due();
                if (waitMillis < 0) {
                    continue; // it acted (a signal, a kill): look again
                }
                LauncherEvent event = control.next(0);
                poll(stdout);
                poll(stderr);
                if (event == null) {
                    return waitMillis;
                }
                handle(event);
            }
            return 0;
        } catch (InterruptedException | RuntimeException | Error e) {
            events.runFailed(e);
            throw e;
        }
    }

    /** After the end has been reported: releases everything and returns the result (see {@link #finish()}). */
    SandboxResult conclude() throws InterruptedException {
        try {
            SandboxResult r = finish();
            if (abortedByInfrastructure()) {
                throw aborted();
            }
            if (r == null) {
                throw setupFailure();
            }
            events.runEnded(r);
            return r;
        } catch (InterruptedException | RuntimeException | Error e) {
            events.runFailed(e);
            throw e;
        }
    }

    /**
     * Whether sandbox4j's own machinery, not the program, its limits or the caller, ended the run: a kill for
     * such a reason that came first and that the program did not outrun (it would have exited on its own, or by
     * a signal other than the kill's SIGKILL), or a launcher that vanished without a word and without being told.
     */
    private boolean abortedByInfrastructure() {
        if (abortedBy != null) {
            return exit == null || (exit.waitStatus() & 0x7f) == Signals.SIGKILL;
        }
        if (exit == null && aborted == null && setupError == null && killSentNanos == 0 && !timedOut && launcherLost) {
            abortedBy = RunAbortedException.Reason.LAUNCHER_DIED;
            abortDetail = process == null ? null : process.exitDescription();
            return true;
        }
        return false;
    }

    private RunAbortedException aborted() {
        return new RunAbortedException(config.id(), abortedBy, abortDetail);
    }

    private void pump() throws InterruptedException {
        long waitMillis = due();
        if (waitMillis < 0) {
            return;
        }
        LauncherEvent event = control.next(waitMillis);
        poll(stdout);
        poll(stderr);
        handle(event);
    }

    /**
     * Does what is due by now (the timeout's SIGTERM or kill, the kill's backstop, a CPU-time check): -1 when it
     * acted, else how long the run may wait for its next event before something is due.
     */
    private long due() {
        long now = System.nanoTime();
        long killed = killSentNanos;
        long wakeAt = killed != 0
                ? killed + KILL_GRACE_NANOS
                : termSentNanos != 0 ? termSentNanos + graceNanos : deadlineNanos;
        if (now - wakeAt >= 0 && wakeAt != Long.MAX_VALUE) {
            if (killed == 0) {
                if (termSentNanos == 0) {
                    events.limitReached(RunStatus.TIMEOUT);
                }
                timedOut = true;
                if (termSentNanos == 0 && graceNanos > 0) {
                    // The grace: SIGTERM now (init forwards it to the program), SIGKILL for everything at its end.
                    termSentNanos = now | 1;
                    signal(Signals.SIGTERM);
                    return -1;
                }
                kill();
            } else {
                // The launcher did not report in time after a kill: kill it. Init has PDEATHSIG and its
                // death ends the PID namespace.
                LOG.warn(
                        "sandbox {}: the launcher did not finish a kill within {} ms; killing it",
                        config.id(),
                        TimeUnit.NANOSECONDS.toMillis(KILL_GRACE_NANOS));
                process.destroyForcibly();
                ended = true;
            }
            return -1;
        }
        // Wake at least once a second, so a kill() from another thread gets its backstop in time, and whenever a
        // polled output is due.
        long waitMillis =
                wakeAt == Long.MAX_VALUE ? 1000 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wakeAt - now) + 1);
        waitMillis = Math.min(waitMillis, pollDelay(stdout, pollDelay(stderr, 1000)));
        if ((cpuLimitMicros != Long.MAX_VALUE || events.wantsLiveLimits() && cgroup != RunCgroup.NONE) && killed == 0) {
            if (now - nextCpuCheckNanos >= 0 && checkCpuTime(now)) {
                return -1;
            }
            waitMillis = Math.max(1, Math.min(waitMillis, TimeUnit.NANOSECONDS.toMillis(nextCpuCheckNanos - now) + 1));
        }
        return waitMillis;
    }

    /** Takes in one launcher event (null: none came). */
    private void handle(LauncherEvent event) {
        if (event instanceof LauncherEvent.Held held) {
            attachNetwork(held.initPid());
        } else if (event instanceof LauncherEvent.ExecOk ok) {
            initPid = ok.initPid();
            execOk = true;
            events.programStarted();
            if (firstViolation != null) { // reported before the exec's report: told in the order it happened
                config.seccompSupervision().ifPresent(s -> events.seccompViolation(s.describe(firstViolation)));
            }
        } else if (event instanceof LauncherEvent.SetupError e) {
            setupError = e;
        } else if (event instanceof LauncherEvent.Exit e) {
            exit = e;
            lastLookForOom();
            events.programEnded();
            ended = true;
        } else if (event instanceof LauncherEvent.Aborted a) {
            aborted = a;
            lastLookForOom();
            events.programEnded();
            ended = true;
        } else if (event instanceof LauncherEvent.Closed) {
            launcherLost = true; // its channel closed before any report of the end
            ended = true;
        } else if (event instanceof LauncherEvent.Violation v) {
            violation(v);
        } else if (event instanceof LauncherEvent.Learned l) {
            config.seccompLearner().ifPresent(learner -> learner.record(l));
        } else if (event != null) {
            throw new LauncherEvent.ProtocolException("unexpected launcher message " + event);
        }
    }

    /**
     * Compares the cgroup's CPU time with the limit, and kills the run once it is reached; schedules the next look
     * at half the time left (the tree may use every CPU at once), between 10 and 100 ms.
     */
    private boolean checkCpuTime(long now) {
        java.util.Optional<CgroupStats> stats = cgroup.liveStats();
        if (stats.map(s -> s.oomKills().orElse(0) > 0).orElse(false)) {
            events.limitReached(RunStatus.MEMORY_LIMIT);
        }
        long used = stats.flatMap(s -> s.cpuTimeUs().isPresent()
                        ? java.util.Optional.of(s.cpuTimeUs().getAsLong())
                        : java.util.Optional.empty())
                .orElse(0L);
        if (used >= cpuLimitMicros) {
            cpuTimeExceeded = true;
            events.limitReached(RunStatus.CPU_TIME_LIMIT);
            LOG.debug(
                    "sandbox {}: CPU time {} us reached the limit of {} us; killing the run",
                    config.id(),
                    used,
                    cpuLimitMicros);
            kill();
            return true;
        }
        long leftNanos = cpuLimitMicros == Long.MAX_VALUE
                ? Long.MAX_VALUE
                : (cpuLimitMicros - used)
                        * 1000
                        / Math.max(1, Runtime.getRuntime().availableProcessors());
        nextCpuCheckNanos = now + Math.max(CPU_CHECK_MIN_NANOS, Math.min(CPU_CHECK_MAX_NANOS, leftNanos / 2));
        return false;
    }

    /** An OOM kill in the moments since the last look is still told before the end. */
    private void lastLookForOom() {
        if (events.wantsLiveLimits()
                && cgroup.liveStats().map(s -> s.oomKills().orElse(0) > 0).orElse(false)) {
            events.limitReached(RunStatus.MEMORY_LIMIT);
        }
    }

    /**
     * Init waits in its namespaces: the user-mode stack and its rules go in now, and only then may it start the
     * program. A failure kills the run, whose setup error it becomes.
     */
    private void attachNetwork(int initPid) {
        try {
            network = UserNetwork.attach(
                    config.network(), initPid, LauncherBinary.get().privateDirectory());
            control.send(LaunchPlan.frame(Wire.MSG_RELEASE, new byte[0]));
        } catch (SandboxSetupException e) {
            networkFailure = e;
            kill();
        } catch (RuntimeException e) {
            // A tool gone since build() checked for it, or a resolver failure of another kind: still the run's setup.
            networkFailure = new SandboxSetupException("network", 0, String.valueOf(e.getMessage()));
            kill();
        } catch (IOException e) {
            // The launcher is gone: its end is what the channel reports next.
        }
    }

    private void endNetwork() {
        UserNetwork n = network;
        if (n != null) {
            network = null;
            refusedConnections = n.refusedCount(); // the rules' namespace lives until the stack lets go of it
            n.close();
        }
    }

    private void violation(LauncherEvent.Violation v) {
        if (firstViolation == null) {
            firstViolation = v;
            // The launcher may pass on the program's first call before its report of the exec.
            if (execOk) {
                config.seccompSupervision().ifPresent(s -> events.seccompViolation(s.describe(v)));
            }
        }
        workloadKilledForViolation |= v.workload() && v.killed();
    }

    private static long pollDelay(OutputCollector collector, long otherwise) {
        long d = collector == null ? 0 : collector.nextPollDelayMillis();
        return d == 0 ? otherwise : Math.min(d, otherwise);
    }

    private static void poll(OutputCollector collector) {
        if (collector != null) {
            collector.poll();
        }
    }

    /**
     * Kills the whole sandbox. With a PID namespace the launcher tells init, whose {@code kill(-1)} reaches every
     * process in it. Without one, init knows only its descendants (a double fork or setsid slips out of its
     * reach for a moment), so the run's cgroup is killed instead where there is one: every process of the run
     * at once, init included, whose end the launcher reports as aborted (the result says SIGKILL).
     */
    void kill() {
        killFor(null, null);
    }

    /**
     * As {@link #kill()}, for a reason of sandbox4j's own ({@code null}: the caller's or the timeout's); the run
     * then ends with {@link RunAbortedException} unless the program ended first. Only the first kill counts.
     */
    void killFor(RunAbortedException.Reason reason, String detail) {
        if (reason != null && ended) {
            return; // its end is reported already (an OOM kill's SIGKILL included): that result stands
        }
        synchronized (killLock) {
            if (killSentNanos != 0) {
                return;
            }
            killSentNanos = System.nanoTime() | 1; // never 0, which means "not sent"
            abortDetail = detail;
            abortedBy = reason;
        }
        if (!config.namespaces().contains(Namespace.PID) && cgroup.killAll()) {
            return;
        }
        ControlChannel c = control;
        try {
            if (c == null) {
                throw new IOException("not connected yet");
            }
            c.send(LaunchPlan.frame(Wire.MSG_KILL, new byte[0]));
        } catch (IOException | RuntimeException e) {
            LauncherProcess p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    /** Forwards a signal to the workload, through the launcher and init. */
    void signal(int signal) {
        try {
            control.send(LaunchPlan.frame(
                    Wire.MSG_SIGNAL, new LaunchPlan.Out().u32(signal).toByteArray()));
        } catch (IOException e) {
            // the sandbox has ended already
        }
    }

    /** Ends a launch that will not be waited for (an error or an interrupt): everything dies now. */
    void abort() {
        if (process != null) {
            process.destroyForcibly();
        }
        ended = true;
        try {
            finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases everything, once; returns the result, or null when the program never ran. */
    SandboxResult finish() throws InterruptedException {
        // A lock, not a monitor: finishing waits for processes and threads, and a virtual thread holding a monitor
        // across those waits would keep its carrier (Java 21 to 23).
        finishing.lock(); // not interruptibly: abort() after an interrupt must still release everything
        try {
            if (finished) {
                return result;
            }
            finished = true;
            try {
                return collect();
            } finally {
                // However collect() ended (an interrupt while waiting, an error), the cgroup must not outlive the run,
                // nor the network stack.
                if (restPipe >= 0) {
                    LibC.libc().close(restPipe); // never taken: the held workload reads end-of-file and exits
                    restPipe = -1;
                }
                endNetwork();
                cgroup.release();
                run.files.release();
            }
        } finally {
            finishing.unlock();
        }
    }

    private SandboxResult collect() throws InterruptedException {
        long wallNanos;
        if (exit != null || aborted != null) {
            wallNanos = System.nanoTime() - startNanos;
            if (exit != null) {
                // Reported as soon as init had the workload's status, while init still takes the namespaces down:
                // the figures are read meanwhile (the workload is gone; what init adds as it exits does not count).
                cgroup.keepFinalStats();
                awaitInitReaped();
            }
            control.close();
            // Init has been reaped (an abort is reported only then), and the launcher itself is no member of the
            // run's cgroup (it moves init in from outside): the cgroup can go now, while the launcher exits. With
            // a PID namespace, init's end means every task of the run has been reaped: no straggler to look for;
            // without one, any straggler is killed by the release.
            cgroupStats = cgroup.release(config.namespaces().contains(Namespace.PID));
            // Nor is the launcher waited for: its last report was its last act before exiting (it let go of the
            // workload's stdio first), and whoever started it reaps it (the fork server, or the JDK for a
            // launcher of its own) a moment later, off this run's latency.
        } else {
            if (control != null) {
                control.close();
            }
            // No report of init's end (the launcher died or was killed): init may live until its parent-death
            // signal, so wait for the launcher first; the release then kills whatever is still listed, before
            // we wait for end-of-file on the output pipes a straggler could hold open.
            awaitLauncher();
            wallNanos = System.nanoTime() - startNanos;
            cgroupStats = cgroup.release();
        }
        if (stdinWriter != null) {
            stdinWriter.join(); // ends with EPIPE at the latest, now that every reader has exited
        }
        // End-of-file comes once every process holding the pipes is dead, which the kill guaranteed.
        try {
            awaitCollector(stdout);
            awaitCollector(stderr);
        } finally {
            closeCollector(stdout);
            closeCollector(stderr);
        }
        if (process != null) {
            closeQuietly(process.stdin());
            // A piped output's stream belongs to its PipedOutput, which keeps what the caller has not read yet.
            if (!(pipedStdout instanceof PipedOutput)) {
                closeQuietly(process.stdout());
            }
            if (!(pipedStderr instanceof PipedOutput)) {
                closeQuietly(process.stderr());
            }
        }
        endNetwork();
        if (execOk) {
            result = buildResult(Duration.ofNanos(wallNanos));
        }
        return result;
    }

    /**
     * Waits for the launcher's word that it has reaped init, which follows the exit report (or for the end of its
     * control channel). A launcher that says neither within the kill grace is killed: init follows it (PDEATHSIG,
     * PID 1), and the release then finds the cgroup empty or empties it.
     */
    private void awaitInitReaped() throws InterruptedException {
        long deadline = System.nanoTime() + KILL_GRACE_NANOS;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.warn(
                        "sandbox {}: init was not reaped within {} ms of the exit report; killing the launcher",
                        config.id(),
                        TimeUnit.NANOSECONDS.toMillis(KILL_GRACE_NANOS));
                process.destroyForcibly();
                awaitLauncher();
                return;
            }
            LauncherEvent event = control.next(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (event instanceof LauncherEvent.InitReaped || event instanceof LauncherEvent.Closed) {
                return;
            }
            if (event instanceof LauncherEvent.Violation v) {
                violation(v);
            } else if (event instanceof LauncherEvent.Learned l) {
                config.seccompLearner().ifPresent(learner -> learner.record(l));
            }
        }
    }

    private void awaitLauncher() throws InterruptedException {
        if (process != null && !process.waitFor(KILL_GRACE_NANOS)) {
            process.destroyForcibly();
            process.waitFor(Long.MAX_VALUE);
        }
    }

    private void awaitCollector(OutputCollector collector) throws InterruptedException {
        if (collector != null && !collector.await(10_000)) {
            LOG.warn("sandbox {}: an output pipe is still open 10 s after the sandbox ended", config.id());
        }
    }

    private static void closeCollector(OutputCollector collector) {
        if (collector != null) {
            collector.close();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    private SandboxResult buildResult(Duration wall) {
        SandboxResult.Builder r = SandboxResult.builder()
                .id(config.id())
                .mode(config.mode())
                .timedOut(timedOut)
                .wallTime(wall)
                .degradations(degradations)
                .refusedConnections(refusedConnections)
                .stdout(stdout == null ? new byte[0] : stdout.bytes(), stdout != null && stdout.truncated())
                .stderr(stderr == null ? new byte[0] : stderr.bytes(), stderr != null && stderr.truncated());
        if (exit != null) {
            int status = exit.waitStatus();
            if ((status & 0x7f) == 0) {
                r.exitCode((status >> 8) & 0xff);
            } else {
                int signal = status & 0x7f;
                if (signal == Signals.SIGKILL && workloadKilledForViolation) {
                    // The supervisor carried out the profile's KILL_PROCESS, which the kernel cannot do for it (KILL
                    // outranks USER_NOTIF): reported as the kernel's own seccomp kill, SIGSYS, so that 159 keeps its
                    // meaning. A parent inside the sandbox saw SIGKILL.
                    r.signal(Signals.SIGSYS, false);
                } else {
                    r.signal(signal, (status & 0x80) != 0);
                }
                // SIGSYS under an unsupervised filter: the kernel's SECCOMP_RET_KILL_PROCESS, which does not tell
                // the parent which syscall; a workload that raised SIGSYS itself would look the same.
                r.seccompViolation(signal == Signals.SIGSYS && plan.hasSeccomp());
            }
            r.cpu(exit.userMicros(), exit.systemMicros()).maxRssBytes(exit.maxRssKiB() * 1024);
        } else {
            // Init was killed before it could report (forced kill, or the cgroup killed without a PID
            // namespace): the program died with the sandbox.
            int initSignal = aborted == null ? Signals.SIGKILL : aborted.initWaitStatus() & 0x7f;
            r.signal(initSignal == 0 ? Signals.SIGKILL : initSignal, false);
        }
        if (firstViolation != null) {
            r.violation(config.seccompSupervision().orElseThrow().describe(firstViolation));
        }
        r.cgroupStats(cgroupStats).memoryLimitMechanism(run.limits.memory());
        if (run.cpuTimeLimit != null) {
            r.cpuTimeLimit(run.cpuTimeLimit, run.cpuTimeMechanism, cpuTimeExceeded);
        }
        r.files(run.files.collect(config.id()));
        return r.build();
    }

    private SandboxSetupException setupFailure() {
        if (networkFailure != null) {
            return networkFailure;
        }
        if (setupError != null) {
            if (setupError.step().equals("execve") && ProgramNotRunnableException.isProgramError(setupError.errno())) {
                return new ProgramNotRunnableException("execve", setupError.errno(), setupError.detail());
            }
            return new SandboxSetupException(
                    setupError.step(),
                    setupError.errno(),
                    SetupHints.explain(setupError.step(), setupError.errno(), setupError.detail()));
        }
        if (timedOut) {
            return new SandboxSetupException("start", 0, "the timeout expired before the program started");
        }
        String detail = "the launcher ended without starting the program";
        if (process != null && !process.isAlive()) {
            detail += " (" + process.exitDescription() + ")";
        }
        if (stderr != null && stderr.bytes().length > 0) {
            detail += ": " + new String(stderr.bytes(), StandardCharsets.UTF_8).strip();
        }
        return new SandboxSetupException("launcher", 0, detail);
    }

    /** Used by the round-trip test: what the launcher decoded, re-encoded. */
    static byte[] echo(byte[] planPayload) throws InterruptedException, IOException {
        LauncherBinary launcher = LauncherBinary.get();
        Path socket = launcher.newSocketPath("e-");
        Process p = new ProcessBuilder(launcher.path().toString(), "--echo", socket.toString())
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (ControlChannel c =
                ControlChannel.connect(socket, new DirectLauncher(p), System.nanoTime() + CONNECT_LIMIT_NANOS)) {
            c.send(LaunchPlan.frame(Wire.MSG_PLAN, planPayload));
            LauncherEvent e = c.next(10_000);
            if (e instanceof LauncherEvent.Echo echo) {
                return echo.plan();
            }
            if (e instanceof LauncherEvent.SetupError err) {
                throw new SandboxSetupException(err.step(), err.errno(), err.detail());
            }
            throw new IOException("no echo from the launcher: " + e);
        } finally {
            p.destroyForcibly();
            p.waitFor();
            closeQuietly(p.getOutputStream());
            closeQuietly(p.getInputStream());
            closeQuietly(p.getErrorStream());
            Files.deleteIfExists(socket);
        }
    }
}
