package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The filesystem options, a mixin of the run options: what the program sees. The place to add a filesystem or volume
 * option: its declaration in {@link #mixin}, its meaning in {@link #view} or {@link #applyTo}.
 *
 * <ul>
 *   <li>without {@code -r/--root}: {@link FilesystemView#defaults()}; nothing of the host beyond it unless bound. The
 *       program starts in {@code -w} (else sandbox-ctl's own directory) when the view shows it, else at {@code /};
 *       a {@code -w} the view does not show is refused;</li>
 *   <li>with {@code -r/--root PATH}: that tree as {@code /}, read-only unless {@code --rw}, with /proc, /dev and
 *       /tmp where it has those directories (or anywhere with {@code --rw});</li>
 *   <li>with {@code --host-fs}: no view, the host's tree as the program's host identity sees it.</li>
 * </ul>
 */
final class FilesystemOptions {

    /** {@code --bind}/{@code --ro-bind SRC[:DST]}: SRC resolved against the current directory, DST absolute. */
    record Bind(Path source, Path destination, boolean writable) {}

    /** {@code --tmpfs DST[:SIZE]}. */
    record Tmpfs(Path destination, Optional<String> size) {}

    /** {@code --overlay LOWER:DST[:UPPER]}: without UPPER the changes are discarded after the run. */
    record Overlay(Path lower, Path destination, Optional<Path> upper) {
        /** overlayfs's scratch directory beside UPPER: {@code .UPPERNAME.work}. */
        Path work() {
            Path u = upper.orElseThrow();
            return u.resolveSibling("." + u.getFileName() + ".work");
        }
    }

    Path root;
    /** --bind, --ro-bind and --volume in command-line order, the order the mounts are made in. */
    final List<Bind> binds = new ArrayList<>();

    final List<Tmpfs> tmpfs = new ArrayList<>();
    final List<Overlay> overlays = new ArrayList<>();
    boolean writableRoot;
    boolean hostFilesystem;
    boolean noProc;
    List<Path> landlockReadOnly = new ArrayList<>();
    List<Path> landlockReadWrite = new ArrayList<>();

    /** These options as a picocli mixin. */
    CommandSpec mixin() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-r", "--root")
                        .paramLabel("PATH")
                        .type(Path.class)
                        .converters(new Converters.PathValue())
                        .description("Use directory PATH as the program's / (read-only "
                                + "unless --rw) instead of the default view: the host's /usr, /bin, /lib*, /etc read-only, a "
                                + "private /tmp, /proc and a minimal /dev."),
                () -> root,
                v -> root = v);
        // Each occurrence appends to the one list, so --bind and --ro-bind stay interleaved as typed.
        mount(
                spec,
                "--bind",
                "SRC[:DST]",
                "Bind host path SRC read-write at DST inside (default: the same path).",
                text -> bind("--bind", text, true),
                binds::add);
        mount(
                spec,
                "--ro-bind",
                "SRC[:DST]",
                "Bind host path SRC read-only at DST inside (default: the same path).",
                text -> bind("--ro-bind", text, false),
                binds::add);
        mount(
                spec,
                "--volume",
                "NAME:DST[:ro]",
                "Bind the named volume (sandbox-ctl volume create NAME) at DST, " + "read-only with :ro.",
                VolumeCommand::bind,
                binds::add);
        mount(
                spec,
                "--tmpfs",
                "DST[:SIZE]",
                "A private tmpfs at DST, limited to SIZE (e.g. 64M).",
                FilesystemOptions::tmpfs,
                tmpfs::add);
        mount(
                spec,
                "--overlay",
                "LOWER:DST[:UPPER]",
                "Host directory LOWER writable at DST; changes go to UPPER (kept) or are discarded.",
                FilesystemOptions::overlay,
                overlays::add);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--rw")
                        .type(boolean.class)
                        .description("Make the root (-r/--root, or the default view's) writable."),
                () -> writableRoot,
                v -> writableRoot = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--host-fs")
                        .type(boolean.class)
                        .description("Weaker: no filesystem "
                                + "view; the program sees the host's whole file tree with its unprivileged host identity (it can read "
                                + "whatever that id can, and write where others may). Not with --bind, --ro-bind, --volume, --tmpfs, "
                                + "--overlay, --rw or -r/--root."),
                () -> hostFilesystem,
                v -> hostFilesystem = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--no-proc")
                        .type(boolean.class)
                        .description("Weaker: no fresh /proc "
                                + "inside (for containers whose masked /proc makes the kernel refuse one): the program keeps its own PID "
                                + "namespace but cannot read /proc; the report lists it."),
                () -> noProc,
                v -> noProc = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--landlock-ro")
                        .paramLabel("PATH")
                        .type(List.class)
                        .auxiliaryTypes(Path.class)
                        .converters(new Converters.PathValue())
                        .description("Landlock: allow reading beneath PATH (plus what programs need to start)."),
                () -> landlockReadOnly,
                v -> landlockReadOnly = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--landlock-rw")
                        .paramLabel("PATH")
                        .type(List.class)
                        .auxiliaryTypes(Path.class)
                        .converters(new Converters.PathValue())
                        .description("Landlock: allow reading and writing beneath PATH."),
                () -> landlockReadWrite,
                v -> landlockReadWrite = v);
        return spec;
    }

    /** A repeatable mount option: picocli hands over all its values so far at each occurrence, the last one new. */
    private static <T> void mount(
            CommandSpec spec,
            String name,
            String paramLabel,
            String description,
            ITypeConverter<T> converter,
            Consumer<T> add) {
        List<T> values = new ArrayList<>();
        SandboxCtl.option(
                spec,
                OptionSpec.builder(name)
                        .paramLabel(paramLabel)
                        .type(List.class)
                        .auxiliaryTypes(Object.class)
                        .converters(converter)
                        .description(description),
                () -> values,
                (List<T> all) -> {
                    if (!all.isEmpty()) {
                        add.accept(all.get(all.size() - 1));
                    }
                });
    }

    private static Tmpfs tmpfs(String text) {
        String[] parts = split("--tmpfs", text, 1, 2, "DST[:SIZE]");
        return new Tmpfs(
                inside("--tmpfs", text, parts[0]), parts.length > 1 ? Optional.of(parts[1]) : Optional.empty());
    }

    private static Overlay overlay(String text) {
        String[] parts = split("--overlay", text, 2, 3, "LOWER:DST[:UPPER]");
        Path lower = Converters.path("--overlay", parts[0]).toAbsolutePath().normalize();
        Optional<Path> upper = parts.length > 2
                ? Optional.of(
                        Converters.path("--overlay", parts[2]).toAbsolutePath().normalize())
                : Optional.empty();
        return new Overlay(lower, inside("--overlay", text, parts[1]), upper);
    }

    private static Bind bind(String option, String text, boolean writable) {
        String[] parts = split(option, text, 1, 2, "SRC[:DST]");
        Path source = Converters.path(option, parts[0]).toAbsolutePath().normalize();
        Path destination = parts.length > 1 ? inside(option, text, parts[1]) : notTheRoot(option, text, source);
        return new Bind(source, destination, writable);
    }

    /** A path inside the sandbox: absolute, since there is no current directory to resolve it in, and not / itself. */
    static Path inside(String option, String text, String part) {
        Path path = Converters.path(option, part);
        if (!path.isAbsolute()) {
            throw new InvalidConfigException(option, part, "the path inside the sandbox must be absolute");
        }
        return notTheRoot(option, text, path.normalize());
    }

    /** The command line replaces the root with -r/--root, not with a mount over it. */
    private static Path notTheRoot(String option, String text, Path destination) {
        if (destination.getParent() == null) {
            throw new InvalidConfigException(
                    option,
                    text,
                    "cannot mount over the sandbox's root; -r/--root DIR makes "
                            + "a directory the root (--rw makes it writable), --host-fs shows the host's whole tree");
        }
        return destination;
    }

    private static String[] split(String option, String text, int min, int max, String syntax) {
        String[] parts = text.split(":", -1);
        if (parts.length < min || parts.length > max) {
            throw new InvalidConfigException(option, text, "expected " + syntax);
        }
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new InvalidConfigException(option, text, "expected " + syntax + " without empty parts");
            }
        }
        return parts;
    }

    /** The view: the default one, or {@code -r/--root}'s tree, then the binds, tmpfs and overlays in order. */
    FilesystemView view() {
        FilesystemView.Builder view;
        if (root != null) {
            Path dir = root.toAbsolutePath().normalize();
            view = FilesystemView.root(dir).writableRoot(writableRoot);
            // A read-only tree cannot get mount points it lacks: those are left out rather than failing.
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

    /** {@code --landlock-ro}/{@code --landlock-rw} plus what any program needs to start, when either was given. */
    Optional<LandlockRules> landlock() {
        if (landlockReadOnly.isEmpty() && landlockReadWrite.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(LandlockRules.builder()
                .systemDefaults()
                .readOnly(landlockReadOnly.toArray(Path[]::new))
                .readWrite(landlockReadWrite.toArray(Path[]::new))
                .build());
    }

    /**
     * Sets the filesystem, Landlock and the working directory on the builder, as the class comment says.
     *
     * @param cwd              {@code -w/--cwd}, or {@code null}
     * @param currentDirectory sandbox-ctl's own working directory, the default for the program's
     */
    void applyTo(SandboxBuilder builder, Path cwd, Path currentDirectory) {
        if (hostFilesystem) {
            refuseViewOptions();
        }
        if (cwd != null) {
            builder.cwd(cwd); // the library's check that it is absolute comes first
        }
        landlock().ifPresent(builder::landlock);
        if (noProc) {
            builder.withoutProc();
        }
        if (hostFilesystem) {
            builder.hostFilesystem();
            return;
        }
        FilesystemView view = view();
        builder.filesystem(view);
        if (root != null) {
            return; // -w names a directory of that tree, / by default
        }
        Path start = (cwd != null ? cwd : currentDirectory).toAbsolutePath().normalize();
        if (shows(view, start)) {
            builder.cwd(start);
        } else if (cwd == null) {
            // Never bound unasked: a bound directory shows every listening socket beneath it (an ssh-agent's).
            builder.cwd(Path.of("/"));
        } else {
            throw new InvalidConfigException(
                    "-w/--cwd",
                    cwd.toString(),
                    "the sandbox's view does not show it; " + "add --ro-bind " + start
                            + " (or --bind for read-write) to show it, or name a directory inside the view");
        }
    }

    private void refuseViewOptions() {
        if (root != null) {
            throw new InvalidConfigException("--host-fs cannot be combined with -r/--root: the one shows the host's "
                    + "file tree, the other replaces it");
        }
        List<String> viewOptions = new ArrayList<>();
        if (!binds.isEmpty()) {
            viewOptions.add("--bind/--ro-bind/--volume");
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

    /**
     * Whether the program finds host directory {@code start} at that path in the view: the view shows it there, or
     * mounts something of its own exactly there ({@code -w /tmp}). A path the host lacks is left to the launcher's
     * chdir, which says so.
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
            return false; // cannot be compared: not the directory that was asked for
        }
    }
}
