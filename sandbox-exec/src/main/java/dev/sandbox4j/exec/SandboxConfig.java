package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.LandlockSupport;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.namespace.internal.SubordinateIds;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.BpfProgram;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validated, immutable settings of a {@link Sandbox}, with everything that depends on the host already
 * resolved: the privilege mode, the id maps, the final environment. Create one with {@link #builder()}.
 *
 * <h2>What is enforced</h2>
 * Namespaces, id mapping, dropped capabilities, no-new-privs, the seccomp program, rlimits and the
 * timeout are enforced in every mode. In privileged mode every run gets its own cgroup, which the workload
 * joins before it execs: memory, cpu and pids limits are cgroup limits on the whole tree, and the result's
 * memory peak, CPU time and OOM kills are the cgroup's. Without cgroups (unprivileged mode, or an
 * {@code AUTO} sandbox whose controller is unusable) memory becomes {@code RLIMIT_DATA} and pids
 * {@code RLIMIT_NPROC}, and a cpu limit is refused at {@code build()}: no rlimit can hold it.
 * {@link #memoryLimitMechanism()} and {@link #pidsLimitMechanism()} say which applies, and
 * {@link #effectiveRlimits()} shows exactly the rlimits the workload gets.
 *
 * <h2>Identity</h2>
 * With a user namespace the program runs as {@link #uid()}/{@link #gid()} inside (0 by default) and as an
 * unprivileged id on the host: the caller's own id for an unprivileged caller, and for a caller with
 * {@code CAP_SETUID} (root) its {@code /etc/subuid} range or else 65534, never host root. Without a user
 * namespace it runs as a host uid that must not be 0. It never holds capabilities.
 */
public final class SandboxConfig {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxConfig.class);
    static final long OVERFLOW_ID = 65534;

    private final SandboxBuilder source; // a private copy, for toBuilder()
    private final String id;
    private final PrivilegeMode requestedMode;
    private final PrivilegeMode mode;
    private final NamespaceConfig namespaces;
    private final long uid;
    private final long gid;
    private final IdMap uidMap;
    private final IdMap gidMap;
    private final boolean setgroupsDeny;
    private final boolean clearGroups;
    private final String hostname;
    private final boolean hostnameChosen;
    private final boolean withoutProc;
    private final Path cwd;
    private final Duration timeout;
    private final CgroupConfig limits;
    private final LimitPlan limitPlan;
    private final List<Enforcement> enforcement;
    private final CgroupHost cgroupHost; // null when runs get no cgroup
    private final RlimitConfig rlimits;
    private final RlimitConfig effectiveRlimits;
    private final BpfProgram seccompProgram;
    private final SeccompSupervision seccompSupervision; // null: the kernel's own refusal, unnamed
    private final SeccompLearner seccompLearner; // null: refusals are enforced
    private final NetworkGuard networkGuard; // null: the host's network, nothing a namespace leaves open
    private final Input stdin;
    private final Output stdout;
    private final Output stderr;
    private final Map<String, String> environment;
    private final FilesystemView filesystem;
    private final LandlockRules landlock;
    private final LandlockRules.Compiled landlockCompiled;
    private final boolean forkServer;
    private final Duration cpuTimeLimit;
    private final Duration killGrace;
    private final Network network;

    /**
     * "sbx-" and 8 hex digits. A label, not a secret: what must be unique (cgroup names, sockets) adds the pid
     * and a sequence number.
     */
    private static String randomId() {
        String hex = Integer.toHexString(ThreadLocalRandom.current().nextInt());
        return "sbx-" + "0".repeat(8 - hex.length()) + hex;
    }

    SandboxConfig(SandboxBuilder b, Host machine) {
        HostIdentity host = machine.identity();
        CgroupHost cgroups = machine.cgroups();
        source = new SandboxBuilder(b);
        id = b.id != null ? b.id : randomId();
        requestedMode = b.mode;
        mode = machine.resolve(b.mode);
        network =
                b.network != null ? b.network : b.namespaces.contains(Namespace.NET) ? Network.none() : Network.host();
        namespaces = network.mode() == Network.Mode.HOST
                ? b.namespaces.without(Namespace.NET)
                : b.namespaces.with(Namespace.NET);
        if (network.mode() == Network.Mode.USER) {
            machine.userNetworkUnavailable().ifPresent(why -> {
                throw new FeatureUnavailableException(
                        "user-mode networking",
                        why + "; or choose another network: "
                                + "none (Network.none(), --network none: lo only) or, weaker, host (--network host)");
            });
        }
        boolean userns = namespaces.contains(Namespace.USER);
        if (userns) {
            uid = b.uid != null ? b.uid : 0;
            gid = b.gid != null ? b.gid : 0;
            // The kernel lets a process with CAP_SETUID/CAP_SETGID in the parent namespace write any map;
            // everyone else may map only their own id, and must deny setgroups to write the gid map.
            boolean mapsFreely =
                    host.hasCapability(HostIdentity.CAP_SETUID) && host.hasCapability(HostIdentity.CAP_SETGID);
            uidMap = b.uidMap != null
                    ? b.uidMap
                    : defaultMap(mapsFreely, uid, host.euid(), SubordinateIds.SUBUID, machine);
            gidMap = b.gidMap != null
                    ? b.gidMap
                    : defaultMap(mapsFreely, gid, host.egid(), SubordinateIds.SUBGID, machine);
            checkMap("uid", uidMap, uid);
            checkMap("gid", gidMap, gid);
            setgroupsDeny = !mapsFreely;
            clearGroups = mapsFreely;
            if (!mapsFreely && host.groups().stream().anyMatch(g -> g != host.egid())) {
                LOG.warn(
                        "sandbox {}: the JVM has supplementary groups {}; in an unprivileged sandbox they cannot be dropped "
                                + "(setgroups is denied) and still grant their host access. Start the JVM with a clean "
                                + "group list (e.g. setpriv --clear-groups).",
                        id,
                        host.groups());
            }
        } else {
            if (mode != PrivilegeMode.PRIVILEGED) {
                throw new InvalidConfigException(
                        "namespaces",
                        namespaces.toString(),
                        "without a user namespace the sandbox needs privileged mode (CAP_SYS_ADMIN, CAP_SETUID)");
            }
            if (b.uidMap != null || b.gidMap != null) {
                throw new InvalidConfigException("id map", "set", "id maps need the user namespace");
            }
            uid = b.uid != null ? b.uid : OVERFLOW_ID;
            gid = b.gid != null ? b.gid : OVERFLOW_ID;
            if (uid == 0 || gid == 0) {
                throw new InvalidConfigException(
                        uid == 0 ? "uid" : "gid",
                        "0",
                        "without a user namespace this would be host root; choose a non-root id");
            }
            uidMap = null;
            gidMap = null;
            setgroupsDeny = false;
            clearGroups = true;
        }
        if (b.hostname != null && !namespaces.contains(Namespace.UTS)) {
            throw new InvalidConfigException("hostname", b.hostname, "a hostname needs the UTS namespace");
        }
        hostname = namespaces.contains(Namespace.UTS) ? (b.hostname != null ? b.hostname : "sandbox") : null;
        hostnameChosen = b.hostname != null;
        withoutProc = b.withoutProc;
        cwd = b.cwd;
        timeout = b.timeout;
        limits = b.swapBytes == null
                ? b.limits
                : b.limits.toBuilder().swapBytes(b.swapBytes).build();
        rlimits = b.rlimits;
        limitPlan = LimitPlan.resolve(id, limits, rlimits, requestedMode, mode, cgroups);
        if (b.swapBytes != null && b.swapBytes > 0 && limitPlan.memory() == LimitMechanism.RLIMIT) {
            throw new InvalidConfigException(
                    "swap limit",
                    Long.toString(b.swapBytes),
                    "needs the memory limit in a "
                            + "cgroup (privileged mode); here memory is RLIMIT_DATA per process, which has no swap allowance. "
                            + "Drop the swap limit or run where the memory cgroup controller is usable");
        }
        cgroupHost = limitPlan.cgroup() == null ? null : cgroups;
        enforcement = limitPlan.enforcement(limits, cgroups);
        cpuTimeLimit = b.cpuTimeLimit;
        killGrace = b.killGrace;
        effectiveRlimits = RunSettings.withCpuRlimit(limitPlan, cpuTimeLimit);
        seccompProgram = b.seccompFilter != null ? b.seccompFilter.compile(Architecture.current()) : b.seccompProgram;
        seccompSupervision = supervision(b, machine);
        networkGuard = NetworkGuard.needed(network, namespaces) ? NetworkGuard.forThisMachine() : null;
        if (networkGuard != null && seccompProgram != null) {
            networkGuard.requireRoomFor(seccompProgram);
        }
        seccompLearner = b.seccompLearner;
        stdin = b.stdin;
        stdout = b.stdout;
        stderr = b.stderr;
        environment = Collections.unmodifiableMap(environment(b));
        filesystem = checkFilesystem(
                network.mode() == Network.Mode.USER ? UserNetwork.withResolver(b.filesystem) : b.filesystem,
                namespaces,
                cwd);
        landlock = b.landlock;
        landlockCompiled = compileLandlock(id, b.landlock, filesystem, machine);
        forkServer = b.forkServer;
    }

    /** A view needs a mount namespace to live in, and a fresh /proc needs its PID namespace. */
    private static FilesystemView checkFilesystem(FilesystemView view, NamespaceConfig namespaces, Path cwd) {
        if (view == null) {
            return null;
        }
        if (!namespaces.contains(Namespace.MOUNT)) {
            throw new InvalidConfigException(
                    "filesystem view",
                    view.toString(),
                    "needs the mount namespace (use Landlock rules to restrict paths without one)");
        }
        if (view.hasProc() && !namespaces.contains(Namespace.PID)) {
            throw new InvalidConfigException(
                    "filesystem view",
                    "/proc",
                    "a fresh /proc needs the PID namespace; add it or leave proc out of the view");
        }
        view.validate(); // the host may have changed since the view was built
        return view;
    }

    /** Negotiates the rules with this kernel's Landlock ABI: rights it lacks are dropped. */
    private static LandlockRules.Compiled compileLandlock(
            String id, LandlockRules rules, FilesystemView view, Host machine) {
        if (rules == null) {
            return null;
        }
        if (view == null) {
            rules.requireHostPaths(); // the program sees the host's tree: a missing path is a config error now
        }
        LandlockSupport support = machine.landlock();
        if (!support.available()) {
            if (!rules.bestEffort()) {
                throw new FeatureUnavailableException("Landlock", support.unavailableReason());
            }
            LOG.warn(
                    "sandbox {}: Landlock is unavailable ({}); running without the Landlock rules",
                    id,
                    support.unavailableReason());
            return null;
        }
        return rules.compile(support.abi());
    }

    private static SeccompSupervision supervision(SandboxBuilder b, Host machine) {
        SeccompSupervision s = b.seccompFilter == null
                ? null
                : SeccompSupervision.decide(b.seccompFilter, Architecture.current(), machine.seccompUserNotification())
                        .orElse(null);
        if (b.seccompLearner == null) {
            return s;
        }
        if (b.seccompFilter == null) {
            throw new InvalidConfigException(
                    "seccomp learning", "on", "needs a seccomp filter to learn from (seccomp(...))");
        }
        if (s == null) {
            throw new InvalidConfigException(
                    "seccomp learning",
                    "on",
                    "needs seccomp user notification (Linux 5.5 or "
                            + "later; 'sandbox-ctl check' says whether this host has it), a filter whose default action is "
                            + "KILL_PROCESS or ERRNO, and execve, write and exit_group permitted; without them nothing can "
                            + "be let through and recorded");
        }
        return s.learning();
    }

    private static IdMap defaultMap(boolean mapsFreely, long inside, long ownId, Path subIds, Host machine) {
        if (!mapsFreely) {
            return IdMap.single(inside, ownId);
        }
        HostIdentity host = machine.identity();
        Optional<IdMap.Range> delegated = machine.subordinateIds(subIds, host.userName(), host.euid());
        if (delegated.isPresent() && inside < delegated.get().count()) {
            return IdMap.of(delegated.get());
        }
        return IdMap.single(inside, OVERFLOW_ID);
    }

    private static void checkMap(String what, IdMap map, long inside) {
        if (map.toOutside(inside).isEmpty()) {
            throw new InvalidConfigException(
                    what + " map",
                    map.toProcFormat().trim(),
                    "does not map the " + what + " " + inside + " the program runs as");
        }
        for (IdMap.Range r : map.ranges()) {
            if (r.outside() == 0) {
                throw new InvalidConfigException(
                        what + " map",
                        map.toProcFormat().trim(),
                        "maps host " + what + " 0: the sandbox's root would own the host's root files");
            }
        }
    }

    private static Map<String, String> environment(SandboxBuilder b) {
        Map<String, String> env = new LinkedHashMap<>();
        if (b.inheritEnv) {
            env.putAll(new TreeMap<>(b.hostEnv));
        } else {
            env.put("PATH", String.join(":", SandboxBuilder.DEFAULT_PATH_DIRS));
            env.put("HOME", "/");
            env.put("TERM", "dumb");
            env.put("LANG", "C.UTF-8");
        }
        for (String name : b.passEnv) {
            String value = b.hostEnv.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        b.env.forEach((name, value) -> {
            if (value == null) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return env;
    }

    /** A new builder. */
    public static SandboxBuilder builder() {
        return new SandboxBuilder();
    }

    /** A builder holding these settings as given (before resolution), to derive a variant. */
    public SandboxBuilder toBuilder() {
        SandboxBuilder b = new SandboxBuilder(source);
        b.id = id;
        return b;
    }

    public String id() {
        return id;
    }

    /** The mode as configured, possibly {@link PrivilegeMode#AUTO}. */
    public PrivilegeMode requestedMode() {
        return requestedMode;
    }

    /** The mode in effect: never {@link PrivilegeMode#AUTO}. */
    public PrivilegeMode mode() {
        return mode;
    }

    public NamespaceConfig namespaces() {
        return namespaces;
    }

    /** The uid the program runs as (inside its user namespace if it has one). */
    public long uid() {
        return uid;
    }

    public long gid() {
        return gid;
    }

    /** The uid map in effect, or empty without a user namespace. */
    public Optional<IdMap> uidMap() {
        return Optional.ofNullable(uidMap);
    }

    public Optional<IdMap> gidMap() {
        return Optional.ofNullable(gidMap);
    }

    /** The hostname inside, or empty without a UTS namespace. */
    public Optional<String> hostname() {
        return Optional.ofNullable(hostname);
    }

    /** Whether the caller chose the hostname (else the default, which a container refusing sethostname may cost). */
    boolean hostnameChosen() {
        return hostnameChosen;
    }

    /** Whether the caller asked for no fresh {@code /proc} ({@link SandboxBuilder#withoutProc()}). */
    public boolean withoutProc() {
        return withoutProc;
    }

    /** The working directory inside, or empty to start where the JVM is. */
    public Optional<Path> cwd() {
        return Optional.ofNullable(cwd);
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** The memory limit in bytes; see {@link #memoryLimitMechanism()} for how it is enforced. */
    public OptionalLong memoryLimit() {
        return limits.memoryBytes();
    }

    /** The CPU limit in percent of one CPU (also when given as a quota per period). */
    public OptionalDouble cpuPercent() {
        return limits.cpuPercent();
    }

    /** The maximum number of processes and threads; see {@link #pidsLimitMechanism()}. */
    public OptionalLong pidsLimit() {
        return limits.maxPids().isPresent() ? OptionalLong.of(limits.maxPids().getAsInt()) : OptionalLong.empty();
    }

    /** Every resource limit as configured: memory, cpu quota/period and weight, pids. */
    public CgroupConfig resourceLimits() {
        return limits;
    }

    /** How the memory limit is enforced; empty without one. */
    public Optional<LimitMechanism> memoryLimitMechanism() {
        return Optional.ofNullable(limitPlan.memory());
    }

    /** How the pids limit is enforced; empty without one. */
    public Optional<LimitMechanism> pidsLimitMechanism() {
        return Optional.ofNullable(limitPlan.pids());
    }

    /**
     * How the cpu limit (percent, quota or weight) is enforced; empty without one. Always
     * {@link LimitMechanism#CGROUP} when present: no rlimit can hold a rate, so a cpu limit that no cgroup
     * could enforce was refused by {@code build()}.
     */
    public Optional<LimitMechanism> cpuLimitMechanism() {
        CgroupConfig cgroup = limitPlan.cgroup();
        return cgroup != null
                        && (cgroup.cpuQuotaUs().isPresent()
                                || cgroup.cpuWeight().isPresent())
                ? Optional.of(LimitMechanism.CGROUP)
                : Optional.empty();
    }

    /**
     * How each resource limit (memory, cpu, pids, in that order) will be enforced on this host: in which cgroup
     * hierarchy and file, or by which rlimit and why, or that it is not set. Decided at {@code build()}; a limit
     * that nothing here could hold was refused there.
     */
    public List<Enforcement> enforcement() {
        return enforcement;
    }

    /** The CPU-time limit per run, if any; see {@link SandboxBuilder#cpuTimeLimit(Duration)}. */
    public Optional<Duration> cpuTimeLimit() {
        return Optional.ofNullable(cpuTimeLimit);
    }

    /**
     * How a CPU-time limit is enforced in this sandbox's mode: {@link LimitMechanism#CGROUP} (the whole tree,
     * watched by the JVM) where runs get a cgroup, else {@link LimitMechanism#RLIMIT} ({@code RLIMIT_CPU} per
     * process). Empty without a CPU-time limit.
     */
    public Optional<LimitMechanism> cpuTimeLimitMechanism() {
        return cpuTimeLimit == null ? Optional.empty() : Optional.of(cpuTimeMechanism());
    }

    LimitMechanism cpuTimeMechanism() {
        return limitPlan.cgroup() != null ? LimitMechanism.CGROUP : LimitMechanism.RLIMIT;
    }

    /** The host uid the program runs as: its uid mapped out of its user namespace, or itself without one. */
    long hostUid() {
        return uidMap != null ? uidMap.toOutside(uid).orElse(OVERFLOW_ID) : uid;
    }

    /** The host gid the program runs as; see {@link #hostUid()}. */
    long hostGid() {
        return gidMap != null ? gidMap.toOutside(gid).orElse(OVERFLOW_ID) : gid;
    }

    /** The grace between SIGTERM and SIGKILL when a timeout stops a run; zero kills at once. */
    public Duration killGrace() {
        return killGrace;
    }

    LimitPlan limitPlan() {
        return limitPlan;
    }

    /** The limits each run's cgroup gets; empty when runs get no cgroup (unprivileged mode). */
    Optional<CgroupConfig> cgroupLimits() {
        return Optional.ofNullable(limitPlan.cgroup());
    }

    /** Where runs' cgroups are made; null when they get none. */
    CgroupHost cgroupHost() {
        return cgroupHost;
    }

    /** The rlimits as configured. */
    public RlimitConfig rlimits() {
        return rlimits;
    }

    /** The rlimits the workload actually gets: the configured ones plus the memory and pids limits. */
    public RlimitConfig effectiveRlimits() {
        return effectiveRlimits;
    }

    /**
     * Whether a refused system call is named in the result: the filter is one whose refusal a supervisor can
     * carry out (default action KILL_PROCESS or an ERRNO), and the kernel has seccomp user notification.
     */
    public boolean seccompSupervised() {
        return seccompSupervision != null;
    }

    /** Learn mode's recorder, when the run lets refused calls through instead ({@link SandboxBuilder#seccompLearning}). */
    Optional<SeccompLearner> seccompLearner() {
        return Optional.ofNullable(seccompLearner);
    }

    Optional<SeccompSupervision> seccompSupervision() {
        return Optional.ofNullable(seccompSupervision);
    }

    /**
     * The compiled seccomp filter the workload gets, if any. With a network namespace of its own the workload's
     * program also refuses vsock and io_uring, whatever the filter (see {@link Network}); that part is not shown
     * here.
     */
    public Optional<BpfProgram> seccompProgram() {
        return Optional.ofNullable(seccompProgram);
    }

    /** The refusals of what a network namespace does not separate, when the sandbox has one of its own. */
    Optional<NetworkGuard> networkGuard() {
        return Optional.ofNullable(networkGuard);
    }

    boolean setgroupsDeny() {
        return setgroupsDeny;
    }

    boolean clearGroups() {
        return clearGroups;
    }

    public Input stdin() {
        return stdin;
    }

    public Output stdout() {
        return stdout;
    }

    public Output stderr() {
        return stderr;
    }

    /** The program's complete environment, in order. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The filesystem view, or empty when the program sees the host's filesystem. */
    public Optional<FilesystemView> filesystem() {
        return Optional.ofNullable(filesystem);
    }

    /** The Landlock rules as configured, or empty. */
    public Optional<LandlockRules> landlock() {
        return Optional.ofNullable(landlock);
    }

    /** The sandbox's network (see {@link SandboxBuilder#network(Network)}). */
    public Network network() {
        return network;
    }

    /** Whether runs get their launcher from the JVM's fork server (see {@link SandboxBuilder#forkServer(boolean)}). */
    public boolean forkServer() {
        return forkServer;
    }

    /** The Landlock rules as this kernel enforces them, or empty (none configured, or best effort without Landlock). */
    public Optional<LandlockRules.Compiled> effectiveLandlock() {
        return Optional.ofNullable(landlockCompiled);
    }

    @Override
    public String toString() {
        return "SandboxConfig[id=" + id + ", mode=" + mode + ", " + namespaces + ", uid=" + uid + ", gid=" + gid
                + (timeout != null ? ", timeout=" + timeout : "")
                + (limitPlan.cgroup() != null ? ", cgroup=" + limitPlan.cgroup() : "")
                + ", rlimits=" + effectiveRlimits.limits()
                + (seccompProgram != null ? ", seccomp=" + seccompProgram.length() + " instructions" : "")
                + (networkGuard != null ? ", vsock and io_uring refused" : "") + "]";
    }
}
