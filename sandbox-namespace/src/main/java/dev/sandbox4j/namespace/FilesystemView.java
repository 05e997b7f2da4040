package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the sandboxed program sees of the filesystem: a root and the mounts on it. Immutable and validated
 * when built; compiled into the launcher's {@link MountPlan} for each run.
 *
 * <p>Two kinds of root:
 * <ul>
 *   <li>a <b>new root</b> ({@link #builder()}, {@link #defaults()}): an empty tmpfs owned by the launcher,
 *       assembled from the declared mounts and made read-only once they are in place, so the program can
 *       write only to what was declared writable (tmpfs, read-write binds, overlays);</li>
 *   <li>an <b>existing directory</b> ({@link #root(Path)}), e.g. an unpacked rootfs: bound (nosuid,
 *       nodev) as {@code /}, read-only unless {@link Builder#writableRoot(boolean)}. The mount points of
 *       its mounts must then already exist in it, since nothing is written to a read-only root.</li>
 * </ul>
 * Mounts are applied in declaration order, so a later mount covers an earlier one at the same or a
 * parent path. Missing parent directories of a destination are created, in the new root's tmpfs or,
 * with a writable or bound tree, in that tree.
 *
 * <p>In the launcher the new root is assembled beneath a private staging tmpfs, then switched to with
 * {@code pivot_root} and the old root detached: nothing of the host is reachable except what was bound.
 * Every mount stays in the sandbox's mount namespace, whose propagation is private, so the host's mount
 * table never changes.
 */
public final class FilesystemView {
    /** Host directories the default view binds read-only (or recreates as symlinks where the host has symlinks). */
    public static final List<Path> SYSTEM_DIRECTORIES = List.of(
            Path.of("/usr"),
            Path.of("/bin"),
            Path.of("/sbin"),
            Path.of("/lib"),
            Path.of("/lib32"),
            Path.of("/lib64"),
            Path.of("/libx32"),
            Path.of("/etc"));

    /** Host device nodes a {@link Mount.Dev} binds when the host has them. */
    static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

    // The launcher's staging layout: a private tmpfs on STAGE, pivoted into, with the host beneath OLD_ROOT.
    static final String STAGE = "/tmp";
    static final String NEW_ROOT = "/newroot";
    static final String OLD_ROOT = "/oldroot";
    /** Where runtimes look for their cgroup (the JVM reads /proc/self/mountinfo, most others this path). */
    static final Path CGROUP_DIRECTORY = Path.of("/sys/fs/cgroup");

    static final String OVERLAYS = "/overlay";
    private static final int MAX_SYMLINKS = 40;

    /**
     * The size of every tmpfs the view makes without one given (/tmp, /dev/shm, the staging tmpfs that holds
     * discarded overlay changes, a tmpfs root, a {@link Builder#tmpfs(Path)}) when the sandbox has no memory limit;
     * with one, half of it (see {@link #defaultTmpfsSize(long)}). Never the kernel's default, half of the host's RAM
     * for each tmpfs: that is a host-wide denial of service waiting to happen.
     */
    public static final long DEFAULT_TMPFS_SIZE = 256L << 20;
    /** Bytes of size per inode a tmpfs may hold: 32768 files in 256 MiB, about 1 KiB of kernel memory each. */
    private static final long BYTES_PER_INODE = 8192;

    private static final long MIN_INODES = 1024;

    private final Path existingRoot; // null: a new tmpfs root
    private final boolean writableRoot;
    private final List<Mount> mounts;

    private FilesystemView(Path existingRoot, boolean writableRoot, List<Mount> mounts) {
        this.existingRoot = existingRoot;
        this.writableRoot = writableRoot;
        this.mounts = List.copyOf(mounts);
    }

    /** A new, empty root: add what the program should see. */
    public static Builder builder() {
        return new Builder(null);
    }

    /**
     * The default view for presets: a new root with the host's {@link #SYSTEM_DIRECTORIES} read-only
     * (symlinks where the host has symlinks, e.g. {@code /bin -> usr/bin}), a fresh {@code /proc}, a minimal
     * {@code /dev}, and a private, writable {@code /tmp} (tmpfs, gone after the run). Nothing else of the
     * host: bind a working directory with {@link Builder#bind(Path, Path)} where it is wanted.
     */
    public static Builder defaults() {
        Builder b = builder();
        for (Path dir : SYSTEM_DIRECTORIES) {
            if (Files.isSymbolicLink(dir)) {
                try {
                    b.symlink(dir, Files.readSymbolicLink(dir).toString());
                } catch (IOException e) {
                    // unreadable link: leave it out, as if the host had no such directory
                }
            } else if (Files.isDirectory(dir)) {
                b.roBind(dir, dir);
            }
        }
        return b.proc(Path.of("/proc")).dev(Path.of("/dev")).tmpfs(Path.of("/tmp"), 0, 01777);
    }

    /** An existing directory as the root (an unpacked rootfs): read-only unless made writable. */
    public static Builder root(Path directory) {
        return new Builder(Objects.requireNonNull(directory, "directory"));
    }

    /** The directory used as root, or empty for a new tmpfs root. */
    public Optional<Path> existingRoot() {
        return Optional.ofNullable(existingRoot);
    }

    /** Whether the root itself is writable (only where asked; the new root is read-only once assembled). */
    public boolean writableRoot() {
        return writableRoot;
    }

    /** The mounts, in the order they are applied. */
    public List<Mount> mounts() {
        return mounts;
    }

    /** Whether the view mounts a fresh proc, which needs the PID namespace. */
    public boolean hasProc() {
        return mounts.stream().anyMatch(m -> m instanceof Mount.Proc);
    }

    /** A builder holding this view's settings, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder(existingRoot);
        b.writableRoot = writableRoot;
        mounts.forEach(m -> b.pending.add(() -> m));
        return b;
    }

    /**
     * Checks again what the host must provide (sources exist, overlay layers are directories), as
     * {@link Builder#build()} did: a sandbox built later from this view calls it at its own build().
     *
     * @throws InvalidConfigException naming the offending path
     */
    public void validate() {
        if (existingRoot != null) {
            requireDirectory("root", existingRoot);
        }
        Set<Path> destinations = new HashSet<>();
        for (Mount m : mounts) {
            if (m.destination().getParent() == null) {
                throw new InvalidConfigException(
                        "mount destination",
                        "/",
                        "cannot mount over the root; use FilesystemView.root(directory) to replace it");
            }
            if (!destinations.add(m.destination())) {
                throw new InvalidConfigException(
                        "mount destination", m.destination().toString(), "is declared twice");
            }
            if (m instanceof Mount.Bind bind) {
                if (!Files.exists(bind.source())) {
                    throw new InvalidConfigException(
                            "bind source", bind.source().toString(), "does not exist");
                }
            } else if (m instanceof Mount.Overlay overlay) {
                for (Path lower : overlay.lowers()) {
                    requireDirectory("overlay lower", lower);
                    overlayPath("overlay lower", lower);
                }
                if (overlay.keepsChanges()) {
                    requireDirectory("overlay upper", overlay.upper());
                    overlayPath("overlay upper", overlay.upper());
                    overlayPath("overlay work directory", overlay.work());
                    if (overlay.work().getParent() == null
                            || !Files.isDirectory(overlay.work().getParent())) {
                        throw new InvalidConfigException(
                                "overlay work directory",
                                overlay.work().toString(),
                                "its parent directory does not exist");
                    }
                    if (overlay.work().startsWith(overlay.upper())
                            || overlay.upper().startsWith(overlay.work())) {
                        throw new InvalidConfigException(
                                "overlay work directory",
                                overlay.work().toString(),
                                "must not lie inside the upper directory or contain it");
                    }
                }
            }
        }
        if (existingRoot != null && !writableRoot) {
            // Nothing is created in a read-only root: every mount point in the tree itself must be there
            // already. One inside an earlier mount (a tmpfs, a bind) is that mount's business.
            for (int i = 0; i < mounts.size(); i++) {
                Mount m = mounts.get(i);
                Path inRoot = existingRoot.resolve(
                        Path.of("/").relativize(m.destination()).toString());
                if (!Files.exists(inRoot, LinkOption.NOFOLLOW_LINKS) && !insideEarlierMount(i)) {
                    throw new InvalidConfigException(
                            "mount destination",
                            m.destination().toString(),
                            "does not exist in the read-only root " + existingRoot
                                    + " (create it, or use a writable root)");
                }
            }
        }
    }

    private boolean insideEarlierMount(int index) {
        Path destination = mounts.get(index).destination();
        for (int j = 0; j < index; j++) {
            if (destination.startsWith(mounts.get(j).destination())) {
                return true;
            }
        }
        return false;
    }

    private static void requireDirectory(String what, Path p) {
        if (!Files.exists(p)) {
            throw new InvalidConfigException(what, p.toString(), "does not exist");
        }
        if (!Files.isDirectory(p)) {
            throw new InvalidConfigException(what, p.toString(), "is not a directory");
        }
    }

    /** overlayfs options separate layers with ':' and options with ','; a path containing either cannot be said. */
    private static void overlayPath(String what, Path p) {
        String s = p.toString();
        if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0) {
            throw new InvalidConfigException(what, s, "overlayfs cannot take a path containing ',', ':' or '\\'");
        }
    }

    /**
     * The launcher's operations for this view, resolving host paths now (so the launcher binds real paths,
     * not symlinks that could change).
     *
     * @param userNamespace whether the sandbox has its own user namespace (overlayfs then keeps its metadata
     *                      in user.* extended attributes, the only ones it may write there)
     * @throws InvalidConfigException if a host path vanished since the view was validated
     */
    public MountPlan plan(boolean userNamespace) {
        return plan(userNamespace, List.of(), List.of(), DEFAULT_TMPFS_SIZE);
    }

    /**
     * One cgroup hierarchy the program sees at {@code /sys/fs/cgroup/NAME}, read-only. Mounted from inside the
     * sandbox's cgroup namespace, its root is the sandbox's own cgroup: runtimes that size themselves from their
     * cgroup (the JVM's heap and CPU count, Go, .NET, Node) read the sandbox's limits there.
     *
     * @param name    the directory under /sys/fs/cgroup, as on the host ({@code memory}, {@code unified}); empty
     *                for a unified hierarchy that is /sys/fs/cgroup itself (a pure cgroup v2 host)
     * @param version 1 (fstype {@code cgroup}, {@code options} its controllers, e.g. {@code cpu,cpuacct}) or 2
     * @param options the mount options, comma-separated; empty for version 2
     */
    public record CgroupMount(String name, int version, String options) {
        public CgroupMount {
            if (name.contains("/")
                    || name.startsWith(".")
                    || (version != 1 && version != 2)
                    || (name.isEmpty() && version != 2)) {
                throw new IllegalArgumentException("bad cgroup mount '" + name + "' v" + version);
            }
        }
    }

    /**
     * As {@link #plan(boolean)}, plus a read-only {@code /sys/fs/cgroup} holding {@code cgroups} when the view has
     * a root of its own making (a tmpfs) and no mount of its own at or above that path; each of {@code hidden}
     * (host directories, such as sandbox4j's own cache and run directory) covered by an empty read-only tmpfs
     * wherever the view would show it (inside a bound or overlaid directory, or the root tree); and every tmpfs
     * without a size of its own limited to {@code tmpfsSize} bytes (see {@link #defaultTmpfsSize(long)}).
     */
    public MountPlan plan(boolean userNamespace, List<CgroupMount> cgroups, List<Path> hidden, long tmpfsSize) {
        if (tmpfsSize <= 0) {
            throw new IllegalArgumentException("tmpfs size " + tmpfsSize);
        }
        validate();
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
                ops.add(dir(OLD_ROOT + real(o.work()), 0700)); // created by the launcher, kept with the upper
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
            ops.add(bind(real(existingRoot), NEW_ROOT, attrs));
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
                o.lowers().forEach(l -> lowers.add(OLD_ROOT + real(l)));
                String upper;
                String work;
                if (o.keepsChanges()) {
                    upper = OLD_ROOT + real(o.upper());
                    work = OLD_ROOT + real(o.work());
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
    List<Path> placesOf(Path host) {
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
            Optional<Path> shown = hostPath(inside);
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
     * it), or {@link #DEFAULT_TMPFS_SIZE} without a limit. At least one page.
     */
    public static long defaultTmpfsSize(java.util.OptionalLong memoryLimit) {
        return memoryLimit.isPresent() ? Math.max(4096, memoryLimit.getAsLong() / 2) : DEFAULT_TMPFS_SIZE;
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
    private static String real(Path p) {
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

    /**
     * Where a path inside the sandbox is on the host, following the view's mounts and symlinks (a
     * symlink is resolved inside the view, as the program would see it). Empty when the path is not backed
     * by the host (tmpfs, proc, dev, a directory the launcher creates) or does not exist. Used to look a
     * program up before launch; the launcher's execve stays the final judge.
     */
    public Optional<Path> hostPath(Path inside) {
        Deque<String> todo = new ArrayDeque<>();
        if (!inside.isAbsolute()) {
            return Optional.empty();
        }
        pushComponents(todo, inside);
        Path at = Path.of("/");
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.equals("..")) {
                at = at.getParent() == null ? at : at.getParent();
                continue;
            }
            Path next = at.resolve(part);
            Optional<String> link = Optional.empty();
            Mount covering = covering(next);
            if (covering instanceof Mount.Symlink s && s.destination().equals(next)) {
                link = Optional.of(s.target());
            } else {
                Optional<Path> host = mapped(covering, next);
                if (host.isEmpty() || !Files.exists(host.get(), LinkOption.NOFOLLOW_LINKS)) {
                    if (isMountAncestor(next)) {
                        at = next; // a directory the launcher creates to hold a mount point
                        continue;
                    }
                    return Optional.empty();
                }
                if (Files.isSymbolicLink(host.get())) {
                    try {
                        link = Optional.of(Files.readSymbolicLink(host.get()).toString());
                    } catch (IOException e) {
                        return Optional.empty();
                    }
                }
            }
            if (link.isPresent()) {
                if (++links > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                pushComponents(todo, Path.of(link.get()));
                if (link.get().startsWith("/")) {
                    at = Path.of("/");
                }
                continue;
            }
            at = next;
        }
        return at.getParent() == null ? Optional.ofNullable(existingRoot) : mapped(covering(at), at);
    }

    private boolean isMountAncestor(Path inside) {
        return mounts.stream()
                .anyMatch(
                        m -> !m.destination().equals(inside) && m.destination().startsWith(inside));
    }

    private static void pushComponents(Deque<String> todo, Path path) {
        List<String> parts = new ArrayList<>();
        path.forEach(p -> parts.add(p.toString()));
        for (int i = parts.size() - 1; i >= 0; i--) {
            if (!parts.get(i).equals(".")) {
                todo.push(parts.get(i));
            }
        }
    }

    /** The last-declared mount at or above this inside path (the one the program sees), or null for the root. */
    private Mount covering(Path inside) {
        for (int i = mounts.size() - 1; i >= 0; i--) {
            if (inside.startsWith(mounts.get(i).destination())) {
                return mounts.get(i);
            }
        }
        return null;
    }

    private Optional<Path> mapped(Mount covering, Path inside) {
        if (covering == null) {
            return existingRoot == null
                    ? Optional.empty()
                    : Optional.of(
                            existingRoot.resolve(Path.of("/").relativize(inside).toString()));
        }
        String rest = covering.destination().relativize(inside).toString();
        if (covering instanceof Mount.Bind b) {
            return Optional.of(b.source().resolve(rest));
        }
        if (covering instanceof Mount.Overlay o) {
            List<Path> layers = new ArrayList<>();
            if (o.keepsChanges()) {
                layers.add(o.upper());
            }
            layers.addAll(o.lowers());
            return layers.stream()
                    .map(l -> l.resolve(rest))
                    .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS))
                    .findFirst();
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FilesystemView v
                && Objects.equals(v.existingRoot, existingRoot)
                && v.writableRoot == writableRoot
                && v.mounts.equals(mounts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(existingRoot, writableRoot, mounts);
    }

    @Override
    public String toString() {
        return "FilesystemView[root=" + (existingRoot == null ? "new tmpfs" : existingRoot)
                + (writableRoot ? " (writable)" : " (read-only)") + ", mounts=" + mounts + "]";
    }

    /**
     * Declares a view. Nothing is checked until {@link #build()}, which checks everything at once and names
     * the offending path: a missing bind source, a relative destination, an overlay layer that is not a
     * directory, a tmpfs size that is not a size.
     */
    public static final class Builder {
        private final Path existingRoot;
        private boolean writableRoot;
        private final List<Supplier<Mount>> pending = new ArrayList<>();

        private Builder(Path existingRoot) {
            this.existingRoot = existingRoot;
        }

        /** A host path read-write at the same path inside. */
        public Builder bind(Path source) {
            return bind(source, source);
        }

        /** A host path read-write at {@code destination}; the program's writes reach the host. */
        public Builder bind(Path source, Path destination) {
            pending.add(() -> new Mount.Bind(source, destination, true));
            return this;
        }

        /** A host path read-only at the same path inside. */
        public Builder roBind(Path source) {
            return roBind(source, source);
        }

        /** A host path read-only at {@code destination}. */
        public Builder roBind(Path source, Path destination) {
            pending.add(() -> new Mount.Bind(source, destination, false));
            return this;
        }

        /** A tmpfs of the sandbox's default size (see {@link FilesystemView#defaultTmpfsSize}), mode 0755. */
        public Builder tmpfs(Path destination) {
            return tmpfs(destination, 0, 0755);
        }

        /**
         * A tmpfs limited to {@code size} ({@code 1M}, {@code 64KiB}, … see {@link Sizes}), mode 0755. A size of
         * zero is refused: the kernel would read it as "unlimited".
         */
        public Builder tmpfs(Path destination, String size) {
            pending.add(() -> {
                String setting = "tmpfs size for " + destination;
                long bytes = Sizes.parse(setting, size);
                if (bytes == 0) {
                    throw new InvalidConfigException(
                            setting,
                            size,
                            "must be more than 0 (which the kernel reads as unlimited); leave the size out for the default");
                }
                return new Mount.Tmpfs(destination, bytes, 0755);
            });
            return this;
        }

        /**
         * A tmpfs of {@code sizeBytes} (0 = the sandbox's default, see {@link FilesystemView#defaultTmpfsSize}) with
         * root directory permissions {@code mode}.
         */
        public Builder tmpfs(Path destination, long sizeBytes, int mode) {
            pending.add(() -> new Mount.Tmpfs(destination, sizeBytes, mode));
            return this;
        }

        /** {@code lower} at {@code destination}, writable; the changes are discarded after the run. */
        public Builder overlay(Path lower, Path destination) {
            pending.add(() -> new Mount.Overlay(List.of(lower), destination, null, null));
            return this;
        }

        /**
         * {@code lowers} (first = topmost) at {@code destination}, writable, the changes kept in {@code upper}
         * on the host; {@code work} is overlayfs's scratch directory on the same filesystem (created if
         * missing, not inside {@code upper}).
         */
        public Builder overlay(List<Path> lowers, Path destination, Path upper, Path work) {
            List<Path> copy = lowers == null ? null : List.copyOf(lowers);
            pending.add(() -> new Mount.Overlay(
                    copy, destination, Objects.requireNonNull(upper, "upper"), Objects.requireNonNull(work, "work")));
            return this;
        }

        /** A fresh proc (needs the PID namespace). */
        public Builder proc(Path destination) {
            pending.add(() -> new Mount.Proc(destination));
            return this;
        }

        /** A minimal /dev (see {@link Mount.Dev}). */
        public Builder dev(Path destination) {
            pending.add(() -> new Mount.Dev(destination));
            return this;
        }

        /** A symlink at {@code destination} to {@code target}. */
        public Builder symlink(Path destination, String target) {
            pending.add(() -> new Mount.Symlink(destination, target));
            return this;
        }

        /** An empty directory, mode 0755. */
        public Builder dir(Path destination) {
            pending.add(() -> new Mount.Dir(destination, 0755));
            return this;
        }

        /**
         * The mounts of {@code fragment}, in its order, checked at {@link #build()} like any other: see
         * {@link ViewFragment} for the ready-made ones (a JDK, a Python venv, the host's toolchain, directories,
         * scratch space) and how to write one.
         */
        public Builder add(ViewFragment fragment) {
            List<Mount> mounts =
                    List.copyOf(Objects.requireNonNull(fragment, "fragment").mounts());
            mounts.forEach(m -> pending.add(() -> m));
            return this;
        }

        /** Any declared mount. */
        public Builder mount(Mount mount) {
            Objects.requireNonNull(mount, "mount");
            pending.add(() -> mount);
            return this;
        }

        /** Whether the root itself is writable; off by default. */
        public Builder writableRoot(boolean writable) {
            this.writableRoot = writable;
            return this;
        }

        /**
         * The validated view.
         *
         * @throws InvalidConfigException naming the offending path or value
         */
        public FilesystemView build() {
            Path root = null;
            if (existingRoot != null) {
                if (!existingRoot.isAbsolute()) {
                    throw new InvalidConfigException("root", existingRoot.toString(), "must be an absolute path");
                }
                root = existingRoot.normalize();
            }
            List<Mount> mounts = new ArrayList<>();
            pending.forEach(p -> mounts.add(p.get()));
            new FilesystemView(root, writableRoot, mounts).validate();
            // Bind sources resolved here, once: every run binds what was validated, and the launcher opens that path
            // following no symlink, so a parent swapped for a symlink later fails the run instead of redirecting it.
            mounts.replaceAll(m -> m instanceof Mount.Bind b
                    ? new Mount.Bind(Path.of(real(b.source())), b.destination(), b.writable())
                    : m);
            return new FilesystemView(root, writableRoot, mounts);
        }
    }
}
