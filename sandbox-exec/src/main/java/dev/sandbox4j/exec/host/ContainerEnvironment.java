package dev.sandbox4j.exec.host;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.internal.MountInfo;
import dev.sandbox4j.core.internal.ProcFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether this process runs in a container, and what the container withholds that sandbox4j would use: an outer
 * seccomp filter, a masked {@code /proc}, capabilities, a writable cgroup tree, user namespaces. Each
 * {@link Restriction} says what it blocks and the setting that lifts it, for podman/Docker and for a Kubernetes
 * pod, so that a setup failure and {@code sandbox-ctl check} can name the fix rather than only an errno.
 *
 * <p>Read from files only ({@code /run/.containerenv}, {@code /.dockerenv}, {@code /proc/self/...}) and the
 * environment; which system calls the outer filter refuses cannot be read, only tried (the CLI's check runs a
 * trial sandbox for that).
 */
public final class ContainerEnvironment {

    /** Lifts an outer seccomp filter that refuses what sandbox4j needs. */
    public static final String SECCOMP_LIFT =
            "podman/Docker: --security-opt seccomp=docs/kubernetes/sandbox4j-seccomp.json "
                    + "(or seccomp=unconfined); Kubernetes: securityContext.seccompProfile {type: Localhost, "
                    + "localhostProfile: sandbox4j-seccomp.json} (docs/kubernetes/)";
    /** Lifts the masked /proc that makes the kernel refuse a fresh proc mount. */
    public static final String PROC_LIFT = "podman: --security-opt unmask=ALL; Docker: --security-opt "
            + "systempaths=unconfined; Kubernetes: securityContext.procMount: Unmasked (with hostUsers: false); "
            + "or, weaker, run without /proc: sandbox-ctl --no-proc, SandboxBuilder.withoutProc()";
    /** Gives the capabilities and the writable cgroups of privileged mode. */
    public static final String PRIVILEGED_LIFT =
            "podman/Docker: --privileged; Kubernetes: securityContext.privileged: true";

    /** One restriction: a short name, what it blocks for sandbox4j, and the setting that lifts it. */
    public record Restriction(String name, String blocks, String lift) {
        public Restriction {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(blocks, "blocks");
            Objects.requireNonNull(lift, "lift");
        }

        /** {@code name: blocks; lift: ...} on one line. */
        public String line() {
            return name + ": " + blocks + "; lift: " + lift;
        }
    }

    private final String container;
    private final int seccompFilters;
    private final List<String> maskedProc;

    private ContainerEnvironment(String container, int seccompFilters, List<String> maskedProc) {
        this.container = container;
        this.seccompFilters = seccompFilters;
        this.maskedProc = List.copyOf(maskedProc);
    }

    /** This process's environment. */
    public static ContainerEnvironment detect() {
        return read(Path.of("/"), System.getenv());
    }

    /** The environment described by the files beneath {@code fsRoot} and the variables {@code env}; for tests. */
    public static ContainerEnvironment read(Path fsRoot, Map<String, String> env) {
        Path proc = fsRoot.resolve("proc");
        Map<String, String> status = ProcFiles.statusFields(proc.resolve("self/status"));
        int filters = 0;
        if ("2".equals(status.get("Seccomp"))) {
            try {
                filters = Math.max(
                        1,
                        Integer.parseInt(
                                status.getOrDefault("Seccomp_filters", "1").trim()));
            } catch (NumberFormatException e) {
                filters = 1;
            }
        }
        List<String> masked = new ArrayList<>();
        for (MountInfo m : MountInfo.read(proc.resolve("self/mountinfo"))) {
            // binfmt_misc (and systemd's automount for it) sits on an empty directory: it does not hide anything.
            if (m.mountPoint().startsWith("/proc/")
                    && !m.fsType().equals("binfmt_misc")
                    && !m.fsType().equals("autofs")) {
                masked.add(m.mountPoint());
            }
        }
        return new ContainerEnvironment(container(fsRoot, proc, env), filters, masked);
    }

    private static String container(Path fsRoot, Path proc, Map<String, String> env) {
        String cgroups = ProcFiles.read(proc.resolve("self/cgroup")).orElse("");
        if (env.containsKey("KUBERNETES_SERVICE_HOST") || cgroups.contains("kubepods")) {
            return "a Kubernetes pod";
        }
        if (Files.exists(fsRoot.resolve("run/.containerenv")) || cgroups.contains("libpod")) {
            return "a podman container";
        }
        if (Files.exists(fsRoot.resolve(".dockerenv")) || cgroups.contains("/docker")) {
            return "a Docker container";
        }
        String named = env.get("container");
        if (named != null && !named.isBlank()) {
            return "a container (container=" + named + ")";
        }
        return null;
    }

    /** What this process runs in, e.g. {@code "a podman container"}; empty when no container was recognised. */
    public Optional<String> container() {
        return Optional.ofNullable(container);
    }

    /** Seccomp filters already installed around this process (0: none). */
    public int outerSeccompFilters() {
        return seccompFilters;
    }

    /** Paths over-mounted inside {@code /proc} (a container's masked paths): the kernel then refuses a new proc. */
    public List<String> maskedProcPaths() {
        return maskedProc;
    }

    /**
     * The restrictions of this container as they bear on sandbox4j, one per kind, or none outside a container.
     * The outer filter's entry cannot say which calls it refuses (only a trial run can).
     */
    public List<Restriction> restrictions(SystemCapabilities system) {
        if (container == null) {
            return List.of();
        }
        List<Restriction> found = new ArrayList<>();
        if (seccompFilters > 0) {
            found.add(new Restriction(
                    "seccomp",
                    "an outer seccomp filter (" + seccompFilters + (seccompFilters == 1 ? " filter" : " filters")
                            + ") may refuse calls a sandbox needs (podman's and Docker's default "
                            + "profiles refuse sethostname without CAP_SYS_ADMIN; Docker's and Kubernetes' RuntimeDefault also "
                            + "namespace creation, mount and pivot_root)",
                    SECCOMP_LIFT));
        }
        if (!maskedProc.isEmpty()) {
            found.add(new Restriction(
                    "/proc",
                    "masked (" + String.join(", ", maskedProc) + " over-mounted): the "
                            + "kernel refuses a sandbox its fresh /proc while parts of this one are hidden",
                    PROC_LIFT));
        }
        Set<Capability> missing = system.effectiveCapabilities().missing(SystemCapabilities.PRIVILEGED_CAPABILITIES);
        if (!missing.isEmpty()) {
            List<String> names = new ArrayList<>();
            missing.forEach(c -> names.add(c.name()));
            found.add(new Restriction(
                    "capabilities",
                    "no " + String.join(", ", names) + ": privileged mode "
                            + "(cgroup limits, sandboxes as host uid 65534) is unusable",
                    PRIVILEGED_LIFT));
        }
        List<String> unusable = new ArrayList<>();
        for (String controller : SystemCapabilities.PRIVILEGED_CONTROLLERS) {
            Optional<CgroupHierarchy> h = system.cgroups().hierarchyFor(controller);
            if (h.isEmpty()) {
                unusable.add(controller + " (not mounted)");
            } else if (h.get().ownDirectory() == null) {
                unusable.add(controller + " (own cgroup outside " + h.get().mountPoint() + ")");
            } else if (h.get().readOnly()) {
                unusable.add(controller + " (" + h.get().mountPoint() + " read-only)");
            } else if (!Files.isWritable(h.get().ownDirectory())) {
                unusable.add(controller + " (" + h.get().ownDirectory() + " not writable)");
            }
        }
        if (!unusable.isEmpty()) {
            found.add(new Restriction(
                    "cgroups",
                    "no writable cgroup for " + String.join(", ", unusable)
                            + ": no cgroup limits; memory and pids limits fall back to rlimits (RLIMIT_DATA, RLIMIT_NPROC), "
                            + "a cpu limit is refused",
                    PRIVILEGED_LIFT + "; on cgroup v2, a delegated writable cgroup " + "(docs/kubernetes/README.md)"));
        }
        if (!system.userNamespaces().available()) {
            found.add(new Restriction(
                    "user namespaces",
                    "unprivileged mode is unusable: " + system.userNamespaces().detail(),
                    "a setting of the host (the Kubernetes node), not of the "
                            + "container: the sysctl named, or the node's AppArmor policy"));
        }
        return found;
    }
}
