package dev.sandbox4j.cli;

import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.Mount;
import dev.sandbox4j.core.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The filesystem options of {@code sandbox-ctl run}, parsed ({@link FilesystemOptions}) and ready to apply to a
 * {@link SandboxBuilder}. Which root the program gets:
 * <ul>
 *   <li>without {@code -r/--root}: {@link FilesystemView#defaults()}, the host's {@code /usr}, {@code /bin},
 *       {@code /lib*}, {@code /etc} read-only, a fresh {@code /proc}, a minimal {@code /dev} and a private
 *       {@code /tmp}; nothing else of the host unless bound. The program starts in the working directory
 *       ({@code -w}, else sandbox-ctl's own) when the view shows it ({@code --ro-bind .} or {@code --bind .}
 *       shows sandbox-ctl's own), else at {@code /}; a {@code -w} the view does not show is refused. Nothing is
 *       bound unasked: a bound directory exposes every listening Unix socket beneath it;</li>
 *   <li>with {@code -r/--root PATH}: that directory as {@code /}, read-only unless {@code --rw}, with a fresh
 *       {@code /proc}, a minimal {@code /dev} and a private {@code /tmp} where the tree has those directories
 *       (or anywhere, with {@code --rw}, where they are created); {@code -w} is a path inside it, default
 *       {@code /};</li>
 *   <li>with {@code --host-fs}: no view at all, the host's file tree as the program's host identity sees it
 *       (weaker: it reads whatever that id may read).</li>
 * </ul>
 * The binds, tmpfs and overlays then follow in command-line order (per kind: binds, then tmpfs, then overlays).
 *
 * @param binds             {@code --bind} and {@code --ro-bind}, in order
 * @param tmpfs             {@code --tmpfs}
 * @param overlays          {@code --overlay}
 * @param writableRoot      {@code --rw}
 * @param hostFilesystem    {@code --host-fs}
 * @param noProc            {@code --no-proc}: no fresh /proc, with the view or without one
 * @param landlockReadOnly  {@code --landlock-ro}: paths inside the sandbox
 * @param landlockReadWrite {@code --landlock-rw}: paths inside the sandbox
 */
record FilesystemSettings(
        List<Bind> binds,
        List<Tmpfs> tmpfs,
        List<Overlay> overlays,
        boolean writableRoot,
        boolean hostFilesystem,
        boolean noProc,
        List<Path> landlockReadOnly,
        List<Path> landlockReadWrite) {

    /** {@code --bind}/{@code --ro-bind SRC[:DST]}: SRC resolved against the current directory, DST absolute (default SRC). */
    record Bind(Path source, Path destination, boolean writable) {
    }

    /** {@code --tmpfs DST[:SIZE]}: SIZE as the tmpfs size option takes it, empty for the kernel default. */
    record Tmpfs(Path destination, Optional<String> size) {
    }

    /** {@code --overlay LOWER:DST[:UPPER]}: without UPPER the changes are discarded after the run. */
    record Overlay(Path lower, Path destination, Optional<Path> upper) {
        /** Kept changes need overlayfs's scratch directory beside UPPER: {@code .UPPERNAME.work}, created if missing. */
        Path work() {
            Path u = upper.orElseThrow();
            return u.resolveSibling("." + u.getFileName() + ".work");
        }
    }

    FilesystemSettings {
        binds = List.copyOf(binds);
        tmpfs = List.copyOf(tmpfs);
        overlays = List.copyOf(overlays);
        landlockReadOnly = List.copyOf(landlockReadOnly);
        landlockReadWrite = List.copyOf(landlockReadWrite);
        if (hostFilesystem) {
            List<String> viewOptions = new ArrayList<>();
            if (!binds.isEmpty()) {
                viewOptions.add("--bind/--ro-bind");
            }
            if (!tmpfs.isEmpty()) {
                viewOptions.add("--tmpfs");
            }
            if (!overlays.isEmpty()) {
                viewOptions.add("--overlay");
            }
            if (writableRoot) {
                viewOptions.add("--rw");
            }
            if (!viewOptions.isEmpty()) {
                throw new InvalidConfigException("--host-fs cannot be combined with " + String.join(", ", viewOptions)
                        + ": they change a filesystem view, and --host-fs asks for none");
            }
        }
    }

    /** No filesystem options: the default view, no Landlock. */
    static FilesystemSettings none() {
        return new FilesystemSettings(List.of(), List.of(), List.of(), false, false, false, List.of(), List.of());
    }

    /**
     * The view for this run: the default one, or {@code root} ({@code -r/--root}) as described above.
     *
     * @throws dev.sandbox4j.core.InvalidConfigException naming the offending path
     */
    FilesystemView view(Optional<Path> root) {
        Objects.requireNonNull(root, "root");
        FilesystemView.Builder view;
        if (root.isPresent()) {
            Path dir = root.get().toAbsolutePath().normalize();
            view = FilesystemView.root(dir).writableRoot(writableRoot);
            // A read-only tree cannot get mount points it lacks; skip those rather than fail.
            if (writableRoot || Files.isDirectory(dir.resolve("proc"))) {
                view.proc(Path.of("/proc"));
            }
            if (writableRoot || Files.isDirectory(dir.resolve("dev"))) {
                view.dev(Path.of("/dev"));
            }
            if (writableRoot || Files.isDirectory(dir.resolve("tmp"))) {
                view.tmpfs(Path.of("/tmp"), 0, 01777);
            }
        } else {
            view = FilesystemView.defaults().writableRoot(writableRoot);
        }
        for (Bind b : binds) {
            if (b.writable()) {
                view.bind(b.source(), b.destination());
            } else {
                view.roBind(b.source(), b.destination());
            }
        }
        for (Tmpfs t : tmpfs) {
            if (t.size().isPresent()) {
                view.tmpfs(t.destination(), t.size().get());
            } else {
                view.tmpfs(t.destination());
            }
        }
        for (Overlay o : overlays) {
            if (o.upper().isPresent()) {
                view.overlay(List.of(o.lower()), o.destination(), o.upper().get(), o.work());
            } else {
                view.overlay(o.lower(), o.destination());
            }
        }
        return view.build();
    }

    /**
     * The Landlock rules, when {@code --landlock-ro}/{@code --landlock-rw} were given: those paths plus what any
     * program needs to start ({@link LandlockRules.Builder#systemDefaults()}).
     */
    Optional<LandlockRules> landlock() {
        if (landlockReadOnly.isEmpty() && landlockReadWrite.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(LandlockRules.builder().systemDefaults()
                .readOnly(landlockReadOnly.toArray(Path[]::new))
                .readWrite(landlockReadWrite.toArray(Path[]::new))
                .build());
    }

    /**
     * Sets the filesystem (view or host), the Landlock rules and the working directory on the builder, as the
     * class comment describes.
     *
     * @param root             {@code -r/--root}
     * @param cwd              {@code -w/--cwd}
     * @param currentDirectory sandbox-ctl's own working directory, the default for the program's
     * @throws InvalidConfigException naming the offending option or path
     */
    SandboxBuilder applyTo(SandboxBuilder builder, Optional<Path> root, Optional<Path> cwd, Path currentDirectory) {
        Optional<LandlockRules> landlock = landlock();
        if (landlock.isPresent()) {
            builder.landlock(landlock.get());
        }
        if (noProc) {
            builder.withoutProc();
        }
        if (hostFilesystem) {
            if (root.isPresent()) {
                throw new InvalidConfigException("--host-fs cannot be combined with -r/--root: the one shows the host's "
                        + "file tree, the other replaces it");
            }
            builder.hostFilesystem();
            if (cwd.isPresent()) {
                builder.cwd(cwd.get());
            }
            return builder;
        }
        FilesystemView view = view(root);
        if (root.isPresent()) {
            // The host's directories mean nothing inside another tree: -w names a directory of that tree.
            if (cwd.isPresent()) {
                builder.cwd(cwd.get());
            }
            return builder.filesystem(view);
        }
        Path start = cwd.orElse(currentDirectory).toAbsolutePath().normalize();
        if (!shows(view, start)) {
            // Never bound without being asked: a bound directory shows every listening socket beneath it (an
            // ssh-agent's, a user bus) and a read-only mount or a network namespace of its own does not stop a
            // connect() to one. sandbox-ctl's own directory, unasked, is simply not the program's: it starts at /.
            if (cwd.isEmpty()) {
                return builder.filesystem(view).cwd(Path.of("/"));
            }
            throw new InvalidConfigException("-w/--cwd", cwd.get().toString(), "the sandbox's view does not show it; "
                    + "add --ro-bind " + start + " (or --bind for read-write) to show it, or name a directory inside the view");
        }
        return builder.filesystem(view).cwd(start);
    }

    /**
     * Whether the program finds the host directory {@code start} at that same path in the view: the view shows
     * that host directory there (under {@code /usr}, or bound by the user), or puts something of its own exactly
     * there ({@code -w /tmp} is the private {@code /tmp}). A path the host does not have is left to the launcher's
     * chdir, which fails and says so, as for any missing directory.
     */
    private static boolean shows(FilesystemView view, Path start) {
        if (start.getParent() == null || !Files.isDirectory(start)) {
            return true;
        }
        for (Mount mount : view.mounts()) {
            if (mount.destination().equals(start)) {
                return true;
            }
        }
        Optional<Path> shown = view.hostPath(start);
        try {
            return shown.isPresent() && Files.isSameFile(shown.get(), start);
        } catch (IOException e) {
            return false; // what the view shows there cannot be compared: not the directory that was asked for
        }
    }
}
