package dev.sandbox4j.exec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the workload's standard input comes from. Immutable. The default is {@link #none()}: the program
 * reads end-of-file immediately, as from {@code /dev/null}, and cannot wait on the caller's terminal.
 */
public final class Input {
    enum Kind {
        NONE,
        BYTES,
        FILE,
        INHERIT,
        PIPE
    }

    private static final Input NONE = new Input(Kind.NONE, null, null);
    private static final Input INHERIT = new Input(Kind.INHERIT, null, null);
    private static final Input PIPE = new Input(Kind.PIPE, null, null);

    final Kind kind;
    private final byte[] bytes;
    final Path file;

    private Input(Kind kind, byte[] bytes, Path file) {
        this.kind = kind;
        this.bytes = bytes;
        this.file = file;
    }

    /** End-of-file at once ({@code /dev/null}). */
    public static Input none() {
        return NONE;
    }

    /** These bytes, then end-of-file. Written by a helper thread, so a program that never reads is fine. */
    public static Input bytes(byte[] bytes) {
        return new Input(Kind.BYTES, bytes.clone(), null);
    }

    /** The text in UTF-8, then end-of-file. */
    public static Input text(String text) {
        return new Input(Kind.BYTES, text.getBytes(StandardCharsets.UTF_8), null);
    }

    /** The file's contents; opened by the JVM, as the caller, when the program starts. */
    public static Input file(Path file) {
        return new Input(Kind.FILE, null, Objects.requireNonNull(file, "file"));
    }

    /** The JVM's own standard input (a command-line tool passing its stdin through). */
    public static Input inherit() {
        return INHERIT;
    }

    /** A pipe the caller writes through {@link SandboxProcess#stdin()}; only with {@link Sandbox#start}. */
    public static Input pipe() {
        return PIPE;
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case BYTES -> "Input.bytes(" + bytes.length + " bytes)";
            case FILE -> "Input.file(" + file + ")";
            default -> "Input." + kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
        };
    }
}
