package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the cgroups of sandbox runs. Entry point of sandbox-cgroup for the executor:
 *
 * <pre>{@code
 * CgroupConfig limits = CgroupConfig.builder().memory("64M").cpuPercent(20).maxPids(32).build();
 * try (SandboxCgroup cgroup = SandboxCgroups.create(sandboxId, limits)) {
 *     plan.joinCgroups(cgroup.procsFiles());      // the launcher moves init in before init forks
 *     ... launch, wait (on timeout: cgroup.killAll()) ...
 *     CgroupStats stats = cgroup.stats();         // before close: close removes the cgroups
 * }                                               // close: kill what is left, wait until empty, rmdir
 * }</pre>
 *
 * <p>The sandbox's cgroup is created beneath this process's own cgroup in each hierarchy that is used — chosen
 * per controller, so v2, v1 and hybrid hosts all work — with every limit written before {@code create} returns.
 * If any step fails, what was created is removed again and the exception says which file and value failed.
 * No process, the JVM included, is ever moved out of its cgroup.
 *
 * <p>On a pure cgroup v2 host whose JVM is not in the root cgroup, limits need the system property
 * {@code sandbox4j.cgroup.v2.parent}: see {@link CgroupAvailability} messages and {@code Placement}.
 *
 * <p>The first creation beneath a given directory in this JVM also removes stale sandbox cgroups there: those
 * of sandbox4j JVMs that are gone (see {@link StaleCleaner}); it never touches other names.
 */
public final class SandboxCgroups {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxCgroups.class);

    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Base directories already cleaned of stale cgroups by this JVM. */
    private static final Map<Path, Boolean> CLEANED = new ConcurrentHashMap<>();

    private SandboxCgroups() {}

    /**
     * Creates the cgroups for one run of sandbox {@code sandboxId} on this host, limits written.
     *
     * @param sandboxId 1 to 64 characters of {@code [A-Za-z0-9_.-]}; part of the directory name, need not be
     *                  unique (a sequence number is appended)
     * @throws dev.sandbox4j.core.InvalidConfigException when the id is not usable in a directory name
     * @throws CgroupUnavailableException                when a controller the limits need cannot be used here,
     *                                                   before anything was created
     * @throws CgroupException                           when creating a directory or writing a limit failed; what
     *                                                   was created is removed again
     */
    public static SandboxCgroup create(String sandboxId, CgroupConfig config) {
        return create(sandboxId, config, CgroupLayout.detect());
    }

    /** As {@link #create(String, CgroupConfig)}, with a given layout (another mount namespace, tests). */
    public static SandboxCgroup create(String sandboxId, CgroupConfig config, CgroupLayout layout) {
        return reserve(sandboxId, config, layout).create();
    }

    /**
     * {@code sandboxId}, if it can be part of a sandbox cgroup's directory name: 1 to 64 of A-Z, a-z, 0-9,
     * '_', '.' and inner '-', starting with a letter, digit or '_'. The one check of a sandbox id.
     *
     * @throws dev.sandbox4j.core.InvalidConfigException naming the id and the rule, when it cannot
     */
    public static String checkSandboxId(String sandboxId) {
        return CgroupName.checkId(sandboxId);
    }

    /**
     * Whether sandbox cgroups with these limits can be created on this host, and where they would go. Writes
     * nothing. The executor uses it to choose between cgroup limits and the rlimit fallback before it starts.
     */
    public static CgroupAvailability availability(CgroupConfig config) {
        return availability(config, CgroupLayout.detect());
    }

    /** As {@link #availability(CgroupConfig)}, for a given layout. */
    public static CgroupAvailability availability(CgroupConfig config, CgroupLayout layout) {
        return availability(config, layout, LiveCgroupFs.INSTANCE, System.getProperty(Placement.V2_PARENT_PROPERTY));
    }

    static CgroupAvailability availability(CgroupConfig config, CgroupLayout layout, CgroupFs fs, String v2Parent) {
        Objects.requireNonNull(config, "config");
        Placement placement = Placement.plan(layout, config, fs, v2Parent);
        List<String> directories = new ArrayList<>();
        for (Placement.Target target : placement.targets()) {
            directories.add("v" + target.hierarchy().version() + " "
                    + (target.controllers().isEmpty() ? "(tracking only)" : String.join(",", target.controllers()))
                    + " beneath " + target.base()
                    + (target.toEnable().isEmpty()
                            ? ""
                            : " (enabling " + String.join(",", target.toEnable()) + " in its cgroup.subtree_control)"));
        }
        return new CgroupAvailability(placement.unavailable(), directories);
    }

    static SandboxCgroup create(
            String sandboxId, CgroupConfig config, CgroupLayout layout, CgroupFs fs, Owner owner, String v2Parent) {
        return reserve(sandboxId, config, layout, fs, owner, v2Parent).create();
    }

    /**
     * Decides the cgroups for one run of sandbox {@code sandboxId} without creating them: their
     * {@code cgroup.procs} files are known at once (they can go into a launch plan), and
     * {@link Reservation#create()} makes the directories and writes the limits later, for instance while the
     * launcher starts.
     *
     * @throws dev.sandbox4j.core.InvalidConfigException when the id is not usable in a directory name
     * @throws CgroupUnavailableException                when a controller the limits need cannot be used here
     */
    public static Reservation reserve(String sandboxId, CgroupConfig config, CgroupLayout layout) {
        return reserve(
                sandboxId,
                config,
                layout,
                LiveCgroupFs.INSTANCE,
                LiveOwner.OWNER,
                System.getProperty(Placement.V2_PARENT_PROPERTY));
    }

    /** This JVM as the owner of its cgroups, read once: its pid, start time and pid namespace never change. */
    private static final class LiveOwner {
        static final Owner OWNER = Owner.current(LiveCgroupFs.INSTANCE);
    }

    static Reservation reserve(
            String sandboxId, CgroupConfig config, CgroupLayout layout, CgroupFs fs, Owner owner, String v2Parent) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(layout, "layout");
        String name = new CgroupName(
                        sandboxId, owner.pidNamespace(), owner.pid(), owner.startTime(), SEQUENCE.incrementAndGet())
                .toString();
        Placement placement = Placement.plan(layout, config, fs, v2Parent);
        if (!placement.unavailable().isEmpty()) {
            throw new CgroupUnavailableException(placement.unavailable());
        }
        return new Reservation(name, config, fs, owner, placement);
    }

    /** The cgroups of one run, named and placed but not created yet: see {@link #reserve}. */
    public static final class Reservation {
        private final String name;
        private final CgroupConfig config;
        private final CgroupFs fs;
        private final Owner owner;
        private final Placement placement;

        private Reservation(String name, CgroupConfig config, CgroupFs fs, Owner owner, Placement placement) {
            this.name = name;
            this.config = config;
            this.fs = fs;
            this.owner = owner;
            this.placement = placement;
        }

        /**
         * The {@code cgroup.procs} files the cgroups will have, one per hierarchy, in the order of the created
         * cgroup's {@link SandboxCgroup#procsFiles()} (the unified hierarchy first).
         */
        public List<Path> procsFiles() {
            return placement.targets().stream()
                    .sorted((a, b) -> Integer.compare(
                            b.hierarchy().version(), a.hierarchy().version()))
                    .map(t -> t.base().resolve(name).resolve(CgroupTree.PROCS))
                    .toList();
        }

        /** The hierarchies of {@link #procsFiles()}, in the same order. */
        public List<CgroupHierarchy> hierarchies() {
            return placement.targets().stream()
                    .sorted((a, b) -> Integer.compare(
                            b.hierarchy().version(), a.hierarchy().version()))
                    .map(Placement.Target::hierarchy)
                    .toList();
        }

        /**
         * Creates the directories and writes every limit. If any step fails, what was created is removed again.
         *
         * @throws CgroupException when creating a directory or writing a limit failed
         */
        public SandboxCgroup create() {
            for (Placement.Target target : placement.targets()) {
                cleanStaleOnce(fs, target.base(), owner);
            }
            List<CgroupBackend> created = new ArrayList<>();
            List<CgroupLimit> limits = BuiltinLimits.all(config);
            try {
                for (Placement.Target target : placement.targets()) {
                    created.add(make(fs, target, name, owner));
                }
                // Every file checked in every hierarchy before the first value is written.
                for (CgroupBackend backend : created) {
                    backend.checkFiles(limits);
                }
                for (CgroupBackend backend : created) {
                    backend.applyLimits(limits);
                }
            } catch (RuntimeException e) {
                long deadline = System.nanoTime() + SandboxCgroup.REMOVE_NANOS;
                for (int i = created.size() - 1; i >= 0; i--) {
                    try {
                        CgroupTree.remove(fs, created.get(i).directory(), deadline);
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw e;
            }
            SandboxCgroup cgroup = new SandboxCgroup(name, fs, created);
            if (!created.isEmpty()) {
                OpenCgroups.remember(cgroup);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("created {} with {}: {}", cgroup, config, cgroup.settings());
            }
            return cgroup;
        }
    }

    private static CgroupBackend make(CgroupFs fs, Placement.Target target, String name, Owner owner) {
        if (target.jvmLeaf() != null && !target.toEnable().isEmpty()) {
            JvmLeaf.enter(fs, target.base(), target.jvmLeaf(), owner);
        }
        for (String controller : target.toEnable()) {
            Path subtree = target.base().resolve("cgroup.subtree_control");
            try {
                CgroupFiles.write(fs, subtree, "+" + controller);
            } catch (CgroupException e) {
                throw new CgroupException(
                        "cannot enable the " + controller + " controller for sub-cgroups: "
                                + e.getMessage()
                                + (controller.equals("cpu")
                                        ? " (the kernel refuses cpu while realtime tasks run outside the root cgroup)"
                                        : "")
                                + (target.jvmLeaf() != null
                                                && !JvmLeaf.members(fs, target.base())
                                                        .isEmpty()
                                        ? "; processes other than this JVM's are members of " + target.base()
                                                + " (pids "
                                                + String.join(", ", JvmLeaf.members(fs, target.base()))
                                                + "), and the kernel "
                                                + "enables no controller for the children of a cgroup with members: start "
                                                + "them in a child cgroup, or the JVM as the container's only process"
                                        : ""),
                        e);
            }
        }
        Path directory = target.base().resolve(name);
        try {
            fs.mkdir(directory);
        } catch (IOException e) {
            String reason = CgroupFiles.reason(e);
            throw new CgroupException(
                    "cannot create cgroup " + directory + ": " + reason
                            + (reason.contains("temporarily unavailable")
                                    ? " (cgroup.max.descendants or cgroup.max.depth of an ancestor is reached)"
                                    : ""),
                    e);
        }
        return target.hierarchy().version() == 2
                ? new V2Backend(fs, target.hierarchy(), directory, target.controllers())
                : new V1Backend(fs, target.hierarchy(), directory, target.controllers());
    }

    private static void cleanStaleOnce(CgroupFs fs, Path base, Owner owner) {
        // computeIfAbsent blocks concurrent creations beneath the same base until the scan is done, so no
        // sandbox is created into a directory still being cleaned; it cleans again only if a scan failed.
        CLEANED.computeIfAbsent(base, b -> {
            int removed = StaleCleaner.clean(fs, b, owner);
            if (removed > 0) {
                LOG.info("removed {} stale sandbox cgroup(s) beneath {}", removed, b);
            }
            return Boolean.TRUE;
        });
    }
}
