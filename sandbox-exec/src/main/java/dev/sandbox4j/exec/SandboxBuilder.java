package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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

    SandboxBuilder() {
    }

    /**
     * A name for this sandbox, reported in results and logs and part of its cgroups' directory names; a random
     * one by default.
     */
    public SandboxBuilder id(String id) {
        // The cgroup library's rule: a leading '-' or '.' would make the directory name confusing or hidden.
        if (id == null || id.length() > 64 || !id.matches("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?")) {
            throw new InvalidConfigException("sandbox id", id,
                    "use 1 to 64 of A-Z a-z 0-9 _ . - (starting with a letter, digit or _, not ending with -)");
        }
        this.id = id;
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
        if (hostname == null || hostname.isEmpty() || hostname.length() > 64
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
            throw new InvalidConfigException("timeout", String.valueOf(timeout),
                    "too long; the longest timeout is " + MAX_TIMEOUT.toDays() + " days (2^63-1 nanoseconds)");
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Memory limit in bytes, at least 4 MiB (what the launcher and the sandbox's namespaces need before the
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
     * Maximum processes and threads, at least 3: the sandbox's init counts as one, and the program as another. In privileged
     * mode the cgroup's {@code pids.max}, for this sandbox alone. In unprivileged mode {@code RLIMIT_NPROC},
     * which the kernel counts per host uid: every process of that uid counts (an unprivileged caller's own
     * processes too).
     */
    public SandboxBuilder pidsLimit(long pids) {
        // CgroupConfig takes an int: values outside it are refused here, naming the caller's own value.
        if (pids < 1 || pids > CgroupConfig.MAX_PIDS) {
            throw new InvalidConfigException("pids limit", Long.toString(pids), pids < 1
                    ? "must be positive; leave it unset for no limit"
                    : "above the kernel's maximum of " + CgroupConfig.MAX_PIDS);
        }
        limits = limits.toBuilder().maxPids((int) pids).build();
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
        return new SandboxConfig(this, HostIdentity.current(), SandboxConfig::resolveOnThisHost, CgroupHost.live());
    }

    /** For tests: build against a given identity and mode resolution instead of this host's. */
    SandboxConfig build(HostIdentity identity, java.util.function.UnaryOperator<PrivilegeMode> resolver) {
        return new SandboxConfig(this, identity, resolver, CgroupHost.live());
    }

    /** For tests: also with a given answer to which cgroup limits this host can enforce. */
    SandboxConfig build(HostIdentity identity, java.util.function.UnaryOperator<PrivilegeMode> resolver,
            CgroupHost cgroups) {
        return new SandboxConfig(this, identity, resolver, cgroups);
    }

    private static long checkId(String what, long id) {
        if (id < 0 || id >= 0xFFFFFFFFL) {
            throw new InvalidConfigException(what, Long.toString(id), "must be 0 to 4294967294");
        }
        return id;
    }

    static String checkName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('=') >= 0
                || name.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new InvalidConfigException("environment variable name", name,
                    "must be non-empty, without '=', spaces or control characters");
        }
        return name;
    }

    private static String checkValue(String name, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidConfigException("environment variable " + name, value.replace('\0', '?'), "contains a NUL character");
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

    static final List<String> DEFAULT_PATH_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
}
