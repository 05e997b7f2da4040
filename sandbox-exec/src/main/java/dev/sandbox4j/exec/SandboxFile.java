package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file handed to one run as bytes ({@link RunRequest.Builder#file(SandboxFile)}): it appears at its path in the
 * sandbox's filesystem view, read-only or writable, with the permission bits chosen, owned by the program's own
 * user. sandbox4j writes it to a private host directory the program cannot see, binds it in, and removes it after
 * the run. A writable file can be read back after the run ({@link RunRequest.Builder#collect(Path, long)}).
 * Immutable.
 */
public final class SandboxFile {
    /** The largest file handed in: 64 MiB (it is held in memory until the run starts). */
    public static final int MAX_BYTES = 64 << 20;

    private final Path path;
    private final byte[] content;
    private final boolean writable;
    private final int mode;

    private SandboxFile(Path path, byte[] content, boolean writable, int mode) {
        if (path == null || !path.isAbsolute() || path.normalize().getNameCount() == 0) {
            throw new InvalidConfigException("file", String.valueOf(path), "must be an absolute path below /");
        }
        Objects.requireNonNull(content, "content");
        if (content.length > MAX_BYTES) {
            throw new InvalidConfigException(
                    "file " + path,
                    content.length + " bytes",
                    "larger than " + MAX_BYTES + " bytes; bind a host file into the view instead");
        }
        if ((mode & ~0777) != 0) {
            throw new InvalidConfigException(
                    "file " + path + " mode",
                    Integer.toOctalString(mode),
                    "use permission bits only, 0 to 0777 (no setuid, setgid or sticky bit)");
        }
        this.path = path.normalize();
        this.content = content.clone();
        this.writable = writable;
        this.mode = mode;
    }

    /** A read-only file with mode 0644 (0755 makes a program or script runnable). */
    public static SandboxFile readOnly(Path path, byte[] content) {
        return new SandboxFile(path, content, false, 0644);
    }

    /** A read-only file in UTF-8. */
    public static SandboxFile readOnly(Path path, String text) {
        return readOnly(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A read-only file with these permission bits, e.g. {@code 0755} for a program. */
    public static SandboxFile readOnly(Path path, byte[] content, int mode) {
        return new SandboxFile(path, content, false, mode);
    }

    /** A file the program may change (mode 0644, its owner): empty for an output, or with initial content. */
    public static SandboxFile writable(Path path, byte[] content) {
        return new SandboxFile(path, content, true, 0644);
    }

    /** A writable file with these permission bits. */
    public static SandboxFile writable(Path path, byte[] content, int mode) {
        return new SandboxFile(path, content, true, mode);
    }

    public Path path() {
        return path;
    }

    byte[] content() {
        return content;
    }

    public int size() {
        return content.length;
    }

    public boolean writable() {
        return writable;
    }

    public int mode() {
        return mode;
    }

    @Override
    public String toString() {
        return "SandboxFile[" + path + ", " + content.length + " bytes, " + (writable ? "writable" : "read-only")
                + ", 0" + Integer.toOctalString(mode) + "]";
    }
}
