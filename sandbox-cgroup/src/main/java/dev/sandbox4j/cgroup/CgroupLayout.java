package dev.sandbox4j.cgroup;

import dev.sandbox4j.cgroup.internal.MountInfo;
import dev.sandbox4j.core.internal.ProcFiles;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The cgroup hierarchies mounted in this process's mount namespace, and where this process sits in each.
 *
 * <p>Read from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}, never from hard-coded
 * {@code /sys/fs/cgroup} paths: containers and unusual hosts mount hierarchies elsewhere, and controllers
 * are grouped per host (here {@code cpu} and {@code cpuacct} are two mounts; on most hosts they are one).
 * Decisions are made per controller with {@link #hierarchyFor(String)}: on a hybrid host a controller lives
 * in exactly one hierarchy, v1 or v2.
 *
 * <p>Immutable; {@link #detect()} reads the live system once.
 */
public final class CgroupLayout {

    /** How the host's hierarchies are arranged. */
    public enum Kind {
        /** Only the cgroup v2 hierarchy is mounted. */
        UNIFIED,
        /** Only cgroup v1 hierarchies are mounted. */
        LEGACY,
        /** Both: v1 hierarchies plus a cgroup2 mount (typically {@code /sys/fs/cgroup/unified}). */
        HYBRID,
        /** No cgroup hierarchy is visible: limits must fall back to rlimits. */
        NONE
    }

    /** Super options of a v1 mount that are not controller names. */
    private static final Set<String> V1_NON_CONTROLLER_OPTIONS =
            Set.of("rw", "ro", "none", "all", "noprefix", "clone_children", "cpuset_v2_mode", "xattr", "favordynmods");

    private final List<CgroupHierarchy> hierarchies;

    private CgroupLayout(List<CgroupHierarchy> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    /** The layout of the running system. */
    public static CgroupLayout detect() {
        return read(Path.of("/"));
    }

    /**
     * The layout described by {@code <fsRoot>/proc/self/mountinfo} and {@code <fsRoot>/proc/self/cgroup}, with
     * every mount point resolved beneath {@code fsRoot}; with {@code fsRoot} = {@code /} this is the live
     * system, otherwise a fake tree (tests). Missing files mean no hierarchy, not an error.
     *
     * @throws UncheckedIOException when a file exists but cannot be read
     */
    public static CgroupLayout read(Path fsRoot) {
        List<MountInfo> mounts = MountInfo.read(fsRoot.resolve("proc/self/mountinfo"));
        List<CgroupMembership> memberships = CgroupMembership.read(fsRoot.resolve("proc/self/cgroup"));

        // A hierarchy may be mounted more than once (bind mounts in containers): keep one entry per
        // hierarchy, preferring a mount through which the own cgroup is reachable.
        Map<Set<String>, CgroupHierarchy> byKey = new LinkedHashMap<>();
        for (MountInfo mount : mounts) {
            CgroupHierarchy hierarchy;
            Set<String> key;
            if (mount.fsType().equals("cgroup2")) {
                key = Set.of();
                hierarchy = unified(fsRoot, mount, memberships);
            } else if (mount.fsType().equals("cgroup")) {
                key = v1Controllers(mount);
                if (key.isEmpty()) {
                    continue;
                }
                hierarchy = legacy(fsRoot, mount, key, memberships);
            } else {
                continue;
            }
            CgroupHierarchy first = byKey.get(key);
            if (first == null || !first.ownDirectoryReachable()) {
                byKey.put(key, hierarchy);
            }
        }
        return new CgroupLayout(new ArrayList<>(byKey.values()));
    }

    private static CgroupHierarchy legacy(
            Path fsRoot, MountInfo mount, Set<String> controllers, List<CgroupMembership> memberships) {
        String ownPath = CgroupMembership.pathOf(memberships, controllers);
        Path mountPoint = beneath(fsRoot, mount.mountPoint());
        return new CgroupHierarchy(
                1, mountPoint, controllers, ownPath, ownDirectory(mountPoint, mount.root(), ownPath), mount.readOnly());
    }

    private static CgroupHierarchy unified(Path fsRoot, MountInfo mount, List<CgroupMembership> memberships) {
        String ownPath = CgroupMembership.pathOf(memberships, Set.of());
        Path mountPoint = beneath(fsRoot, mount.mountPoint());
        Path ownDirectory = ownDirectory(mountPoint, mount.root(), ownPath);
        Path controllersFile = (ownDirectory != null ? ownDirectory : mountPoint).resolve("cgroup.controllers");
        return new CgroupHierarchy(2, mountPoint, readWords(controllersFile), ownPath, ownDirectory, mount.readOnly());
    }

    private static Set<String> v1Controllers(MountInfo mount) {
        Set<String> controllers = new HashSet<>();
        for (String option : mount.superOptions()) {
            if (!V1_NON_CONTROLLER_OPTIONS.contains(option) && !option.startsWith("release_agent=")) {
                controllers.add(option);
            }
        }
        return Set.copyOf(controllers);
    }

    /**
     * The directory of {@code ownPath} through a mount whose root (mountinfo field 4) is {@code mountRoot}.
     * Under a cgroup namespace a pre-existing mount's root reads {@code /..}: the own cgroup is outside it.
     */
    static Path ownDirectory(Path mountPoint, String mountRoot, String ownPath) {
        if (ownPath == null || mountRoot.startsWith("/..") || ownPath.startsWith("/..")) {
            return null;
        }
        String relative;
        if (mountRoot.equals("/")) {
            relative = ownPath.substring(1);
        } else if (ownPath.equals(mountRoot)) {
            relative = "";
        } else if (ownPath.startsWith(mountRoot + "/")) {
            relative = ownPath.substring(mountRoot.length() + 1);
        } else {
            return null;
        }
        return relative.isEmpty() ? mountPoint : mountPoint.resolve(relative);
    }

    private static Path beneath(Path fsRoot, String absolute) {
        return fsRoot.resolve(absolute.substring(1)).normalize();
    }

    private static Set<String> readWords(Path file) {
        String content = ProcFiles.read(file).orElse("");
        return content.isEmpty() ? Set.of() : Set.of(content.split("\\s+"));
    }

    public Kind kind() {
        boolean legacy = false;
        for (CgroupHierarchy hierarchy : hierarchies) {
            legacy |= hierarchy.version() == 1;
        }
        boolean unified = unified().isPresent();
        if (legacy && unified) {
            return Kind.HYBRID;
        }
        if (legacy) {
            return Kind.LEGACY;
        }
        return unified ? Kind.UNIFIED : Kind.NONE;
    }

    /** Every hierarchy, in mount order, one entry per hierarchy. */
    public List<CgroupHierarchy> hierarchies() {
        return hierarchies;
    }

    /** The cgroup v2 hierarchy, when it is mounted. */
    public Optional<CgroupHierarchy> unified() {
        for (CgroupHierarchy hierarchy : hierarchies) {
            if (hierarchy.version() == 2) {
                return Optional.of(hierarchy);
            }
        }
        return Optional.empty();
    }

    /**
     * The hierarchy that governs {@code controller}: the v1 hierarchy it is bound to (a controller bound to
     * v1 is absent from v2), else the v2 hierarchy when its {@code cgroup.controllers} lists it, else empty
     * (the controller is unavailable and the caller falls back to rlimits).
     */
    public Optional<CgroupHierarchy> hierarchyFor(String controller) {
        for (CgroupHierarchy hierarchy : hierarchies) {
            if (hierarchy.version() == 1 && hierarchy.hasController(controller)) {
                return Optional.of(hierarchy);
            }
        }
        Optional<CgroupHierarchy> unified = unified();
        return unified.isPresent() && unified.get().hasController(controller) ? unified : Optional.empty();
    }

    /** Every controller available in some hierarchy, v1 named hierarchies ({@code name=…}) excluded. */
    public Set<String> controllers() {
        return hierarchies.stream()
                .flatMap(h -> h.controllers().stream())
                .filter(c -> !c.startsWith("name="))
                .collect(Collectors.collectingAndThen(
                        Collectors.toCollection(TreeSet::new), Collections::unmodifiableSet));
    }

    @Override
    public String toString() {
        return kind()
                + hierarchies.stream().map(CgroupHierarchy::toString).collect(Collectors.joining("; ", " [", "]"));
    }
}
