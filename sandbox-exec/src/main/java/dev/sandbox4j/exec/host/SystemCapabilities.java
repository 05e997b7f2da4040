package dev.sandbox4j.exec.host;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PermissionDeniedException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.ResolvedMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.internal.ProcFiles;
import dev.sandbox4j.namespace.LandlockSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process, on this kernel, can use for sandboxing: identity and effective capabilities, user
 * namespaces, seccomp, Landlock, the cgroup layout, overlayfs; and which {@link PrivilegeMode} that allows.
 *
 * <p>Everything is read from {@code /proc} when {@link #detect()} runs; the object is an immutable snapshot.
 * The one fact {@code /proc} cannot give, the Landlock ABI, needs a native call; it is asked once, on the
 * first call of {@link #landlock()}, so that deciding the privilege mode ({@link #resolve}) makes none. Root
 * is not assumed to mean "all capabilities": containers and some hosts (this project's CI among them) run
 * root without {@code CAP_SYS_RESOURCE} or more, so the effective set decides.
 */
public final class SystemCapabilities {

    /**
     * Effective capabilities the privileged path needs, and why:
     * <ul>
     *   <li>{@code CAP_SYS_ADMIN}: create mount, PID, network… namespaces and mount without relying on an
     *       unprivileged user namespace (which may be disabled);</li>
     *   <li>{@code CAP_SETUID}, {@code CAP_SETGID}: map the workload to a host id other than the caller's own
     *       (65534 or a subordinate range) when writing the user namespace's id maps;</li>
     *   <li>{@code CAP_KILL}: signal (time out, kill) a workload that then runs under that other host uid.</li>
     * </ul>
     * Not needed: {@code CAP_SYS_RESOURCE} (only raising a hard rlimit needs it; sandboxes only lower
     * limits) and {@code CAP_DAC_OVERRIDE} (the cgroup directories are checked for write access directly,
     * which is what matters).
     */
    public static final Set<Capability> PRIVILEGED_CAPABILITIES = Collections.unmodifiableSet(
            EnumSet.of(Capability.CAP_SYS_ADMIN, Capability.CAP_SETUID, Capability.CAP_SETGID, Capability.CAP_KILL));

    /** Controllers whose cgroups the privileged path must be able to create: the limits rlimits cannot replace. */
    public static final List<String> PRIVILEGED_CONTROLLERS = List.of("memory", "pids");

    private static final Logger LOG = LoggerFactory.getLogger(SystemCapabilities.class);

    private final int euid;
    private final CapabilitySet effective;
    private final FeatureStatus userNamespaces;
    private final FeatureStatus seccomp;
    private final FeatureStatus seccompUserNotification;
    private final Supplier<LandlockSupport> landlockProbe;
    private volatile LandlockSupport landlock; // null until asked
    private final CgroupLayout cgroups;
    private final FeatureStatus overlayfs;
    private final String kernelRelease;

    private SystemCapabilities(
            int euid,
            CapabilitySet effective,
            FeatureStatus userNamespaces,
            FeatureStatus seccomp,
            String actionsAvailable,
            Supplier<LandlockSupport> landlockProbe,
            CgroupLayout cgroups,
            FeatureStatus overlayfs,
            String kernelRelease) {
        this.euid = euid;
        this.effective = effective;
        this.userNamespaces = userNamespaces;
        this.seccomp = seccomp;
        this.seccompUserNotification = userNotification(seccomp, actionsAvailable);
        this.landlockProbe = landlockProbe;
        this.cgroups = cgroups;
        this.overlayfs = overlayfs;
        this.kernelRelease = kernelRelease;
    }

    /** The running system, as seen by this process. */
    public static SystemCapabilities detect() {
        SystemCapabilities detected = read(Path.of("/"), LandlockSupport::probe);
        LOG.debug("detected {}", detected);
        return detected;
    }

    /**
     * The system described by the files beneath {@code fsRoot} ({@code proc/self/status},
     * {@code proc/self/mountinfo}, {@code proc/self/cgroup}, {@code proc/sys/...}, {@code proc/filesystems})
     * and the given Landlock answer, which only a syscall can give. For tests against fake trees.
     *
     * @throws FeatureUnavailableException when {@code proc/self/status} is missing (no /proc)
     */
    public static SystemCapabilities read(Path fsRoot, LandlockSupport landlock) {
        Objects.requireNonNull(landlock, "landlock");
        return read(fsRoot, () -> landlock);
    }

    /**
     * As {@link #read(Path, LandlockSupport)}, with the Landlock answer asked of {@code landlockProbe} only when
     * {@link #landlock()} is first needed, and at most once.
     *
     * @throws FeatureUnavailableException when {@code proc/self/status} is missing (no /proc)
     */
    public static SystemCapabilities read(Path fsRoot, Supplier<LandlockSupport> landlockProbe) {
        Objects.requireNonNull(landlockProbe, "landlockProbe");
        Path proc = fsRoot.resolve("proc");
        Map<String, String> status = ProcFiles.statusFields(proc.resolve("self/status"));
        int euid = Integer.parseInt(field(status, "Uid").split("\\s+")[1]);
        CapabilitySet effective = CapabilitySet.parseHex(field(status, "CapEff"));
        return new SystemCapabilities(
                euid,
                effective,
                userNamespaces(proc, effective),
                seccomp(proc, status),
                ProcFiles.read(proc.resolve("sys/kernel/seccomp/actions_avail")).orElse(""),
                landlockProbe,
                CgroupLayout.read(fsRoot),
                overlayfs(proc),
                ProcFiles.read(proc.resolve("sys/kernel/osrelease")).orElse("unknown"));
    }

    private static String field(Map<String, String> status, String name) {
        String value = status.get(name);
        if (value == null) {
            throw new FeatureUnavailableException("/proc", "/proc/self/status has no " + name + " field");
        }
        return value;
    }

    private static FeatureStatus userNamespaces(Path proc, CapabilitySet effective) {
        Optional<String> max = ProcFiles.read(proc.resolve("sys/user/max_user_namespaces"));
        if (max.isEmpty()) {
            return FeatureStatus.no("this kernel has no user namespaces (no /proc/sys/user/max_user_namespaces)");
        }
        if (max.get().equals("0")) {
            return FeatureStatus.no(
                    "disabled by user.max_user_namespaces = 0 " + "(enable: sysctl -w user.max_user_namespaces=15000)");
        }
        // Both restrictions below exempt callers with CAP_SYS_ADMIN.
        boolean exempt = effective.contains(Capability.CAP_SYS_ADMIN);
        Optional<String> debian = ProcFiles.read(proc.resolve("sys/kernel/unprivileged_userns_clone"));
        boolean debianRestricts = debian.isPresent() && debian.get().equals("0");
        if (debianRestricts && !exempt) {
            return FeatureStatus.no("disabled for unprivileged users by kernel.unprivileged_userns_clone = 0 "
                    + "(enable: sysctl -w kernel.unprivileged_userns_clone=1)");
        }
        Optional<String> apparmor = ProcFiles.read(proc.resolve("sys/kernel/apparmor_restrict_unprivileged_userns"));
        boolean apparmorRestricts = apparmor.isPresent() && apparmor.get().equals("1");
        if (apparmorRestricts && !exempt) {
            return FeatureStatus.no("restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns = 1): "
                    + "a new user namespace gets no capabilities (allow: an AppArmor profile with 'userns,' "
                    + "or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)");
        }
        List<String> evidence = new ArrayList<>();
        evidence.add("max_user_namespaces = " + max.get());
        if (debian.isPresent()) {
            evidence.add("unprivileged_userns_clone = " + debian.get());
        }
        if (apparmor.isPresent()) {
            evidence.add("apparmor_restrict_unprivileged_userns = " + apparmor.get());
        }
        if (exempt && (debianRestricts || apparmorRestricts)) {
            evidence.add("restrictions do not apply with CAP_SYS_ADMIN");
        }
        return FeatureStatus.yes(String.join(", ", evidence));
    }

    private static FeatureStatus seccomp(Path proc, Map<String, String> status) {
        String mode = status.get("Seccomp");
        if (mode == null) {
            return FeatureStatus.no("this kernel has no seccomp (no Seccomp field in /proc/self/status)");
        }
        if (mode.equals("1")) {
            return FeatureStatus.no("this process runs in seccomp strict mode");
        }
        Optional<String> actions = ProcFiles.read(proc.resolve("sys/kernel/seccomp/actions_avail"));
        if (actions.isEmpty()) {
            return FeatureStatus.no("no seccomp filter support (no /proc/sys/kernel/seccomp/actions_avail; "
                    + "kernel older than 4.14 or without CONFIG_SECCOMP_FILTER)");
        }
        String already = mode.equals("2")
                ? "; this process is already filtered (" + status.getOrDefault("Seccomp_filters", "?")
                        + " filters, new ones stack)"
                : "";
        return FeatureStatus.yes("filter mode, actions " + actions.get().replace(' ', ',') + already);
    }

    /** The kernel lists user_notif among its actions from 5.0 on, with SECCOMP_FILTER_FLAG_NEW_LISTENER. */
    private static FeatureStatus userNotification(FeatureStatus seccomp, String actionsAvailable) {
        if (!seccomp.available()) {
            return FeatureStatus.no("no seccomp filters");
        }
        for (String action : actionsAvailable.trim().split("\\s+")) {
            if (action.equals("user_notif")) {
                return FeatureStatus.yes("user notification: a refused system call is named in the result");
            }
        }
        return FeatureStatus.no("the kernel has no user notification (user_notif is not in "
                + "/proc/sys/kernel/seccomp/actions_avail; Linux 5.0+): a refused system call kills as the "
                + "profile says, but the result cannot name it");
    }

    private static FeatureStatus overlayfs(Path proc) {
        Optional<String> filesystems = ProcFiles.read(proc.resolve("filesystems"));
        boolean listed = false;
        for (String line : filesystems.orElse("").split("\n")) {
            listed |= line.substring(line.lastIndexOf('\t') + 1).strip().equals("overlay");
        }
        return listed
                ? FeatureStatus.yes("listed in /proc/filesystems")
                : FeatureStatus.no("not in /proc/filesystems (the overlay module may still load on first mount)");
    }

    public int euid() {
        return euid;
    }

    /** Effective uid 0. Says nothing about capabilities: see {@link #effectiveCapabilities()}. */
    public boolean isRoot() {
        return euid == 0;
    }

    public CapabilitySet effectiveCapabilities() {
        return effective;
    }

    /** Whether this caller can create a user namespace, with the sysctl values read or the one that forbids it. */
    public FeatureStatus userNamespaces() {
        return userNamespaces;
    }

    public FeatureStatus seccomp() {
        return seccomp;
    }

    /**
     * Whether a supervisor can receive the filter's notifications ({@code SECCOMP_RET_USER_NOTIF}), which is
     * how a refused system call gets its name in the result.
     */
    public FeatureStatus seccompUserNotification() {
        return seccompUserNotification;
    }

    /** The kernel's Landlock ABI; probed on the first call (see the class comment), the same answer after. */
    public LandlockSupport landlock() {
        LandlockSupport known = landlock;
        if (known == null) {
            synchronized (this) {
                known = landlock;
                if (known == null) {
                    known = Objects.requireNonNull(landlockProbe.get(), "the Landlock probe's answer");
                    landlock = known;
                }
            }
        }
        return known;
    }

    public CgroupLayout cgroups() {
        return cgroups;
    }

    public FeatureStatus overlayfs() {
        return overlayfs;
    }

    /** {@code uname -r}, e.g. {@code 6.18.44}. */
    public String kernelRelease() {
        return kernelRelease;
    }

    /**
     * The mode a sandbox asking for {@code requested} will run in.
     *
     * <ul>
     *   <li>{@code AUTO}: {@code PRIVILEGED} when the effective set holds {@link #PRIVILEGED_CAPABILITIES} and
     *       the own cgroups of {@link #PRIVILEGED_CONTROLLERS} are writable; else {@code UNPRIVILEGED} when
     *       user namespaces are available to this caller.</li>
     *   <li>{@code PRIVILEGED}, {@code UNPRIVILEGED}: that mode, when it can work.</li>
     * </ul>
     *
     * @throws PermissionDeniedException  when this process lacks a capability or write access the mode needs
     * @throws FeatureUnavailableException when the system lacks what the mode needs (a cgroup controller, user
     *                                     namespaces); for AUTO, when neither mode can work
     */
    public ResolvedMode resolve(PrivilegeMode requested) {
        Objects.requireNonNull(requested, "requested");
        Optional<SandboxException> privilegedProblem = privilegedProblem();
        switch (requested) {
            case PRIVILEGED:
                if (privilegedProblem.isPresent()) {
                    throw privilegedProblem.get();
                }
                return new ResolvedMode(PrivilegeMode.PRIVILEGED, "requested; " + privilegedEvidence());
            case UNPRIVILEGED:
                if (!userNamespaces.available()) {
                    throw new FeatureUnavailableException("user namespaces", userNamespaces.detail());
                }
                return new ResolvedMode(
                        PrivilegeMode.UNPRIVILEGED,
                        "requested; user namespaces available (" + userNamespaces.detail() + ")");
            default:
                if (privilegedProblem.isEmpty()) {
                    return new ResolvedMode(PrivilegeMode.PRIVILEGED, privilegedEvidence());
                }
                String whyNot = privilegedProblem.get().getMessage();
                if (userNamespaces.available()) {
                    return new ResolvedMode(
                            PrivilegeMode.UNPRIVILEGED,
                            "privileged mode unusable (" + whyNot + "); user namespaces available");
                }
                throw new FeatureUnavailableException(
                        "sandboxing",
                        "privileged mode unusable (" + whyNot + ") and unprivileged mode needs user namespaces: "
                                + userNamespaces.detail());
        }
    }

    /** The first reason the privileged path cannot work, as the exception {@link #resolve} throws for it. */
    private Optional<SandboxException> privilegedProblem() {
        Set<Capability> missing = effective.missing(PRIVILEGED_CAPABILITIES);
        if (!missing.isEmpty()) {
            return Optional.of(new PermissionDeniedException("privileged mode needs " + names(missing)
                    + " in the effective capability set, which " + identity() + " lacks; "
                    + "run as root with these capabilities, or use the unprivileged mode"));
        }
        for (String controller : PRIVILEGED_CONTROLLERS) {
            Optional<String> problem = cgroupProblem(controller);
            if (problem.isPresent()) {
                String message = problem.get();
                return Optional.of(
                        message.startsWith("cannot write")
                                ? new PermissionDeniedException(
                                        "privileged mode needs the " + controller + " cgroup: " + message)
                                : new FeatureUnavailableException("the " + controller + " cgroup controller", message));
            }
        }
        return Optional.empty();
    }

    private Optional<String> cgroupProblem(String controller) {
        Optional<CgroupHierarchy> found = cgroups.hierarchyFor(controller);
        if (found.isEmpty()) {
            return Optional.of("no mounted cgroup hierarchy offers it (cgroup layout: "
                    + cgroups.kind().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        CgroupHierarchy hierarchy = found.get();
        if (hierarchy.ownDirectory() == null) {
            return Optional.of("this process's cgroup " + hierarchy.ownPath() + " is not reachable through "
                    + hierarchy.mountPoint() + " (a cgroup namespace? mount the hierarchy inside it)");
        }
        if (hierarchy.readOnly()) {
            return Optional.of(hierarchy.mountPoint() + " is mounted read-only");
        }
        if (!Files.isDirectory(hierarchy.ownDirectory()) || !Files.isWritable(hierarchy.ownDirectory())) {
            return Optional.of("cannot write " + hierarchy.ownDirectory() + " (not writable by " + identity() + ")");
        }
        return Optional.empty();
    }

    private String privilegedEvidence() {
        StringBuilder where = new StringBuilder();
        for (String c : PRIVILEGED_CONTROLLERS) {
            CgroupHierarchy hierarchy = cgroups.hierarchyFor(c).orElseThrow();
            where.append(where.length() == 0 ? "" : ", ")
                    .append(c)
                    .append(" (v")
                    .append(hierarchy.version())
                    .append(' ')
                    .append(hierarchy.ownDirectory())
                    .append(')');
        }
        return "effective capabilities include " + names(PRIVILEGED_CAPABILITIES) + "; writable cgroups for " + where;
    }

    private String identity() {
        return isRoot() ? "this root process" : "this process (euid " + euid + ")";
    }

    private static String names(Set<Capability> capabilities) {
        StringBuilder joined = new StringBuilder();
        for (Capability capability : capabilities) {
            joined.append(joined.length() == 0 ? "" : ", ").append(capability.name());
        }
        return joined.toString();
    }

    /**
     * A readable table of everything detected, one fact per line, for {@code sandbox-ctl check} and bug
     * reports.
     */
    public String summary() {
        Table table = new Table();
        table.row("kernel", kernelRelease + " (" + System.getProperty("os.arch") + ")");
        table.row("user", isRoot() ? "root (euid 0)" : "euid " + euid + " (not root)");
        table.row("capabilities", effective.describe());
        table.row("user namespaces", userNamespaces.toString());
        table.row("seccomp", seccomp.toString());
        table.row("seccomp notify", seccompUserNotification.toString());
        LandlockSupport landlock = landlock();
        table.row(
                "landlock",
                landlock.available() ? "yes: ABI " + landlock.abi() : "no: " + landlock.unavailableReason());
        table.row("overlayfs", overlayfs.toString());
        table.row("cgroups", describeKind(cgroups.kind()));
        for (CgroupHierarchy hierarchy : cgroups.hierarchies()) {
            String controllers =
                    hierarchy.controllers().isEmpty() ? "(none)" : String.join(",", hierarchy.controllers());
            String own = hierarchy.ownPath() == null
                    ? "unknown"
                    : hierarchy.ownPath() + (hierarchy.ownDirectory() == null ? " (unreachable)" : "");
            table.row(
                    "  v" + hierarchy.version() + " " + (hierarchy.version() == 2 ? "unified" : controllers),
                    hierarchy.mountPoint() + (hierarchy.version() == 2 ? " controllers " + controllers : "")
                            + ", own cgroup " + own + (hierarchy.readOnly() ? ", read-only" : ""));
        }
        Optional<SandboxException> privilegedProblem = privilegedProblem();
        table.row(
                "privileged mode",
                privilegedProblem.map(e -> "no: " + e.getMessage()).orElse("yes"));
        table.row("unprivileged mode", userNamespaces.available() ? "yes" : "no: " + userNamespaces.detail());
        return table.toString();
    }

    private static String describeKind(CgroupLayout.Kind kind) {
        return switch (kind) {
            case UNIFIED -> "v2 (unified)";
            case LEGACY -> "v1 (legacy)";
            case HYBRID -> "hybrid (v1 controllers + cgroup2 mount)";
            case NONE -> "none mounted (limits fall back to rlimits)";
        };
    }

    @Override
    public String toString() {
        return "SystemCapabilities[euid=" + euid + ", capEff=" + effective + ", userns=" + userNamespaces
                + ", seccomp=" + seccomp + ", landlock=" + landlock() + ", cgroups=" + cgroups
                + ", overlayfs=" + overlayfs + ", kernel=" + kernelRelease + "]";
    }

    /** Two aligned columns. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        void row(String label, String value) {
            rows.add(new String[] {label, value});
        }

        @Override
        public String toString() {
            int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0) + 2;
            StringBuilder text = new StringBuilder();
            for (String[] row : rows) {
                text.append(String.format("%-" + width + "s%s%n", row[0], row[1]));
            }
            return text.toString();
        }
    }
}
