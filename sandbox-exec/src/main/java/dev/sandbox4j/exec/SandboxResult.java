package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.core.PrivilegeMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What happened to one sandboxed program. Immutable. {@link #status()} is the one verdict, by the precedence
 * {@link RunStatus} documents; the rest are the figures and flags it was decided from.
 *
 * <p>Exactly one of {@link #exitCode()} and {@link #signal()} is present. A timed-out program was killed
 * with SIGKILL together with everything else in its sandbox.
 *
 * <p>Usage comes from two places. The workload's rusage ({@link #userTime()}, {@link #systemTime()},
 * {@link #maxRssBytes()}: the program plus the children it waited for) is there in every mode when the
 * sandbox's init could report it. The run's cgroup (privileged mode) accounts for every process of the
 * sandbox together; {@link #memoryPeakBytes()} and {@link #cpuTime()} use it where it has the figure and fall
 * back to rusage otherwise, and {@link #memoryPeakSource()} / {@link #cpuTimeSource()} say which.
 * {@link #oomKills()} and {@link #pidsPeak()} exist only with a cgroup.
 *
 * <p>{@link #seccompViolation()} means a process of the sandbox made a system call its seccomp profile refuses.
 * Where the sandbox supervises the filter ({@link SandboxConfig#seccompSupervised()}: the kernel has user
 * notification, and the filter refuses by killing or with an errno) the first such call is named in
 * {@link #violation()} and {@link #blockedSyscall()}, whichever process made it, and the program's own process
 * killed for one is reported as killed by SIGSYS, as the kernel's seccomp kill would be. Otherwise only the
 * program's own death by SIGSYS under a filter is known, and which call it was is not.
 *
 * <p>{@link #degradations()} lists what this run did without, one line each: a step given up because the
 * environment (a container) refused it where that weakens nothing asked for, or an isolation the caller chose
 * to drop (a view without {@code /proc}).
 */
public final class SandboxResult {
    private final String id;
    private final PrivilegeMode mode;
    private final Integer exitCode;
    private final Integer signal;
    private final boolean coreDumped;
    private final boolean timedOut;
    private final boolean seccompViolation;
    private final SeccompViolation violation;
    private final Duration wallTime;
    private final Duration userTime;
    private final Duration systemTime;
    private final long maxRssBytes;
    private final CgroupStats cgroupStats;
    private final LimitMechanism memoryLimitMechanism;
    private final byte[] stdout;
    private final byte[] stderr;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final List<String> degradations;
    private final Duration cpuTimeLimit;
    private final LimitMechanism cpuTimeLimitMechanism;
    private final boolean cpuTimeLimitReached;
    private final RunStatus status;
    private final java.util.Map<java.nio.file.Path, CollectedFile> files;
    private final long refusedConnections;

    private SandboxResult(Builder b) {
        id = b.id;
        mode = b.mode;
        exitCode = b.exitCode;
        signal = b.signal;
        coreDumped = b.coreDumped;
        timedOut = b.timedOut;
        violation = b.violation;
        seccompViolation = b.seccompViolation || violation != null;
        wallTime = b.wallTime;
        userTime = Duration.ofNanos(b.userMicros * 1000);
        systemTime = Duration.ofNanos(b.systemMicros * 1000);
        maxRssBytes = b.maxRssBytes;
        cgroupStats = b.cgroupStats;
        memoryLimitMechanism = b.memoryLimitMechanism;
        stdout = b.stdout;
        stderr = b.stderr;
        stdoutTruncated = b.stdoutTruncated;
        stderrTruncated = b.stderrTruncated;
        degradations = b.degradations;
        refusedConnections = b.refusedConnections;
        if ((exitCode == null) == (signal == null)) {
            throw new IllegalStateException("a result has an exit code or a signal");
        }
        files = b.files;
        cpuTimeLimit = b.cpuTimeLimit;
        cpuTimeLimitMechanism = b.cpuTimeLimitMechanism;
        cpuTimeLimitReached = cpuTimeLimit != null && cpuTimeReached(b);
        status = RunStatus.decide(seccompViolation, oomKilled(), cpuTimeLimitReached, timedOut, signal != null);
    }

    /**
     * With a cgroup: the JVM's watch killed the run, or the tree's CPU time came out at or above the limit anyway
     * (it ended between two looks). With {@code RLIMIT_CPU}: the program died of the SIGXCPU the kernel sends at
     * the limit, or of the SIGKILL a second later having used at least the limit's whole seconds.
     */
    private boolean cpuTimeReached(Builder b) {
        if (cpuTimeLimitMechanism == LimitMechanism.CGROUP) {
            return b.cpuTimeLimitKilled
                    || cgroupStats.cpuTimeUs().isPresent()
                            && cgroupStats.cpuTimeUs().getAsLong() * 1000 >= cpuTimeLimit.toNanos();
        }
        long seconds = cpuTimeLimit.getSeconds() + (cpuTimeLimit.getNano() > 0 ? 1 : 0);
        return signal != null
                && (signal == Signals.SIGXCPU
                        || signal == Signals.SIGKILL
                                && userTime.plus(systemTime).compareTo(Duration.ofSeconds(seconds)) >= 0);
    }

    /**
     * The files read back after the run ({@link RunRequest.Builder#collect}), by their path inside; empty when none
     * were asked for.
     */
    public java.util.Map<java.nio.file.Path, CollectedFile> files() {
        return files;
    }

    /** What happened, in one word: see {@link RunStatus} for the precedence when several things did. */
    public RunStatus status() {
        return status;
    }

    /** The run's CPU-time limit, if it had one (the request's, or the sandbox's). */
    public Optional<Duration> cpuTimeLimit() {
        return Optional.ofNullable(cpuTimeLimit);
    }

    /**
     * How the CPU-time limit was enforced: {@link LimitMechanism#CGROUP} (the whole tree's CPU time, watched by the
     * JVM) or {@link LimitMechanism#RLIMIT} ({@code RLIMIT_CPU}, per process); empty without one.
     */
    public Optional<LimitMechanism> cpuTimeLimitMechanism() {
        return Optional.ofNullable(cpuTimeLimitMechanism);
    }

    /**
     * The report's JSON object, one line, in the field order of the command line's {@code --report} (see
     * README "Report"): what a service writes to give its callers the same document as {@code sandbox-ctl}.
     */
    public String toJson() {
        return SandboxReport.json(this);
    }

    static Builder builder() {
        return new Builder();
    }

    /** The sandbox's id. */
    public String id() {
        return id;
    }

    /** The privilege mode the program ran in. */
    public PrivilegeMode mode() {
        return mode;
    }

    /** The exit code (0-255) if the program exited by itself. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The signal that killed the program, if one did. */
    public OptionalInt signal() {
        return signal == null ? OptionalInt.empty() : OptionalInt.of(signal);
    }

    /** {@code "SIGKILL"} and so on, if a signal killed the program. */
    public Optional<String> signalName() {
        return signal == null ? Optional.empty() : Optional.of(Signals.name(signal));
    }

    /** Whether the kernel wrote a core dump (rare: the default core-size rlimit is 0). */
    public boolean coreDumped() {
        return coreDumped;
    }

    /**
     * True when the program exited with code 0 within its wall-clock time limit. A judge wants {@link #status()}
     * {@code == EXITED} as well, which also rules out a violation, an OOM kill or a reached CPU-time limit.
     */
    public boolean success() {
        return exitCode != null && exitCode == 0 && !timedOut;
    }

    /** Whether the wall-clock timeout expired and the sandbox was killed. */
    public boolean timedOut() {
        return timedOut;
    }

    /**
     * Whether the kernel's OOM killer killed a process of the sandbox because the cgroup memory limit was
     * reached (the program itself, or one of its processes, which the program may have survived). False also
     * when it cannot be known, i.e. without a memory cgroup: then {@link #oomKills()} is empty. A SIGKILL exit
     * status alone does not tell an OOM kill from a timeout.
     */
    public boolean oomKilled() {
        return cgroupStats.oomKilled();
    }

    /**
     * How many processes of the sandbox the OOM killer killed: the memory cgroup's {@code oom_kill} counter.
     * Empty when that is not knowable: no memory cgroup (unprivileged mode, where an allocation beyond the
     * {@code RLIMIT_DATA} limit fails instead of being killed), or a kernel older than 4.13.
     */
    public OptionalLong oomKills() {
        return cgroupStats.oomKills();
    }

    /**
     * How the memory limit was enforced: {@link LimitMechanism#CGROUP} (tree-wide, OOM kill) or
     * {@link LimitMechanism#RLIMIT} (per process, a failed allocation); empty without a memory limit.
     */
    public Optional<LimitMechanism> memoryLimitMechanism() {
        return Optional.ofNullable(memoryLimitMechanism);
    }

    /**
     * Whether a process of the sandbox made a system call the seccomp profile refuses (and was killed for it, or
     * got the profile's errno); see the class comment.
     */
    public boolean seccompViolation() {
        return seccompViolation;
    }

    /** The name of the first refused system call, where the filter was supervised; see the class comment. */
    public Optional<String> blockedSyscall() {
        return violation().map(SeccompViolation::syscall);
    }

    /** The first refused system call in full (number, architecture, arguments, what was done, which process). */
    public Optional<SeccompViolation> violation() {
        return Optional.ofNullable(violation);
    }

    /** From starting the launcher until the sandbox was gone. */
    public Duration wallTime() {
        return wallTime;
    }

    /** CPU time in user mode. */
    public Duration userTime() {
        return userTime;
    }

    /** CPU time in the kernel on the program's behalf. */
    public Duration systemTime() {
        return systemTime;
    }

    /**
     * CPU time the sandbox used: with a cgroup, that of every process of the sandbox together ({@code
     * cpuacct.usage} or {@code cpu.stat usage_usec}); otherwise the workload's user plus system time.
     * {@link #cpuTimeSource()} says which.
     */
    public Duration cpuTime() {
        OptionalLong micros = cgroupStats.cpuTimeUs();
        return micros.isPresent() ? Duration.ofNanos(micros.getAsLong() * 1000) : userTime.plus(systemTime);
    }

    /** Where {@link #cpuTime()} comes from. */
    public UsageSource cpuTimeSource() {
        return cgroupStats.cpuTimeUs().isPresent() ? UsageSource.CGROUP : UsageSource.RUSAGE;
    }

    /** Peak resident set size of the largest single process (rusage semantics), in bytes. */
    public long maxRssBytes() {
        return maxRssBytes;
    }

    /**
     * Peak memory, in bytes: with a memory cgroup, the cgroup's high-water mark for the whole sandbox (v2
     * {@code memory.peak}, v1 {@code memory.max_usage_in_bytes}), which counts page cache and tmpfs too; otherwise
     * {@link #maxRssBytes()}. {@link #memoryPeakSource()} says which.
     */
    public long memoryPeakBytes() {
        return cgroupStats.memoryPeakBytes().orElse(maxRssBytes);
    }

    /** Where {@link #memoryPeakBytes()} comes from. */
    public UsageSource memoryPeakSource() {
        return cgroupStats.memoryPeakBytes().isPresent() ? UsageSource.CGROUP : UsageSource.RUSAGE;
    }

    /**
     * Most tasks (processes and threads) the sandbox had at once, its init included: the pids
     * cgroup's {@code pids.peak}. Empty without a pids cgroup or on kernels without that file.
     */
    public OptionalLong pidsPeak() {
        return cgroupStats.pidsPeak();
    }

    /**
     * The figures the config's further cgroup limits ask for, by name (e.g. {@code io.write_bytes}; see
     * {@link dev.sandbox4j.cgroup.CgroupLimit#statistics}); empty without such limits.
     */
    public Map<String, Long> cgroupStatistics() {
        return cgroupStats.extra();
    }

    /** Captured standard output; empty unless it was {@link Output#capture captured}. */
    public byte[] stdout() {
        return stdout.clone();
    }

    /** Captured standard output decoded as UTF-8. */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public byte[] stderr() {
        return stderr.clone();
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** Whether standard output exceeded its capture limit and the rest was dropped. */
    public boolean stdoutTruncated() {
        return stdoutTruncated;
    }

    public boolean stderrTruncated() {
        return stderrTruncated;
    }

    /**
     * What this run did without, one line each (empty for a run with everything its configuration asked for):
     * e.g. the default hostname, when a container refused {@code sethostname} (the UTS namespace still
     * isolates), {@code /proc}, when the view was built {@code withoutProc()}, or the seccomp filter's refusals, in
     * learn mode ({@link SandboxBuilder#seccompLearning}).
     */
    public List<String> degradations() {
        return degradations;
    }

    /**
     * Under a user-mode network ({@link Network#user()}): how many packets its egress rules refused; a refused
     * connect counts one, a refused datagram one each. Empty for other networks, or when the count could not be
     * read.
     */
    public java.util.OptionalLong refusedConnections() {
        return refusedConnections < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(refusedConnections);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("SandboxResult[").append(id).append(", ");
        s.append(exitCode != null ? "exit " + exitCode : "killed by " + Signals.name(signal));
        s.append(", ").append(status.reportName());
        if (timedOut) {
            s.append(", timed out");
        }
        if (oomKilled()) {
            s.append(", OOM killed");
        }
        if (violation != null) {
            s.append(", seccomp violation: ").append(violation);
        } else if (seccompViolation) {
            s.append(", seccomp violation");
        }
        return s.append(", wall ")
                .append(wallTime.toMillis())
                .append(" ms, cpu ")
                .append(cpuTime().toMillis())
                .append(" ms, memory peak ")
                .append(memoryPeakBytes() / 1024)
                .append(" KiB]")
                .toString();
    }

    static final class Builder {
        private String id;
        private PrivilegeMode mode;
        private Integer exitCode;
        private Integer signal;
        private boolean coreDumped;
        private boolean timedOut;
        private boolean seccompViolation;
        private SeccompViolation violation;
        private Duration wallTime = Duration.ZERO;
        private long userMicros;
        private long systemMicros;
        private long maxRssBytes;
        private CgroupStats cgroupStats = CgroupStats.EMPTY;
        private LimitMechanism memoryLimitMechanism;
        private byte[] stdout = new byte[0];
        private byte[] stderr = new byte[0];
        private boolean stdoutTruncated;
        private boolean stderrTruncated;
        private List<String> degradations = List.of();
        private Duration cpuTimeLimit;
        private LimitMechanism cpuTimeLimitMechanism;
        private boolean cpuTimeLimitKilled;
        private java.util.Map<java.nio.file.Path, CollectedFile> files = java.util.Map.of();
        private long refusedConnections = -1;

        Builder id(String v) {
            id = Objects.requireNonNull(v);
            return this;
        }

        Builder mode(PrivilegeMode v) {
            mode = Objects.requireNonNull(v);
            return this;
        }

        Builder exitCode(int v) {
            exitCode = v;
            return this;
        }

        Builder signal(int v, boolean core) {
            signal = v;
            coreDumped = core;
            return this;
        }

        Builder timedOut(boolean v) {
            timedOut = v;
            return this;
        }

        Builder seccompViolation(boolean v) {
            seccompViolation = v;
            return this;
        }

        Builder violation(SeccompViolation v) {
            violation = v;
            return this;
        }

        Builder wallTime(Duration v) {
            wallTime = v;
            return this;
        }

        Builder cpu(long user, long system) {
            userMicros = user;
            systemMicros = system;
            return this;
        }

        Builder maxRssBytes(long v) {
            maxRssBytes = v;
            return this;
        }

        Builder cgroupStats(CgroupStats v) {
            cgroupStats = Objects.requireNonNull(v);
            return this;
        }

        Builder memoryLimitMechanism(LimitMechanism v) {
            memoryLimitMechanism = v;
            return this;
        }

        Builder stdout(byte[] v, boolean truncated) {
            stdout = v;
            stdoutTruncated = truncated;
            return this;
        }

        Builder stderr(byte[] v, boolean truncated) {
            stderr = v;
            stderrTruncated = truncated;
            return this;
        }

        Builder degradations(List<String> v) {
            degradations = List.copyOf(v);
            return this;
        }

        Builder files(java.util.Map<java.nio.file.Path, CollectedFile> v) {
            files = v;
            return this;
        }

        Builder cpuTimeLimit(Duration limit, LimitMechanism how, boolean killed) {
            cpuTimeLimit = limit;
            cpuTimeLimitMechanism = how;
            cpuTimeLimitKilled = killed;
            return this;
        }

        Builder refusedConnections(long v) {
            refusedConnections = v;
            return this;
        }

        SandboxResult build() {
            return new SandboxResult(this);
        }
    }
}
