package dev.sandbox4j.namespace.internal;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles a {@link FilesystemView} into the launcher's {@link MountPlan}: every decision about how a view is
 * mounted (the staging layout, sizes, attributes, masks) is made here, none in the launcher.
 */
public final class MountPlanner {
    /** Host device nodes a {@link Mount.Dev} binds when the host has them. */
    static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

    // The launcher's staging layout: a private tmpfs on STAGE, pivoted into, with the host beneath OLD_ROOT.
    static final String STAGE = "/tmp";
    static final String NEW_ROOT = "/newroot";
    static final String OLD_ROOT = "/oldroot";
    /** Where runtimes look for their cgroup (the JVM reads /proc/self/mountinfo, most others this path). */
    static final Path CGROUP_DIRECTORY = Path.of("/sys/fs/cgroup");

    static final String OVERLAYS = "/overlay";
    /** Bytes of size per inode a tmpfs may hold: 32768 files in 256 MiB, about 1 KiB of kernel memory each. */
    private static final long BYTES_PER_INODE = 8192;

    private static final long MIN_INODES = 1024;

    private final FilesystemView view;
    private final Path existingRoot; // null: a new tmpfs root
    private final boolean writableRoot;
    private final List<Mount> mounts;

    private MountPlanner(FilesystemView view) {
        this.view = view;
        this.existingRoot = view.existingRoot().orElse(null);
        this.writableRoot = view.writableRoot();
        this.mounts = view.mounts();
    }

    /**
     * The launcher's operations for {@code view}, resolving host paths now (so the launcher binds real paths,
     * not symlinks that could change).
     *
     * @param userNamespace whether the sandbox has its own user namespace (overlayfs then keeps its metadata
     *                      in user.* extended attributes, the only ones it may write there)
     * @throws InvalidConfigException if a host path vanished since the view was validated
     */
    public static MountPlan plan(FilesystemView view, boolean userNamespace) {
        return plan(view, userNamespace, List.of(), List.of(), FilesystemView.DEFAULT_TMPFS_SIZE);
    }

    /**
     * As {@link #plan(FilesystemView, boolean)}, plus a read-only {@code /sys/fs/cgroup} holding {@code cgroups}
     * when the view has a root of its own making (a tmpfs) and no mount of its own at or above that path; each of
     * {@code hidden} (host directories, such as sandbox4j's own cache and run directory) covered by an empty
     * read-only tmpfs wherever the view would show it (inside a bound or overlaid directory, or the root tree); and
     * every tmpfs without a size of its own limited to {@code tmpfsSize} bytes (see {@link #defaultTmpfsSize}).
     */
    public static MountPlan plan(
            FilesystemView view, boolean userNamespace, List<CgroupMount> cgroups, List<Path> hidden, long tmpfsSize) {
        return new MountPlanner(view).compile(userNamespace, cgroups, hidden, tmpfsSize);
    }

    private MountPlan compile(boolean userNamespace, List<CgroupMount> cgroups, List<Path> hidden, long tmpfsSize) {
        if (tmpfsSize <= 0) {
            throw new IllegalArgumentException("tmpfs size " + tmpfsSize);
        }
        view.validate();
        List<MountPlan.Operation> ops = new ArrayList<>();
        // 1. A private staging tmpfs becomes the root; the host stays reachable beneath OLD_ROOT while we build.
        ops.add(fs(
                "tmpfs",
                "sandbox4j",
                STAGE,
                MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV,
                tmpfsOptions(tmpfsSize, 0700)));
        ops.add(dir(STAGE + NEW_ROOT, 0755));
        ops.add(dir(STAGE + OLD_ROOT, 0700));
        int overlayIndex = 0;
        for (Mount m : mounts) {
            if (m instanceof Mount.Overlay o && !o.keepsChanges()) {
                // A discarded upper layer lives in the staging tmpfs, which is detached and freed after the run.
                String base = STAGE + OVERLAYS + "/" + overlayIndex++;
                ops.add(dir(STAGE + OVERLAYS, 0700));
                ops.add(dir(base, 0700));
                ops.add(dir(base + "/upper", 0755));
                ops.add(dir(base + "/work", 0700));
            }
        }
        ops.add(new MountPlan.Operation(MountPlan.Kind.PIVOT, STAGE + OLD_ROOT, STAGE, "", 0, 0, ""));
        for (Mount m : mounts) {
            if (m instanceof Mount.Overlay o && o.keepsChanges()) {
                ops.add(dir(OLD_ROOT + realPath(o.work()), 0700)); // created by the launcher, kept with the upper
            }
        }
        // 2. The new root.
        if (existingRoot == null) {
            ops.add(fs(
                    "tmpfs",
                    "sandbox4j-root",
                    NEW_ROOT,
                    MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV,
                    tmpfsOptions(tmpfsSize, 0755)));
        } else {
            long attrs = MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | (writableRoot ? 0 : MountPlan.ATTR_RDONLY);
            ops.add(bind(realPath(existingRoot), NEW_ROOT, attrs));
        }
        ops.add(new MountPlan.Operation(MountPlan.Kind.ROOT, "", NEW_ROOT, "", 0, 0, ""));
        // 3. The declared mounts, in order; targets are now paths inside the new root.
        overlayIndex = 0;
        for (Mount m : mounts) {
            String dst = m.destination().toString();
            parents(ops, m.destination());
            if (m instanceof Mount.Bind b) {
                String source = b.source().toString(); // resolved at build(), never again
                ops.add(Files.isDirectory(Path.of(source)) ? dir(dst, 0755) : file(dst));
                long attrs = MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | (b.writable() ? 0 : MountPlan.ATTR_RDONLY);
                ops.add(bind(source, dst, attrs));
            } else if (m instanceof Mount.Tmpfs t) {
                ops.add(dir(dst, 0755));
                ops.add(fs(
                        "tmpfs",
                        "tmpfs",
                        dst,
                        MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV,
                        tmpfsOptions(t.sizeBytes() > 0 ? t.sizeBytes() : tmpfsSize, t.mode())));
            } else if (m instanceof Mount.Overlay o) {
                ops.add(dir(dst, 0755));
                List<String> lowers = new ArrayList<>();
                o.lowers().forEach(l -> lowers.add(OLD_ROOT + realPath(l)));
                String upper;
                String work;
                if (o.keepsChanges()) {
                    upper = OLD_ROOT + realPath(o.upper());
                    work = OLD_ROOT + realPath(o.work());
                } else {
                    String base = OVERLAYS + "/" + overlayIndex++;
                    upper = base + "/upper";
                    work = base + "/work";
                }
                String data = "lowerdir=" + String.join(":", lowers) + ",upperdir=" + upper + ",workdir=" + work
                        + (userNamespace ? ",userxattr" : "");
                ops.add(fs("overlay", "overlay", dst, MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV, data));
            } else if (m instanceof Mount.Proc) {
                ops.add(dir(dst, 0555));
                ops.add(fs(
                        "proc", "proc", dst, MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | MountPlan.ATTR_NOEXEC, ""));
            } else if (m instanceof Mount.Dev) {
                dev(ops, dst, tmpfsSize);
            } else if (m instanceof Mount.Symlink s) {
                ops.add(new MountPlan.Operation(MountPlan.Kind.SYMLINK, s.target(), dst, "", 0, 0, ""));
            } else if (m instanceof Mount.Dir d) {
                ops.add(dir(dst, d.mode()));
            }
        }
        // 3b. The sandbox's own cgroups, read-only, where runtimes look for their limits.
        if (!cgroups.isEmpty()
                && existingRoot == null
                && mounts.stream()
                        .noneMatch(m -> CGROUP_DIRECTORY.startsWith(m.destination())
                                || m.destination().startsWith(CGROUP_DIRECTORY))) {
            String base = CGROUP_DIRECTORY.toString();
            long readOnly =
                    MountPlan.ATTR_RDONLY | MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | MountPlan.ATTR_NOEXEC;
            parents(ops, CGROUP_DIRECTORY);
            ops.add(dir(base, 0755));
            Optional<CgroupMount> unifiedRoot =
                    cgroups.stream().filter(c -> c.name().isEmpty()).findFirst();
            if (unifiedRoot.isPresent()) {
                // cgroup v2 alone, as the host has it: the hierarchy is /sys/fs/cgroup itself
                ops.add(fs(
                        "cgroup2", "cgroup", base, readOnly, unifiedRoot.get().options()));
            } else {
                // Only directories to mount on, read-only once they are made: as small as /dev's.
                ops.add(fs(
                        "tmpfs",
                        "cgroup",
                        base,
                        MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | MountPlan.ATTR_NOEXEC,
                        "size=64k,nr_inodes=64,mode=0755"));
                for (CgroupMount c : cgroups) {
                    ops.add(dir(base + "/" + c.name(), 0555));
                    ops.add(fs(
                            c.version() == 1 ? "cgroup" : "cgroup2",
                            "cgroup",
                            base + "/" + c.name(),
                            readOnly,
                            c.options()));
                }
                ops.add(new MountPlan.Operation(
                        MountPlan.Kind.SET_ATTRIBUTES, "", base, "", MountPlan.ATTR_RDONLY, 0, ""));
            }
        }
        // What must stay out of sight, wherever the mounts above would show it.
        for (Path host : hidden) {
            for (Path inside : placesOf(host)) {
                ops.add(new MountPlan.Operation(MountPlan.Kind.MASK, "", inside.toString(), "", 0, 0, ""));
            }
        }
        // 4. The assembled tmpfs root becomes read-only: the program writes only where a mount allows it.
        if (existingRoot == null && !writableRoot) {
            ops.add(new MountPlan.Operation(MountPlan.Kind.SET_ATTRIBUTES, "", "/", "", MountPlan.ATTR_RDONLY, 0, ""));
        }
        // 5. Into the new root; the staging tmpfs and the host beneath it are detached.
        ops.add(new MountPlan.Operation(MountPlan.Kind.PIVOT, "", NEW_ROOT, "", 0, 0, ""));
        return new MountPlan(ops);
    }

    /** Where the host directory {@code host} appears inside this view (as the program would find it), if anywhere. */
    private List<Path> placesOf(Path host) {
        Path target;
        try {
            target = host.toRealPath();
        } catch (IOException e) {
            return List.of(); // not there: nothing to hide
        }
        Set<Path> candidates = new java.util.LinkedHashSet<>();
        if (existingRoot != null) {
            under(Path.of("/"), existingRoot, target).ifPresent(candidates::add);
        }
        for (Mount m : mounts) {
            if (m instanceof Mount.Bind b) {
                under(b.destination(), b.source(), target).ifPresent(candidates::add);
            } else if (m instanceof Mount.Overlay o) {
                o.lowers().forEach(l -> under(o.destination(), l, target).ifPresent(candidates::add));
                if (o.keepsChanges()) {
                    under(o.destination(), o.upper(), target).ifPresent(candidates::add);
                }
            }
        }
        List<Path> places = new ArrayList<>();
        for (Path inside : candidates) {
            // Only where the program would really find it: a later mount may cover the spot already.
            Optional<Path> shown = view.hostPath(inside);
            try {
                if (shown.isPresent() && Files.isSameFile(shown.get(), target)) {
                    places.add(inside);
                }
            } catch (IOException e) {
                // unreadable there: not shown
            }
        }
        return places;
    }

    /** {@code target}'s place inside when {@code source} (a host directory) is shown at {@code destination}. */
    private static Optional<Path> under(Path destination, Path source, Path target) {
        Path real;
        try {
            real = source.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!target.startsWith(real)) {
            return Optional.empty();
        }
        return Optional.of(destination.resolve(real.relativize(target).toString()));
    }

    /** bubblewrap's minimal /dev: device nodes can't be created (CAP_MKNOD counts only in the initial namespace), so bind the host's. */
    private static void dev(List<MountPlan.Operation> ops, String dst, long shmSize) {
        ops.add(dir(dst, 0755));
        // Only mount points and symlinks, and read-only once complete: a few inodes.
        ops.add(fs(
                "tmpfs",
                "tmpfs",
                dst,
                MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV | MountPlan.ATTR_NOEXEC,
                "size=64k,nr_inodes=64,mode=0755"));
        for (String device : DEVICES) {
            Path host = Path.of("/dev", device);
            if (Files.exists(host)) {
                ops.add(file(dst + "/" + device));
                // Not nodev: these binds are the devices. The tmpfs around them is nodev.
                ops.add(bind(host.toString(), dst + "/" + device, MountPlan.ATTR_NOSUID | MountPlan.ATTR_NOEXEC));
            }
        }
        String[][] links = {
            {"fd", "/proc/self/fd"},
            {"stdin", "/proc/self/fd/0"},
            {"stdout", "/proc/self/fd/1"},
            {"stderr", "/proc/self/fd/2"},
            {"core", "/proc/kcore"},
            {"ptmx", "pts/ptmx"}
        };
        for (String[] link : links) {
            ops.add(new MountPlan.Operation(MountPlan.Kind.SYMLINK, link[1], dst + "/" + link[0], "", 0, 0, ""));
        }
        ops.add(dir(dst + "/shm", 01777));
        ops.add(fs(
                "tmpfs",
                "shm",
                dst + "/shm",
                MountPlan.ATTR_NOSUID | MountPlan.ATTR_NODEV,
                tmpfsOptions(shmSize, 01777)));
        ops.add(dir(dst + "/pts", 0755));
        ops.add(fs(
                "devpts",
                "devpts",
                dst + "/pts",
                MountPlan.ATTR_NOSUID | MountPlan.ATTR_NOEXEC,
                "newinstance,ptmxmode=0666,mode=620"));
        // Complete: nothing more may be created in it (shm and pts are mounts of their own and stay writable).
        ops.add(new MountPlan.Operation(MountPlan.Kind.SET_ATTRIBUTES, "", dst, "", MountPlan.ATTR_RDONLY, 0, ""));
    }

    /**
     * The size of a tmpfs without one given: half of the sandbox's memory limit (so that a full /tmp still leaves
     * the program memory to notice and say so; its pages count against the limit where a memory cgroup enforces
     * it), or {@link FilesystemView#DEFAULT_TMPFS_SIZE} without a limit. At least one page.
     */
    public static long defaultTmpfsSize(java.util.OptionalLong memoryLimit) {
        return memoryLimit.isPresent()
                ? Math.max(4096, memoryLimit.getAsLong() / 2)
                : FilesystemView.DEFAULT_TMPFS_SIZE;
    }

    /** A tmpfs's options: its size, an inode limit in proportion, and the mode of its root. */
    private static String tmpfsOptions(long size, int mode) {
        long inodes = Math.max(MIN_INODES, size / BYTES_PER_INODE);
        return "size=" + size + ",nr_inodes=" + inodes + ",mode=0" + Integer.toOctalString(mode);
    }

    private static void parents(List<MountPlan.Operation> ops, Path destination) {
        Deque<Path> chain = new ArrayDeque<>();
        for (Path p = destination.getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            chain.push(p);
        }
        chain.forEach(p -> ops.add(dir(p.toString(), 0755)));
    }

    private static MountPlan.Operation fs(String type, String name, String target, long attrs, String data) {
        return new MountPlan.Operation(MountPlan.Kind.FILESYSTEM, name, target, type, attrs, 0, data);
    }

    /**
     * A bind of the host path {@code source}: the launcher opens it before any namespace, with the caller's rights
     * and following no symlink; the data is where the same object is once the host lies beneath the staging root
     * (for callers who may not copy a mount of their own namespace, whose launcher copies it from there).
     */
    private static MountPlan.Operation bind(String source, String target, long attrs) {
        return new MountPlan.Operation(MountPlan.Kind.BIND, source, target, "", attrs, 0, OLD_ROOT + source);
    }

    private static MountPlan.Operation dir(String target, int mode) {
        return new MountPlan.Operation(MountPlan.Kind.DIRECTORY, "", target, "", 0, mode, "");
    }

    private static MountPlan.Operation file(String target) {
        return new MountPlan.Operation(MountPlan.Kind.FILE, "", target, "", 0, 0644, "");
    }

    /** The canonical host path, so the launcher never follows a symlink at a mount source. */
    public static String realPath(Path p) {
        try {
            return p.toRealPath().toString();
        } catch (IOException e) {
            if (Files.notExists(p.getParent() == null ? p : p.getParent())) {
                throw new InvalidConfigException("path", p.toString(), "does not exist");
            }
            // Not there yet (a work directory the launcher creates): canonicalize its parent.
            try {
                return p.getParent().toRealPath().resolve(p.getFileName()).toString();
            } catch (IOException again) {
                throw new InvalidConfigException("path", p.toString(), "cannot be resolved: " + again.getMessage());
            }
        }
    }
}
