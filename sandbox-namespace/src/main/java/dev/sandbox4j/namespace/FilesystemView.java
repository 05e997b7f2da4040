package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.namespace.internal.MountPlanner;
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
 * when built; compiled into the launcher's mount operations for each run.
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

    private static final int MAX_SYMLINKS = 40;

    /**
     * The size of every tmpfs the view makes without one given (/tmp, /dev/shm, the staging tmpfs that holds
     * discarded overlay changes, a tmpfs root, a {@link Builder#tmpfs(Path)}) when the sandbox has no memory limit;
     * with one, half of it. Never the kernel's default, half of the host's RAM
     * for each tmpfs: that is a host-wide denial of service waiting to happen.
     */
    public static final long DEFAULT_TMPFS_SIZE = 256L << 20;

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

        /** A tmpfs of the sandbox's default size (half of its memory limit, or {@link #DEFAULT_TMPFS_SIZE}), mode 0755. */
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
         * A tmpfs of {@code sizeBytes} (0 = the sandbox's default: half of its memory limit, or {@link #DEFAULT_TMPFS_SIZE}) with
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
                    ? new Mount.Bind(Path.of(MountPlanner.realPath(b.source())), b.destination(), b.writable())
                    : m);
            return new FilesystemView(root, writableRoot, mounts);
        }
    }
}
