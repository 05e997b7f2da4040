package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The filesystem options of {@code run}, declared for both parsers (see {@link OptionTable}): {@code --bind}, {@code --ro-bind}, {@code --tmpfs},
 * {@code --overlay}, {@code --rw}, {@code --host-fs}, {@code --no-proc}, {@code --landlock-ro}, {@code --landlock-rw}. {@code -r/--root} itself is
 * parsed with the other run options; {@link FilesystemSettings#view(Optional)} gives it its meaning.
 * Each value is checked for form here (the option is named in the error); whether the paths exist is checked
 * when the view is built.
 */
final class FilesystemOptions {
    private static final int BIND = 0;
    private static final int RO_BIND = 1;
    private static final int TMPFS = 2;
    private static final int OVERLAY = 3;
    private static final int RW = 4;
    private static final int HOST_FS = 5;
    private static final int LANDLOCK_RO = 6;
    private static final int LANDLOCK_RW = 7;
    private static final int NO_PROC = 8;
    private static final int VOLUME = 9;

    /** --bind and --ro-bind together, in command-line order (the order the mounts are made in). */
    private final List<FilesystemSettings.Bind> binds = new ArrayList<>();
    // What picocli keeps per option; the converters fill binds, which is what counts (see BindValue).
    private List<FilesystemSettings.Bind> readWriteBinds = new ArrayList<>();
    private List<FilesystemSettings.Bind> readOnlyBinds = new ArrayList<>();
    private List<FilesystemSettings.Tmpfs> tmpfs = new ArrayList<>();
    private List<FilesystemSettings.Overlay> overlays = new ArrayList<>();
    private boolean writableRoot;
    private boolean hostFilesystem;
    private boolean noProc;
    private List<Path> landlockReadOnly = new ArrayList<>();
    private List<Path> landlockReadWrite = new ArrayList<>();
    private List<FilesystemSettings.Bind> volumes = new ArrayList<>();

    /** These options as a picocli mixin named {@code filesystem}. */
    CommandSpec mixin() {
        PicocliOptions options = new PicocliOptions(this);
        declare(options);
        return options.mixin();
    }

    void declare(OptionTable table) {
        table.repeatable(new Slot(BIND), FilesystemSettings.Bind.class, new BindValue("--bind", true), "SRC[:DST]",
                "Bind host path SRC read-write at DST inside (default: the same path).", "--bind");
        table.repeatable(new Slot(RO_BIND), FilesystemSettings.Bind.class, new BindValue("--ro-bind", false),
                "SRC[:DST]", "Bind host path SRC read-only at DST inside (default: the same path).", "--ro-bind");
        table.repeatable(new Slot(VOLUME), FilesystemSettings.Bind.class, new VolumeCommand.Value(binds),
                "NAME:DST[:ro]", "Bind the named volume (sandbox-ctl volume create NAME) at DST, read-only with :ro.",
                "--volume");
        table.repeatable(new Slot(TMPFS), FilesystemSettings.Tmpfs.class, new TmpfsValue(), "DST[:SIZE]",
                "A private tmpfs at DST, limited to SIZE (e.g. 64M).", "--tmpfs");
        table.repeatable(new Slot(OVERLAY), FilesystemSettings.Overlay.class, new OverlayValue(), "LOWER:DST[:UPPER]",
                "Host directory LOWER writable at DST; changes go to UPPER (kept) or are discarded.", "--overlay");
        table.flag(new Slot(RW), "Make the root (-r/--root, or the default view's) writable.", "--rw");
        table.flag(new Slot(HOST_FS), "Weaker: no filesystem view; the program sees the host's whole file tree with "
                + "its unprivileged host identity (it can read whatever that id can, and write where others may). "
                + "Not with --bind, --ro-bind, --tmpfs, --overlay, --rw or -r/--root.", "--host-fs");
        table.flag(new Slot(NO_PROC), "Weaker: no fresh /proc inside (for containers whose masked /proc makes the kernel "
                + "refuse one): the program keeps its own PID namespace but cannot read /proc; the report lists it.",
                "--no-proc");
        table.repeatable(new Slot(LANDLOCK_RO), Path.class, new InsidePath("--landlock-ro"), "PATH",
                "Landlock: allow reading beneath PATH (plus what programs need to start).", "--landlock-ro");
        table.repeatable(new Slot(LANDLOCK_RW), Path.class, new InsidePath("--landlock-rw"), "PATH",
                "Landlock: allow reading and writing beneath PATH.", "--landlock-rw");
    }

    /** One option's value in this object, as the parsers read and write it; a named class (see SandboxCtl). */
    private final class Slot implements OptionTable.Binding {
        private final int slot;

        Slot(int slot) {
            this.slot = slot;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) switch (slot) {
                case BIND -> readWriteBinds;
                case RO_BIND -> readOnlyBinds;
                case TMPFS -> tmpfs;
                case OVERLAY -> overlays;
                case RW -> writableRoot;
                case HOST_FS -> hostFilesystem;
                case LANDLOCK_RO -> landlockReadOnly;
                case NO_PROC -> noProc;
                case VOLUME -> volumes;
                default -> landlockReadWrite;
            };
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T previous = get();
            switch (slot) {
                case BIND -> readWriteBinds = (List<FilesystemSettings.Bind>) value;
                case RO_BIND -> readOnlyBinds = (List<FilesystemSettings.Bind>) value;
                case TMPFS -> tmpfs = (List<FilesystemSettings.Tmpfs>) value;
                case OVERLAY -> overlays = (List<FilesystemSettings.Overlay>) value;
                case RW -> writableRoot = (Boolean) value;
                case HOST_FS -> hostFilesystem = (Boolean) value;
                case LANDLOCK_RO -> landlockReadOnly = (List<Path>) value;
                case NO_PROC -> noProc = (Boolean) value;
                case VOLUME -> volumes = (List<FilesystemSettings.Bind>) value;
                default -> landlockReadWrite = (List<Path>) value;
            }
            return previous;
        }
    }

    FilesystemSettings toSettings() {
        return new FilesystemSettings(binds, tmpfs, overlays, writableRoot, hostFilesystem, noProc, landlockReadOnly,
                landlockReadWrite);
    }

    static FilesystemSettings.Bind bind(String option, String text, boolean writable) {
        String[] parts = split(option, text, 1, 2, "SRC[:DST]");
        Path source = OptionValues.path(option, parts[0]).toAbsolutePath().normalize();
        Path destination = parts.length > 1 ? inside(option, parts[1]) : source;
        if (destination.getParent() == null) {
            throw overTheRoot(option, text);
        }
        return new FilesystemSettings.Bind(source, destination, writable);
    }

    static FilesystemSettings.Tmpfs tmpfs(String text) {
        String[] parts = split("--tmpfs", text, 1, 2, "DST[:SIZE]");
        Path destination = inside("--tmpfs", parts[0]);
        if (destination.getParent() == null) {
            throw overTheRoot("--tmpfs", text);
        }
        return new FilesystemSettings.Tmpfs(destination, parts.length > 1 ? Optional.of(parts[1]) : Optional.empty());
    }

    /** A mount on "/": the command line replaces the root with its own options, not with a mount. */
    private static InvalidConfigException overTheRoot(String option, String text) {
        return new InvalidConfigException(option, text, "cannot mount over the sandbox's root; -r/--root DIR makes "
                + "a directory the root (--rw makes it writable), --host-fs shows the host's whole tree");
    }

    static FilesystemSettings.Overlay overlay(String text) {
        String[] parts = split("--overlay", text, 2, 3, "LOWER:DST[:UPPER]");
        Path lower = OptionValues.path("--overlay", parts[0]).toAbsolutePath().normalize();
        Optional<Path> upper = parts.length > 2
                ? Optional.of(OptionValues.path("--overlay", parts[2]).toAbsolutePath().normalize())
                : Optional.empty();
        Path destination = inside("--overlay", parts[1]);
        if (destination.getParent() == null) {
            throw overTheRoot("--overlay", text);
        }
        return new FilesystemSettings.Overlay(lower, destination, upper);
    }

    /** A path inside the sandbox: it must be absolute, since there is no current directory to resolve it in. */
    static Path inside(String option, String text) {
        Path p = OptionValues.path(option, text);
        if (!p.isAbsolute()) {
            throw new InvalidConfigException(option, text, "the path inside the sandbox must be absolute");
        }
        return p.normalize();
    }

    private static String[] split(String option, String text, int min, int max, String syntax) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
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

    /**
     * Converts a --bind or --ro-bind value and appends it to {@link #binds}. picocli keeps each option's values
     * in a list of its own, which loses how the two options interleave; it calls the converters in command-line
     * order, so the shared list is filled here. An inner class, not a lambda: see SandboxCtl on start-up cost.
     */
    private final class BindValue implements ITypeConverter<FilesystemSettings.Bind> {
        private final String option;
        private final boolean writable;

        BindValue(String option, boolean writable) {
            this.option = option;
            this.writable = writable;
        }

        @Override
        public FilesystemSettings.Bind convert(String value) {
            FilesystemSettings.Bind bind = bind(option, value, writable);
            binds.add(bind);
            return bind;
        }
    }

    static final class TmpfsValue implements ITypeConverter<FilesystemSettings.Tmpfs> {
        @Override
        public FilesystemSettings.Tmpfs convert(String value) {
            return tmpfs(value);
        }
    }

    static final class OverlayValue implements ITypeConverter<FilesystemSettings.Overlay> {
        @Override
        public FilesystemSettings.Overlay convert(String value) {
            return overlay(value);
        }
    }

    /** A path inside the sandbox, for the option named (--landlock-ro, --landlock-rw). */
    static final class InsidePath implements ITypeConverter<Path> {
        private final String option;

        InsidePath(String option) {
            this.option = option;
        }

        @Override
        public Path convert(String value) {
            return inside(option, value);
        }
    }
}
