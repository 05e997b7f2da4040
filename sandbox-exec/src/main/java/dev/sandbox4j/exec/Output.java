package dev.sandbox4j.exec;

/**
 * What happens to the workload's standard output or error. Immutable. The default is
 * {@link #capture()}: collected into the {@link SandboxResult}, up to a byte limit.
 */
public final class Output {
    /** The default capture limit per stream: 8 MiB. */
    public static final int DEFAULT_CAPTURE_LIMIT = 8 << 20;

    enum Kind {
        CAPTURE,
        INHERIT,
        DISCARD,
        PIPE,
        FILE
    }

    private static final Output INHERIT = new Output(Kind.INHERIT, 0);
    private static final Output DISCARD = new Output(Kind.DISCARD, 0);
    /** How much unread output of an {@link #pipe()} the JVM holds per stream by default: 64 MiB. */
    public static final int DEFAULT_PIPE_BUFFER = 64 << 20;

    private static final Output PIPE = new Output(Kind.PIPE, DEFAULT_PIPE_BUFFER);
    private static final Output CAPTURE = new Output(Kind.CAPTURE, DEFAULT_CAPTURE_LIMIT);

    final Kind kind;
    final int limit;
    final java.nio.file.Path file; // FILE only

    private Output(Kind kind, int limit) {
        this(kind, limit, null);
    }

    private Output(Kind kind, int limit, java.nio.file.Path file) {
        this.kind = kind;
        this.limit = limit;
        this.file = file;
    }

    /**
     * Written to this host file, created (mode 0644) or truncated; opened by the JVM, as the caller, when the program
     * starts, like {@link ProcessBuilder.Redirect#to}. Nothing of it reaches the result.
     */
    public static Output file(java.nio.file.Path file) {
        java.util.Objects.requireNonNull(file, "file");
        return new Output(Kind.FILE, 0, file.toAbsolutePath());
    }

    /** Captured up to {@link #DEFAULT_CAPTURE_LIMIT} bytes. */
    public static Output capture() {
        return CAPTURE;
    }

    /**
     * Captured up to {@code maxBytes}; what comes beyond is still read (so the program never blocks on a
     * full pipe) but dropped, and the result says the stream was truncated.
     */
    public static Output capture(int maxBytes) {
        if (maxBytes < 0) {
            throw new dev.sandbox4j.core.InvalidConfigException(
                    "capture limit", Integer.toString(maxBytes), "must be >= 0");
        }
        return new Output(Kind.CAPTURE, maxBytes);
    }

    /** Straight to the JVM's own stream, untouched (what a command-line tool wants). */
    public static Output inherit() {
        return INHERIT;
    }

    /** Thrown away by the kernel ({@code /dev/null}). */
    public static Output discard() {
        return DISCARD;
    }

    /**
     * A stream the caller reads from {@link SandboxProcess}; only with {@link Sandbox#start}. Output is read from the
     * program as it comes and kept until the caller reads it, also after the program has ended, until the caller
     * closes the stream or the {@link SandboxProcess}. Up to {@link #DEFAULT_PIPE_BUFFER} unread bytes are held;
     * beyond that the program waits for the caller to read (nothing is dropped).
     */
    public static Output pipe() {
        return PIPE;
    }

    /** As {@link #pipe()}, holding up to {@code maxBufferedBytes} unread bytes before the program has to wait. */
    public static Output pipe(int maxBufferedBytes) {
        if (maxBufferedBytes < 1) {
            throw new dev.sandbox4j.core.InvalidConfigException(
                    "pipe buffer", Integer.toString(maxBufferedBytes), "must be at least 1 byte");
        }
        return new Output(Kind.PIPE, maxBufferedBytes);
    }

    @Override
    public String toString() {
        if (kind == Kind.FILE) {
            return "Output.file(" + file + ")";
        }
        return kind == Kind.CAPTURE || kind == Kind.PIPE && limit != DEFAULT_PIPE_BUFFER
                ? "Output." + kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + limit + ")"
                : "Output." + kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
    }
}
