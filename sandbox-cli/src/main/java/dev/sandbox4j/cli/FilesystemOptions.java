package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The filesystem options of {@code run}, a picocli mixin: {@code --bind}, {@code --ro-bind}, {@code --tmpfs},
 * {@code --overlay}, {@code --rw}, {@code --host-fs}, {@code --landlock-ro}, {@code --landlock-rw}. {@code -r/--root} itself is
 * parsed with the other run options; {@link FilesystemSettings#view(Optional)} gives it its meaning.
 * Each value is checked for form here (the option is named in the error); whether the paths exist is checked
 * when the view is built.
 */
final class FilesystemOptions {
    private final List<FilesystemSettings.Bind> binds = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "SRC[:DST]", converter = ReadWriteBind.class,
            description = "Bind host path SRC read-write at DST inside (default: the same path).")
    private void bind(FilesystemSettings.Bind bind) {
        binds.add(bind);
    }

    @Option(names = "--ro-bind", paramLabel = "SRC[:DST]", converter = ReadOnlyBind.class,
            description = "Bind host path SRC read-only at DST inside (default: the same path).")
    private void roBind(FilesystemSettings.Bind bind) {
        binds.add(bind);
    }

    @Option(names = "--tmpfs", paramLabel = "DST[:SIZE]", converter = TmpfsValue.class,
            description = "A private tmpfs at DST, limited to SIZE (e.g. 64M).")
    private List<FilesystemSettings.Tmpfs> tmpfs = new ArrayList<>();

    @Option(names = "--overlay", paramLabel = "LOWER:DST[:UPPER]", converter = OverlayValue.class,
            description = "Host directory LOWER writable at DST; changes go to UPPER (kept) or are discarded.")
    private List<FilesystemSettings.Overlay> overlays = new ArrayList<>();

    @Option(names = "--rw", description = "Make the root (-r/--root, or the default view's) writable.")
    private boolean writableRoot;

    @Option(names = "--host-fs",
            description = "Weaker: no filesystem view; the program sees the host's whole file tree with its "
                    + "unprivileged host identity (it can read whatever that id can, and write where others may). "
                    + "Not with --bind, --ro-bind, --tmpfs, --overlay, --rw or -r/--root.")
    private boolean hostFilesystem;

    @Option(names = "--landlock-ro", paramLabel = "PATH", converter = LandlockReadOnly.class,
            description = "Landlock: allow reading beneath PATH (plus what programs need to start).")
    private List<Path> landlockReadOnly = new ArrayList<>();

    @Option(names = "--landlock-rw", paramLabel = "PATH", converter = LandlockReadWrite.class,
            description = "Landlock: allow reading and writing beneath PATH.")
    private List<Path> landlockReadWrite = new ArrayList<>();

    FilesystemSettings toSettings() {
        return new FilesystemSettings(binds, tmpfs, overlays, writableRoot, hostFilesystem, landlockReadOnly,
                landlockReadWrite);
    }

    static FilesystemSettings.Bind bind(String option, String text, boolean writable) {
        String[] parts = split(option, text, 1, 2, "SRC[:DST]");
        Path source = OptionValues.path(option, parts[0]).toAbsolutePath().normalize();
        Path destination = parts.length > 1 ? inside(option, parts[1]) : source;
        return new FilesystemSettings.Bind(source, destination, writable);
    }

    static FilesystemSettings.Tmpfs tmpfs(String text) {
        String[] parts = split("--tmpfs", text, 1, 2, "DST[:SIZE]");
        return new FilesystemSettings.Tmpfs(inside("--tmpfs", parts[0]),
                parts.length > 1 ? Optional.of(parts[1]) : Optional.empty());
    }

    static FilesystemSettings.Overlay overlay(String text) {
        String[] parts = split("--overlay", text, 2, 3, "LOWER:DST[:UPPER]");
        Path lower = OptionValues.path("--overlay", parts[0]).toAbsolutePath().normalize();
        Optional<Path> upper = parts.length > 2
                ? Optional.of(OptionValues.path("--overlay", parts[2]).toAbsolutePath().normalize())
                : Optional.empty();
        return new FilesystemSettings.Overlay(lower, inside("--overlay", parts[1]), upper);
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

    static final class ReadWriteBind implements ITypeConverter<FilesystemSettings.Bind> {
        @Override
        public FilesystemSettings.Bind convert(String value) {
            return bind("--bind", value, true);
        }
    }

    static final class ReadOnlyBind implements ITypeConverter<FilesystemSettings.Bind> {
        @Override
        public FilesystemSettings.Bind convert(String value) {
            return bind("--ro-bind", value, false);
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

    static final class LandlockReadOnly implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return inside("--landlock-ro", value);
        }
    }

    static final class LandlockReadWrite implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return inside("--landlock-rw", value);
        }
    }
}
