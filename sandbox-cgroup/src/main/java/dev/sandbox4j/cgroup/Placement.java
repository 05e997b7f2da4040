package dev.sandbox4j.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a sandbox's cgroups go, decided per controller: the hierarchy {@link CgroupLayout#hierarchyFor} names,
 * and in it the directory under which the sandbox cgroup is made (its base). Computing a placement writes
 * nothing, so {@link SandboxCgroups#availability} can ask without side effects.
 *
 * <p>Controllers the limits need are <em>required</em>: without them the sandbox cannot be created. The others
 * are used where available, for statistics and kill-all: memory (peak, OOM kills), cpuacct (CPU time on v1),
 * pids (peak, stopping forks during kill-all) and freezer (v1 kill-all). On v2 an optional controller is only
 * used when already enabled: sandbox4j enables controllers in a {@code cgroup.subtree_control} only for
 * limits that were asked for, since that changes accounting for every sibling too.
 *
 * <p>The base is this process's own cgroup in each hierarchy, with one exception on v2. There a cgroup with
 * member processes cannot enable domain controllers (memory) for its children — the no-internal-process rule —
 * and the JVM is a member of its own cgroup; sandbox4j never moves it (or anything else) to get around that.
 * If the own cgroup is the hierarchy's real root (exempt from the rule), controllers are enabled there.
 * Otherwise the administrator may name a delegated ancestor of the JVM's cgroup that already enables the
 * controllers, with the system property {@value #V2_PARENT_PROPERTY} (e.g. {@code /system.slice/app.scope} when
 * the JVM runs in {@code /system.slice/app.scope/supervisor}); sandboxes then go beneath it, beside the JVM's
 * leaf, as crun does. This is never guessed: the parent of a systemd session scope also enables memory, but it
 * is systemd's, not delegated, and cgroups must not be created there. Without it the controller is reported
 * unavailable, with what the administrator can do.
 *
 * <p>The one place sandbox4j does move the JVM: on a pure v2 host, when its cgroup is the root of a cgroup
 * namespace ("/", yet with a cgroup.type: a pod's or container's own cgroup) and writable, i.e. delegated to the
 * container. There the JVM moves into the leaf {@link JvmLeaf#NAME} when the first sandbox cgroup is created, the
 * root enables what is needed, and sandboxes go beside the leaf; once the JVM is in that leaf, its parent is
 * the base, as if named with {@value #V2_PARENT_PROPERTY}.
 */
final class Placement {

    /** System property naming a delegated cgroup v2 ancestor of the JVM's cgroup to create sandboxes beneath. */
    static final String V2_PARENT_PROPERTY = "sandbox4j.cgroup.v2.parent";

    static final List<String> OPTIONAL_CONTROLLERS = List.of("memory", "cpuacct", "pids", "freezer");

    /**
     * One sandbox cgroup to make.
     *
     * @param hierarchy   the hierarchy
     * @param base        the directory beneath which the sandbox cgroup is made
     * @param controllers the controllers driven through it (empty for the v2 tracking cgroup of a hybrid host)
     * @param toEnable    v2 only: controllers to add to {@code base/cgroup.subtree_control} first
     * @param jvmLeaf     v2 only: the leaf this JVM moves into before that (see {@link JvmLeaf}), or null
     */
    record Target(CgroupHierarchy hierarchy, Path base, Set<String> controllers, Set<String> toEnable, Path jvmLeaf) {
        Target(CgroupHierarchy hierarchy, Path base, Set<String> controllers, Set<String> toEnable) {
            this(hierarchy, base, controllers, toEnable, null);
        }

        Target {
            // Sorted: the order of subtree_control writes and of messages is stable.
            controllers = Collections.unmodifiableSortedSet(new TreeSet<>(controllers));
            toEnable = Collections.unmodifiableSortedSet(new TreeSet<>(toEnable));
        }
    }

    private final List<Target> targets;
    private final Map<String, String> unavailable;

    private Placement(List<Target> targets, Map<String, String> unavailable) {
        this.targets = List.copyOf(targets);
        this.unavailable = unavailable;
    }

    List<Target> targets() {
        return targets;
    }

    /** Required controllers that cannot be used, each with the reason; empty when the sandbox can be created. */
    Map<String, String> unavailable() {
        return unavailable;
    }

    /**
     * @param v2Parent the value of {@value #V2_PARENT_PROPERTY}: a cgroup path in /proc/self/cgroup notation,
     *                 or null
     */
    static Placement plan(CgroupLayout layout, CgroupConfig config, CgroupFs fs, String v2Parent) {
        List<CgroupController> requiredControllers = config.controllers();
        Set<CgroupController> wanted = new LinkedHashSet<>(requiredControllers);
        OPTIONAL_CONTROLLERS.forEach(name -> wanted.add(CgroupController.of(name, name)));
        // Names as each hierarchy knows them; a v1 blkio and a v2 io are the same required controller.
        Set<String> required = new LinkedHashSet<>();

        Map<String, String> unavailable = new LinkedHashMap<>();
        Map<CgroupHierarchy, Set<String>> byHierarchy = new LinkedHashMap<>();
        for (CgroupController controller : wanted) {
            boolean isRequired = requiredControllers.contains(controller);
            CgroupHierarchy hierarchy = hierarchyFor(layout, controller);
            String problem = hierarchy == null ? noHierarchy(controller.toString(), layout) : unusable(hierarchy, fs);
            if (problem == null && isRequired) {
                problem = inexpressible(config, controller, hierarchy.version());
            }
            if (problem != null) {
                if (isRequired) {
                    unavailable.put(controller.toString(), problem);
                }
                continue;
            }
            String name = controller.name(hierarchy.version());
            if (isRequired) {
                required.add(name);
            }
            byHierarchy.computeIfAbsent(hierarchy, h -> new TreeSet<>()).add(name);
        }
        // The unified hierarchy is joined even without controllers: cgroup.kill, cgroup.events and cpu.stat
        // work there on hybrid hosts (runc joins it the same way).
        layout.unified()
                .filter(v2 -> unusable(v2, fs) == null)
                .ifPresent(v2 -> byHierarchy.computeIfAbsent(v2, h -> new TreeSet<>()));

        List<Target> targets = new ArrayList<>();
        for (Map.Entry<CgroupHierarchy, Set<String>> entry : byHierarchy.entrySet()) {
            CgroupHierarchy hierarchy = entry.getKey();
            if (hierarchy.version() == 1) {
                targets.add(new Target(hierarchy, hierarchy.ownDirectory(), entry.getValue(), Set.of()));
            } else {
                targets.add(planUnified(
                        hierarchy,
                        entry.getValue(),
                        required,
                        fs,
                        v2Parent,
                        unavailable,
                        layout.kind() == CgroupLayout.Kind.UNIFIED));
            }
        }
        return new Placement(targets, Collections.unmodifiableMap(unavailable));
    }

    private static Target planUnified(
            CgroupHierarchy hierarchy,
            Set<String> controllers,
            Set<String> required,
            CgroupFs fs,
            String v2Parent,
            Map<String, String> unavailable,
            boolean pureV2) {
        Path own = hierarchy.ownDirectory();
        Set<String> needed =
                controllers.stream().filter(required::contains).collect(Collectors.toCollection(TreeSet::new));
        Set<String> ownSubtree = words(fs, own.resolve("cgroup.subtree_control"));
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(ownSubtree);

        if (missing.isEmpty()) {
            return new Target(hierarchy, own, usable(controllers, needed, ownSubtree), Set.of());
        }
        // The real root has no cgroup.type (a cgroup namespace's root does, and is not exempt).
        if (!fs.exists(own.resolve("cgroup.type"))) {
            return new Target(hierarchy, own, usable(controllers, needed, ownSubtree), missing);
        }
        if (v2Parent == null && pureV2) {
            Set<String> offered = words(fs, own.resolve("cgroup.controllers"));
            if (hierarchy.ownPath().equals("/") && offered.containsAll(missing)) {
                // A delegated namespace root: the JVM moves into its leaf, then the root enables every
                // controller a sandbox limit may use, once, so that later runs (and this JVM's view of its
                // own cgroup, the leaf) find them without moving anything again.
                Set<String> toEnable = new TreeSet<>(missing);
                JvmLeaf.CONTROLLERS.stream().filter(offered::contains).forEach(toEnable::add);
                toEnable.removeAll(ownSubtree);
                return new Target(
                        hierarchy, own, usable(controllers, needed, ownSubtree), toEnable, own.resolve(JvmLeaf.NAME));
            }
            Path parent = own.getParent();
            if (hierarchy.ownPath().equals("/" + JvmLeaf.NAME)
                    && parent != null
                    && fs.isWritable(parent)
                    && words(fs, parent.resolve("cgroup.controllers")).containsAll(needed)) {
                // Moved there before: sandboxes go beside the leaf, and the root enables what is still missing.
                Set<String> parentSubtree = words(fs, parent.resolve("cgroup.subtree_control"));
                Set<String> toEnable = new TreeSet<>(needed);
                toEnable.removeAll(parentSubtree);
                return new Target(hierarchy, parent, usable(controllers, needed, parentSubtree), toEnable);
            }
        }
        if (v2Parent != null) {
            String problem = delegatedParentProblem(hierarchy, v2Parent, needed, fs);
            if (problem == null) {
                Path parent = resolve(hierarchy, v2Parent);
                Set<String> parentSubtree = words(fs, parent.resolve("cgroup.subtree_control"));
                return new Target(hierarchy, parent, usable(controllers, needed, parentSubtree), Set.of());
            }
            for (String controller : missing) {
                unavailable.put(controller, problem);
            }
        } else {
            for (String controller : missing) {
                unavailable.put(controller, internalProcessProblem(controller, hierarchy, ownSubtree));
            }
        }
        // Still usable for tracking (cgroup.kill, cpu.stat) and whatever the own cgroup already enables.
        Set<String> kept = new TreeSet<>(controllers);
        kept.retainAll(ownSubtree);
        return new Target(hierarchy, own, kept, Set.of());
    }

    /** The v1 hierarchy carrying the controller's v1 name, else the unified one offering its v2 name. */
    private static CgroupHierarchy hierarchyFor(CgroupLayout layout, CgroupController controller) {
        for (CgroupHierarchy hierarchy : layout.hierarchies()) {
            if (hierarchy.version() == 1 && hierarchy.hasController(controller.name(1))) {
                return hierarchy;
            }
        }
        return layout.unified().filter(h -> h.hasController(controller.name(2))).orElse(null);
    }

    /** Why a limit on {@code controller} cannot be written on cgroup {@code version}, or null. */
    private static String inexpressible(CgroupConfig config, CgroupController controller, int version) {
        for (CgroupLimit limit : config.limits()) {
            if (limit.controller().equals(controller) && limit.writes(version).isEmpty()) {
                return limit + " cannot be expressed on cgroup v" + version + ", where this host has the "
                        + controller.name(version) + " controller";
            }
        }
        return null;
    }

    /** The required controllers plus the optional ones that are already enabled. */
    private static Set<String> usable(Set<String> controllers, Set<String> needed, Set<String> enabled) {
        Set<String> result = new TreeSet<>(needed);
        controllers.stream().filter(enabled::contains).forEach(result::add);
        return result;
    }

    /** Why {@code v2Parent} cannot take the sandboxes, or null when it can. */
    private static String delegatedParentProblem(
            CgroupHierarchy hierarchy, String v2Parent, Set<String> needed, CgroupFs fs) {
        String prefix = "-D" + V2_PARENT_PROPERTY + "=" + v2Parent + ": ";
        String own = hierarchy.ownPath();
        String parent = v2Parent.endsWith("/") && v2Parent.length() > 1
                ? v2Parent.substring(0, v2Parent.length() - 1)
                : v2Parent;
        if (!parent.startsWith("/")
                || parent.contains("/../")
                || parent.endsWith("/..")
                || own == null
                || !(parent.equals("/") ? own.length() > 1 : own.startsWith(parent + "/"))) {
            return prefix + "must be an absolute cgroup path that is an ancestor of this JVM's cgroup " + own;
        }
        Path directory = resolve(hierarchy, parent);
        if (directory == null || !directory.startsWith(hierarchy.mountPoint())) {
            return prefix + "lies above the part of the hierarchy mounted at " + hierarchy.mountPoint();
        }
        if (!fs.exists(directory)) {
            return prefix + directory + " does not exist";
        }
        if (!fs.isWritable(directory)) {
            return prefix + "no write permission on " + directory;
        }
        Set<String> subtree = words(fs, directory.resolve("cgroup.subtree_control"));
        if (!subtree.containsAll(needed)) {
            return prefix + "its cgroup.subtree_control (\"" + String.join(" ", subtree) + "\") must enable "
                    + String.join(" ", needed) + "; write \"+" + String.join(" +", needed) + "\" to "
                    + directory.resolve("cgroup.subtree_control");
        }
        return null;
    }

    /**
     * The directory of {@code cgroupPath}, an ancestor of the own cgroup in /proc/self/cgroup notation, found by
     * walking up from the own directory; may lie above the mount point when the mount shows a subtree only.
     */
    private static Path resolve(CgroupHierarchy hierarchy, String cgroupPath) {
        Path own = hierarchy.ownDirectory();
        // ownDirectory = mount + (ownPath relative to the mount root): walk up from it by the depth difference.
        int up = depth(hierarchy.ownPath()) - depth(cgroupPath);
        Path directory = own;
        for (int i = 0; i < up && directory != null; i++) {
            directory = directory.getParent();
        }
        return directory;
    }

    private static int depth(String cgroupPath) {
        return (int) cgroupPath.chars().filter(c -> c == '/').count() - (cgroupPath.equals("/") ? 1 : 0);
    }

    private static String internalProcessProblem(String controller, CgroupHierarchy hierarchy, Set<String> ownSubtree) {
        return "cgroup v2: " + controller + " is not enabled for sub-cgroups of this JVM's cgroup "
                + hierarchy.ownPath() + " (cgroup.subtree_control: \"" + String.join(" ", ownSubtree) + "\"), and "
                + "cannot be: the JVM is a member of that cgroup, and the kernel lets a non-root cgroup with member "
                + "processes enable no domain controller for its children (the no-internal-process rule, EBUSY); "
                + "sandbox4j never moves the JVM. Start the JVM in a leaf of a delegated subtree whose parent "
                + "enables the controllers and name that parent with -D" + V2_PARENT_PROPERTY + ", e.g. "
                + "systemd-run --scope -p Delegate=yes sh -c 'p=$(cut -d: -f3 /proc/self/cgroup); "
                + "cg=/sys/fs/cgroup$p; mkdir $cg/supervisor; echo $$ > $cg/supervisor/cgroup.procs; "
                + "echo \"+memory +cpu +pids\" > $cg/cgroup.subtree_control; exec java -D" + V2_PARENT_PROPERTY
                + "=$p …'; or run without cgroup limits (rlimits only)";
    }

    private static String noHierarchy(String controller, CgroupLayout layout) {
        if (layout.kind() == CgroupLayout.Kind.NONE) {
            return "no cgroup file system is mounted in this mount namespace";
        }
        return "no mounted cgroup hierarchy offers the " + controller + " controller to this process's cgroup"
                + " (not bound to a v1 hierarchy and not in the v2 cgroup.controllers); layout: " + layout;
    }

    /** Why sandbox cgroups cannot be made beneath the own cgroup of {@code hierarchy}, or null when they can. */
    static String unusable(CgroupHierarchy hierarchy, CgroupFs fs) {
        if (hierarchy.ownDirectory() == null) {
            return "this process's cgroup " + (hierarchy.ownPath() == null ? "" : hierarchy.ownPath() + " ")
                    + "is not visible through the mount at " + hierarchy.mountPoint()
                    + " (a cgroup namespace, or a mount of another part of the hierarchy)";
        }
        if (hierarchy.readOnly()) {
            return hierarchy.mountPoint() + " is mounted read-only (as in an unprivileged container)";
        }
        if (!fs.isWritable(hierarchy.ownDirectory())) {
            return "no write permission on " + hierarchy.ownDirectory()
                    + (hierarchy.version() == 1
                            ? " (cgroup v1 hierarchies are not delegated to unprivileged users: run as root, or use the "
                                    + "rlimit fallback)"
                            : " (creating cgroups there needs root or a cgroup v2 subtree delegated to this user, e.g. "
                                    + "systemd-run --user --scope -p Delegate=yes)");
        }
        return null;
    }

    private static Set<String> words(CgroupFs fs, Path file) {
        String content = CgroupFiles.read(fs, file).orElse("").strip();
        return content.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(content.split("\\s+")));
    }
}
