package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupLimit;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.LandlockSupport;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import dev.sandbox4j.seccomp.SeccompProfileRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Collects the settings of a sandbox; {@link #build()} validates them all at once and returns an
 * immutable {@link SandboxConfig}. Every setter returns this builder. Values are checked for form when set
 * (a negative size fails at once) and for consistency at {@code build()} (a hostname without a UTS
 * namespace, a uid the map does not cover, a privileged mode the process cannot have).
 *
 * <pre>{@code
 * SandboxConfig config = SandboxConfig.builder()
 *         .timeout(Duration.ofSeconds(10))
 *         .memoryLimit(256L << 20)
 *         .passEnv("LANG")
 *         .build();
 * }</pre>
 */
public final class SandboxBuilder {
    String id;
    PrivilegeMode mode = PrivilegeMode.AUTO;
    NamespaceConfig namespaces = NamespaceConfig.all();
    Long uid;
    Long gid;
    IdMap uidMap;
    IdMap gidMap;
    String hostname;
    Path cwd;
    Duration timeout;
    /** The longest timeout: 2^63-1 nanoseconds, about 292 years. */
    static final Duration MAX_TIMEOUT = Duration.ofNanos(Long.MAX_VALUE);

    CgroupConfig limits = CgroupConfig.NONE;
    RlimitConfig rlimits = RlimitConfig.defaults();
    SeccompFilter seccompFilter;
    SeccompLearner seccompLearner;
    BpfProgram seccompProgram;
    Input stdin = Input.none();
    Output stdout = Output.capture();
    Output stderr = Output.capture();
    boolean inheritEnv;
    final Set<String> passEnv = new LinkedHashSet<>();
    final Map<String, String> env = new LinkedHashMap<>(); // a null value removes the variable
    Map<String, String> hostEnv = System.getenv();
    FilesystemView filesystem;
    LandlockRules landlock;
    boolean forkServer = true;
    boolean withoutProc;
    Duration cpuTimeLimit;
    Duration killGrace = Duration.ZERO;
    Long swapBytes;
    Network network; // null: as the namespaces say (own network namespace: none; without one: host)

    SandboxBuilder() {}

    /** A copy of every setting of {@code other}, which it then no longer shares anything mutable with. */
    SandboxBuilder(SandboxBuilder other) {
        id = other.id;
        mode = other.mode;
        namespaces = other.namespaces;
        uid = other.uid;
        gid = other.gid;
        uidMap = other.uidMap;
        gidMap = other.gidMap;
        hostname = other.hostname;
        cwd = other.cwd;
        timeout = other.timeout;
        limits = other.limits;
        rlimits = other.rlimits;
        seccompFilter = other.seccompFilter;
        seccompLearner = other.seccompLearner;
        seccompProgram = other.seccompProgram;
        stdin = other.stdin;
        stdout = other.stdout;
        stderr = other.stderr;
        inheritEnv = other.inheritEnv;
        passEnv.addAll(other.passEnv);
        env.putAll(other.env);
        hostEnv = other.hostEnv;
        filesystem = other.filesystem;
        landlock = other.landlock;
        forkServer = other.forkServer;
        withoutProc = other.withoutProc;
        cpuTimeLimit = other.cpuTimeLimit;
        killGrace = other.killGrace;
        swapBytes = other.swapBytes;
        network = other.network;
    }

    /**
     * A name for this sandbox, reported in results and logs and part of its cgroups' directory names; a random
     * one by default.
     */
    public SandboxBuilder id(String id) {
        this.id = SandboxCgroups.checkSandboxId(id);
        return this;
    }

    /** {@link PrivilegeMode#AUTO} by default: privileged when this process can be. */
    public SandboxBuilder privilegeMode(PrivilegeMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** All seven namespaces by default. */
    public SandboxBuilder namespaces(NamespaceConfig namespaces) {
        this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
        return this;
    }

    /**
     * The uid the program runs as inside the sandbox; 0 by default (root of its own user namespace, an
     * unprivileged id on the host). Without a user namespace this is a host uid and must not be 0.
     */
    public SandboxBuilder uid(long uid) {
        this.uid = checkId("uid", uid);
        return this;
    }

    /** The gid the program runs as inside the sandbox; see {@link #uid(long)}. */
    public SandboxBuilder gid(long gid) {
        this.gid = checkId("gid", gid);
        return this;
    }

    /**
     * An explicit uid map instead of the default (a caller's own uid when unprivileged; for root, its
     * {@code /etc/subuid} range or else 65534). The kernel decides whether the caller may write it; a
     * refusal is a setup error naming the map. A map that includes host uid 0 is refused here.
     */
    public SandboxBuilder uidMap(IdMap map) {
        this.uidMap = Objects.requireNonNull(map, "map");
        return this;
    }

    /** An explicit gid map; see {@link #uidMap(IdMap)}. */
    public SandboxBuilder gidMap(IdMap map) {
        this.gidMap = Objects.requireNonNull(map, "map");
        return this;
    }

    /** The hostname inside; needs the UTS namespace. {@code "sandbox"} by default. */
    public SandboxBuilder hostname(String hostname) {
        if (hostname == null
                || hostname.isEmpty()
                || hostname.length() > 64
                || !hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            throw new InvalidConfigException("hostname", hostname, "use 1 to 64 of A-Z a-z 0-9 . - (not at the ends)");
        }
        this.hostname = hostname;
        return this;
    }

    /**
     * Weaker: no fresh {@code /proc} inside, not even the one a filesystem view declares. For containers whose
     * masked {@code /proc} makes the kernel refuse a new proc mount (and whose settings cannot be changed): the
     * program still runs in its own PID namespace, but ps, /proc/self and tools that read them fail. Every
     * result lists it in {@link SandboxResult#degradations()}.
     */
    public SandboxBuilder withoutProc() {
        this.withoutProc = true;
        return this;
    }

    /**
     * The sandbox's network: {@link Network#none()} (the default: its own namespace with only {@code lo}),
     * {@link Network#host()} (the host's namespace: weaker, listed in every result's degradations) or
     * {@link Network#user()} (its own namespace connected through a user-mode stack, with egress rules). Sets the
     * network namespace accordingly, whatever {@link #namespaces(NamespaceConfig)} says.
     */
    public SandboxBuilder network(Network network) {
        this.network = Objects.requireNonNull(network, "network");
        return this;
    }

    /** The working directory inside (absolute). By default the program starts where the JVM is. */
    public SandboxBuilder cwd(Path cwd) {
        if (cwd == null || !cwd.isAbsolute()) {
            throw new InvalidConfigException("working directory", String.valueOf(cwd), "must be an absolute path");
        }
        this.cwd = cwd.normalize();
        return this;
    }

    /**
     * Wall-clock limit per run, enforced from Java: at expiry the whole sandbox is killed and the result
     * says {@code timedOut}. None by default.
     */
    public SandboxBuilder timeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidConfigException("timeout", String.valueOf(timeout), "must be positive");
        }
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            // Deadlines are System.nanoTime() arithmetic: a longer timeout would overflow it.
            throw new InvalidConfigException(
                    "timeout",
                    String.valueOf(timeout),
                    "too long; the longest timeout is " + MAX_TIMEOUT.toDays() + " days (2^63-1 nanoseconds)");
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * {@link #timeout(Duration)} from text as the command line takes it: {@code "1.5s"}, {@code "500ms"},
     * {@code "2m"}, or a bare number of seconds.
     *
     * @throws InvalidConfigException naming the text when it is not a duration or not a valid timeout
     */
    public SandboxBuilder timeout(String duration) {
        Duration parsed = dev.sandbox4j.core.Durations.parse("timeout", duration);
        try {
            return timeout(parsed);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("timeout", duration, e.problem()); // as the caller wrote it
        }
    }

    /**
     * CPU time per run, user plus system, of the whole sandbox where the run has a cgroup (privileged mode): the
     * JVM watches the cgroup's CPU usage and kills the run when it reaches the limit. Without a cgroup,
     * {@code RLIMIT_CPU} per process, rounded up to whole seconds (the kernel kills a process that reaches it).
     * {@link SandboxConfig#cpuTimeLimitMechanism()} says which. A run that reaches it ends with
     * {@link RunStatus#CPU_TIME_LIMIT}. None by default; unlike {@link #cpuPercent(double)}, which limits a rate,
     * this limits an amount, apart from the wall-clock {@link #timeout(Duration)}.
     */
    public SandboxBuilder cpuTimeLimit(Duration limit) {
        this.cpuTimeLimit = RunRequest.checkPositive("cpu time limit", limit);
        return this;
    }

    /**
     * How a timeout stops the run: with a grace period, the program first gets SIGTERM (through the sandbox's
     * init), and the whole sandbox is killed with SIGKILL only when it still runs after the grace. {@link
     * Duration#ZERO}, the default, kills at once: the time limit is exactly the timeout. A reached CPU-time or
     * memory limit always kills at once.
     */
    public SandboxBuilder killGrace(Duration grace) {
        this.killGrace = RunRequest.checkGrace(grace);
        return this;
    }

    /**
     * Memory limit in bytes, at least {@link CgroupConfig#MIN_MEMORY_BYTES 4 MiB} (what the launcher and the sandbox's namespaces need before the
     * workload runs). In privileged mode a limit on the sandbox's cgroup: the whole tree's memory, page cache and
     * tmpfs included, and the kernel OOM-kills inside the sandbox when it is reached ({@link
     * SandboxResult#oomKilled()}). In unprivileged mode {@code RLIMIT_DATA} per process: an allocation beyond it
     * fails instead. {@link SandboxConfig#memoryLimitMechanism()} says which; {@link LimitMechanism} what each
     * guarantees.
     */
    public SandboxBuilder memoryLimit(long bytes) {
        limits = limits.toBuilder().memoryBytes(bytes).build();
        return this;
    }

    /**
     * {@link #memoryLimit(long)} from text as the command line takes it: {@code "256M"}, {@code "1.5G"},
     * {@code "512MiB"} (powers of 1024 whatever the spelling; fractions round down).
     *
     * @throws InvalidConfigException naming the text when it is not a size or not a valid limit
     */
    public SandboxBuilder memoryLimit(String size) {
        long bytes = dev.sandbox4j.core.Sizes.parse("memory limit", size);
        try {
            return memoryLimit(bytes);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("memory limit", size, e.problem()); // as the caller wrote it
        }
    }

    /**
     * Swap the sandbox may use on top of its {@link #memoryLimit(long) memory limit}, in bytes; 0 (no swap) by
     * default, so that a memory limit is not silently a memory-plus-disk limit. Needs the memory limit, held by a
     * cgroup: {@code build()} refuses it where memory falls back to {@code RLIMIT_DATA} (unprivileged mode).
     */
    public SandboxBuilder swapLimit(long bytes) {
        dev.sandbox4j.cgroup.CgroupConfig.builder()
                .memoryBytes(64L << 20)
                .swapBytes(bytes); // its own rule, checked now
        this.swapBytes = bytes;
        return this;
    }

    /**
     * CPU limit in percent of one CPU: 20 = a fifth of a CPU, 150 = one and a half, at most 100 per CPU this JVM
     * may use and at least 1. Enforced by the cgroup cpu controller (CFS quota per 100 ms), so it needs
     * privileged mode: {@code build()} refuses it where no cpu cgroup can be used, since no rlimit limits a
     * rate; bound such runs with {@link #timeout(Duration)} instead.
     */
    public SandboxBuilder cpuPercent(double percent) {
        limits = limits.toBuilder().cpuPercent(percent).build();
        return this;
    }

    /** Removes a CPU limit set before ({@link #cpuPercent(double)} or {@link #cpuQuota(long, long)}). */
    public SandboxBuilder noCpuLimit() {
        limits = limits.toBuilder().noCpuLimit().build();
        return this;
    }

    /**
     * CPU limit as CFS bandwidth: at most {@code quotaUs} of CPU time per {@code periodUs} (1 ms to 1 s) of wall
     * time, summed over all CPUs. A longer period allows bursts; below 1 % of a CPU only this form works.
     * Privileged mode only, like {@link #cpuPercent(double)}, which it replaces.
     */
    public SandboxBuilder cpuQuota(long quotaUs, long periodUs) {
        limits = limits.toBuilder().cpuQuota(quotaUs, periodUs).build();
        return this;
    }

    /**
     * Relative CPU share under contention, 1 to 10000 (the kernel's default is 100; cgroup v1 gets
     * {@code cpu.shares} = weight × 1024 / 100). Privileged mode only.
     */
    public SandboxBuilder cpuWeight(int weight) {
        limits = limits.toBuilder().cpuWeight(weight).build();
        return this;
    }

    /**
     * Maximum processes and threads, at least {@value CgroupConfig#MIN_PIDS}: the sandbox's init counts as one, and the
     * program as another. In privileged
     * mode the cgroup's {@code pids.max}, for this sandbox alone. In unprivileged mode {@code RLIMIT_NPROC},
     * which the kernel counts per host uid: every process of that uid counts (an unprivileged caller's own
     * processes too).
     */
    public SandboxBuilder pidsLimit(long pids) {
        limits = limits.toBuilder().maxPids(pids).build();
        return this;
    }

    /**
     * A further cgroup limit: {@link dev.sandbox4j.cgroup.IoLimit}, {@link dev.sandbox4j.cgroup.CpusetLimit},
     * {@link dev.sandbox4j.cgroup.HugetlbLimit} or a team's own {@link CgroupLimit}, checked at once (see
     * {@link CgroupLimit} for what). It needs a cgroup: in unprivileged mode, or where its controller cannot be
     * used, {@code build()} refuses it rather than run without it. The figures it asks for come back in
     * {@link SandboxResult#cgroupStatistics()}.
     */
    public SandboxBuilder cgroupLimit(CgroupLimit limit) {
        limits = limits.toBuilder().limit(limit).build();
        return this;
    }

    /** Explicit rlimits; {@link RlimitConfig#defaults()} (no core dumps) by default. */
    public SandboxBuilder rlimits(RlimitConfig rlimits) {
        this.rlimits = Objects.requireNonNull(rlimits, "rlimits");
        return this;
    }

    /**
     * A built-in seccomp profile; none by default. The filter is compiled for this machine's architecture
     * at {@code build()} and installed last before execve, with no-new-privs set. A syscall the profile
     * does not permit kills the program, and the result reports a seccomp violation.
     */
    public SandboxBuilder seccomp(SeccompProfile profile) {
        return seccomp(Objects.requireNonNull(profile, "profile").filter());
    }

    /**
     * A seccomp profile by name or file: a built-in name ({@code io-heavy}), a profile registered in
     * {@link SeccompProfileRegistry#standard()}, {@code NAME.json} in its directories, or the path of an
     * OCI/Docker JSON profile (anything with a {@code /} or ending in {@code .json}).
     *
     * @throws dev.sandbox4j.core.InvalidConfigException naming the value, or the file, JSON path and problem
     */
    public SandboxBuilder seccomp(String nameOrFile) {
        return seccomp(SeccompProfileRegistry.standard().resolve(nameOrFile).filter());
    }

    /**
     * Learn mode, <b>for trusted runs only</b>: the program runs under the {@link #seccomp(SeccompFilter)
     * filter}, but every call the filter would refuse with its default action is let through and recorded in
     * {@code learner} ({@link SeccompLearner#learnedFilter} then gives the filter widened by what was used).
     * A let-through call is not a security boundary. Needs a seccomp filter whose refusals can be supervised
     * (default action KILL_PROCESS or ERRNO) and seccomp user notification with
     * {@code SECCOMP_USER_NOTIF_FLAG_CONTINUE} (Linux 5.5); {@code build()} refuses otherwise. {@code null}
     * turns it off.
     */
    public SandboxBuilder seccompLearning(SeccompLearner learner) {
        this.seccompLearner = learner;
        return this;
    }

    /** A custom seccomp filter, e.g. a profile's {@link SeccompFilter#toBuilder() variant}. */
    public SandboxBuilder seccomp(SeccompFilter filter) {
        this.seccompFilter = Objects.requireNonNull(filter, "filter");
        this.seccompProgram = null;
        return this;
    }

    /**
     * An already compiled filter, installed as is; it must check the architecture itself. For programs
     * from elsewhere (an exported profile); prefer {@link #seccomp(SeccompFilter)}.
     */
    public SandboxBuilder seccompProgram(BpfProgram program) {
        this.seccompProgram = Objects.requireNonNull(program, "program");
        this.seccompFilter = null;
        return this;
    }

    /** No seccomp filter (the default). */
    public SandboxBuilder noSeccomp() {
        this.seccompFilter = null;
        this.seccompProgram = null;
        return this;
    }

    /** Standard input; {@link Input#none()} by default. */
    public SandboxBuilder stdin(Input stdin) {
        this.stdin = Objects.requireNonNull(stdin, "stdin");
        return this;
    }

    /** Standard output; {@link Output#capture()} by default. */
    public SandboxBuilder stdout(Output stdout) {
        this.stdout = Objects.requireNonNull(stdout, "stdout");
        return this;
    }

    /** Standard error; {@link Output#capture()} by default. */
    public SandboxBuilder stderr(Output stderr) {
        this.stderr = Objects.requireNonNull(stderr, "stderr");
        return this;
    }

    /** Sets a variable, overriding defaults, inherited and passed-through values. */
    public SandboxBuilder env(String name, String value) {
        env.put(checkName(name), checkValue(name, Objects.requireNonNull(value, "value")));
        return this;
    }

    /** Removes a variable, e.g. one of the defaults or an inherited one. */
    public SandboxBuilder unsetEnv(String name) {
        env.put(checkName(name), null);
        return this;
    }

    /** Copies these variables from the JVM's environment at {@code build()}, where they are set. */
    public SandboxBuilder passEnv(String... names) {
        Arrays.stream(names).map(SandboxBuilder::checkName).forEach(passEnv::add);
        return this;
    }

    /**
     * Starts from the JVM's entire environment instead of the clean default. Off by default: an
     * environment routinely carries secrets (tokens, cloud credentials) a sandboxed program must not see.
     */
    public SandboxBuilder inheritEnv(boolean inherit) {
        this.inheritEnv = inherit;
        return this;
    }

    /** For tests: the environment {@link #passEnv} and {@link #inheritEnv} read. */
    SandboxBuilder hostEnvironment(Map<String, String> hostEnv) {
        this.hostEnv = Map.copyOf(hostEnv);
        return this;
    }

    /**
     * Validates everything and resolves what depends on the host (privilege mode, id maps).
     *
     * @throws InvalidConfigException for inconsistent settings
     * @throws dev.sandbox4j.core.PermissionDeniedException when the requested mode needs a capability or
     *         cgroup access this process lacks
     * @throws dev.sandbox4j.core.FeatureUnavailableException when the host lacks what the mode needs (user
     *         namespaces, a cgroup controller), in particular a {@link dev.sandbox4j.cgroup.CgroupUnavailableException}
     *         when an explicitly privileged sandbox's limit needs a cgroup controller that cannot be used, or when a
     *         cpu limit is set where no cpu cgroup can enforce it (unprivileged mode)
     */
    public SandboxConfig build() {
        return build(Host.live());
    }

    /** Against a described host instead of this machine. */
    SandboxConfig build(Host host) {
        return new SandboxConfig(this, host);
    }

    /** For tests: this machine, but with the given identity and mode resolution. */
    SandboxConfig build(HostIdentity identity, UnaryOperator<PrivilegeMode> resolver) {
        return build(identity, resolver, CgroupHost.live());
    }

    /** For tests: this machine, but with the given identity, mode resolution and cgroups. */
    SandboxConfig build(HostIdentity identity, UnaryOperator<PrivilegeMode> resolver, CgroupHost cgroups) {
        return build(new Host() {
            @Override
            public HostIdentity identity() {
                return identity;
            }

            @Override
            public PrivilegeMode resolve(PrivilegeMode requested) {
                return resolver.apply(requested);
            }

            @Override
            public boolean seccompUserNotification() {
                return Host.live().seccompUserNotification();
            }

            @Override
            public LandlockSupport landlock() {
                return Host.live().landlock();
            }

            @Override
            public CgroupHost cgroups() {
                return cgroups;
            }

            @Override
            public Optional<IdMap.Range> subordinateIds(Path file, String user, long id) {
                return Host.live().subordinateIds(file, user, id);
            }

            @Override
            public Optional<String> userNetworkUnavailable() {
                return Host.live().userNetworkUnavailable();
            }
        });
    }

    private static long checkId(String what, long id) {
        if (id < 0 || id >= 0xFFFFFFFFL) {
            throw new InvalidConfigException(what, Long.toString(id), "must be 0 to 4294967294");
        }
        return id;
    }

    static String checkName(String name) {
        if (name == null
                || name.isEmpty()
                || name.indexOf('=') >= 0
                || name.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new InvalidConfigException(
                    "environment variable name", name, "must be non-empty, without '=', spaces or control characters");
        }
        return name;
    }

    private static String checkValue(String name, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidConfigException(
                    "environment variable " + name, value.replace('\0', '?'), "contains a NUL character");
        }
        return value;
    }

    /**
     * What the program sees of the filesystem: a new root assembled from host directories, tmpfs,
     * overlays… (e.g. {@link FilesystemView#defaults()}), or an existing directory as root. Needs the mount
     * namespace; a fresh /proc in the view also needs the PID namespace. Without one (the default) the
     * program sees the host's filesystem with its unprivileged host identity.
     */
    public SandboxBuilder filesystem(FilesystemView view) {
        this.filesystem = Objects.requireNonNull(view, "view");
        return this;
    }

    /** The host's filesystem, as seen by the program's host identity (the default). */
    public SandboxBuilder hostFilesystem() {
        this.filesystem = null;
        return this;
    }

    /**
     * Landlock rules: the paths the program may read, write or execute, everything else denied by the
     * kernel. Applied after the mounts and before seccomp; without a mount namespace they are what keeps
     * the program to its paths. The rights are negotiated with the kernel's Landlock ABI at {@code build()};
     * on a kernel without Landlock, {@link LandlockRules#bestEffort() best-effort} rules are skipped with a
     * warning and required ones fail the build.
     */
    public SandboxBuilder landlock(LandlockRules rules) {
        this.landlock = Objects.requireNonNull(rules, "rules");
        return this;
    }

    /**
     * How each run's launcher is started. {@code true} (the default): by the JVM's fork server, a launcher
     * started once per JVM that forks a fresh launcher per run; a run then costs a fork of that small static
     * process instead of the JVM's own spawn path (jspawnhelper and an extra exec, several milliseconds).
     * {@code false}: a launcher per run, started by ProcessBuilder; what a one-shot process that runs a single
     * sandbox prefers, since it spares loading the native binding the fork server is driven through (about
     * 190 ms) and the server's own start. The sandbox itself is the same either way.
     */
    public SandboxBuilder forkServer(boolean forkServer) {
        this.forkServer = forkServer;
        return this;
    }

    static final List<String> DEFAULT_PATH_DIRS =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
}
