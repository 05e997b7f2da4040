package dev.sandbox4j.exec;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * A program a {@link Sandbox} is running, from {@link Sandbox#runs()}: what it is, where it is, what it uses now,
 * and a way to end it. A snapshot of the identifiers taken when listed; {@link #usage()} and {@link #isAlive()}
 * read the present. Whoever started the run (its {@code run} call, or its {@link SandboxProcess}) still gets its
 * result; a run ended here reports SIGKILL, as {@link SandboxProcess#destroyForcibly()} does.
 */
public final class ActiveRun {
    private final Execution execution;
    private final String id;
    private final List<String> command;
    private final Instant startTime;
    private final long initHostPid;
    private final OptionalLong pid;
    private final OptionalLong hostPid;

    private ActiveRun(
            Execution execution,
            String id,
            List<String> command,
            Instant startTime,
            long initHostPid,
            OptionalLong pid,
            OptionalLong hostPid) {
        this.execution = execution;
        this.id = id;
        this.command = command;
        this.startTime = startTime;
        this.initHostPid = initHostPid;
        this.pid = pid;
        this.hostPid = hostPid;
    }

    /** A view of {@code execution} as it is now; null when its program has not been exec'd yet or has ended. */
    static ActiveRun of(Execution execution) {
        long init = execution.initPid();
        if (init <= 0 || !execution.isRunning()) {
            return null;
        }
        // The workload is init's one child (init forks nothing else); gone already when the list is empty.
        List<Long> children = ProcTree.children(init);
        OptionalLong host = children.isEmpty() ? OptionalLong.empty() : OptionalLong.of(children.get(0));
        OptionalLong inside = host.isPresent() ? ProcTree.innermostPid(host.getAsLong()) : OptionalLong.empty();
        return new ActiveRun(
                execution, execution.runId(), execution.command(), execution.startTime(), init, inside, host);
    }

    /** This run's id: the sandbox's id and a number counting its runs, e.g. {@code judge-17}. */
    public String id() {
        return id;
    }

    /** The program and its arguments, as given. */
    public List<String> command() {
        return command;
    }

    /** When the run was launched. */
    public Instant startTime() {
        return startTime;
    }

    /** The program's pid as it sees itself inside the sandbox; empty if it has already exited. */
    public OptionalLong pid() {
        return pid;
    }

    /** The program's pid on the host; empty if it has already exited. */
    public OptionalLong hostPid() {
        return hostPid;
    }

    /** The host pid of the sandbox's init, the ancestor of every process of the run. */
    public long initHostPid() {
        return initHostPid;
    }

    /** Whether the run has not ended yet. */
    public boolean isAlive() {
        return execution.isRunning();
    }

    /**
     * What the run uses now: from its cgroup when it has one (privileged mode), else from the host's {@code /proc},
     * summed over the sandbox's live processes.
     */
    public RunUsage usage() {
        List<Long> tree = ProcTree.of(initHostPid);
        java.util.Optional<RunUsage> fromCgroup = execution.cgroupUsage(tree.size());
        if (fromCgroup.isPresent()) {
            return fromCgroup.get();
        }
        long cpu = 0;
        long rss = 0;
        boolean anyRss = false;
        for (long p : tree) {
            cpu += ProcTree.cpuMicros(p).orElse(0);
            OptionalLong r = ProcTree.rssBytes(p);
            if (r.isPresent()) {
                rss += r.getAsLong();
                anyRss = true;
            }
        }
        return new RunUsage(
                Duration.ofNanos(cpu * 1000),
                anyRss ? OptionalLong.of(rss) : OptionalLong.empty(),
                tree.size(),
                UsageSource.RUSAGE);
    }

    /** Kills the run's whole sandbox at once; returns without waiting for its end. */
    public void kill() {
        execution.kill();
    }

    @Override
    public String toString() {
        return "ActiveRun[" + id + " " + command + ", init " + initHostPid + ", started " + startTime + "]";
    }
}
