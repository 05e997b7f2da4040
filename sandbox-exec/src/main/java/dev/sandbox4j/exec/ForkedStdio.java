package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The standard streams of one run on the fork-server path: the descriptors handed to the launcher
 * ({@link #child}) and the JVM's ends of any pipes: as an ordinary stream for {@link Input#pipe()}, as
 * non-blocking descriptors for a captured or piped output ({@link #takeCaptured}, read by an
 * {@link OutputCollector#polled} collector or a {@link PipedOutput#watched} stream). Opened by the JVM as the
 * caller, like ProcessBuilder's redirects: {@code /dev/null}, the stdin file, the JVM's own 0/1/2, or a pipe.
 *
 * <p>A pipe's JVM end becomes a stream by opening {@code /proc/self/fd/N} with FileInputStream or
 * FileOutputStream, which re-opens the same pipe as a new open file, and then closing the raw descriptor.
 * The alternative, putting the number into a {@link java.io.FileDescriptor}, needs reflection into
 * java.base. The re-open happens while the other end is still open here, so it never blocks the way an
 * open of a FIFO without a peer would.
 */
final class ForkedStdio implements AutoCloseable {
    private static final File DEV_NULL = new File("/dev/null");
    private static final int O_NONBLOCK = 04000; // the same on x86_64 and aarch64
    private static final int O_CREAT = 0100; // the same on x86_64 and aarch64
    private static final int O_TRUNC = 01000; // the same on x86_64 and aarch64

    final int[] child = {-1, -1, -1};
    private final boolean[] owned = new boolean[3]; // false for the JVM's own 0/1/2
    private final int[] captured = {-1, -1, -1}; // the JVM's non-blocking ends of captured outputs
    OutputStream stdin = OutputStream.nullOutputStream();
    InputStream stdout = InputStream.nullInputStream();
    InputStream stderr = InputStream.nullInputStream();
    private boolean handedOver;

    /** Opens everything, or closes what it opened and throws. */
    static ForkedStdio open(Input in, Output out, Output err) {
        ForkedStdio s = new ForkedStdio();
        try {
            switch (in.kind) {
                case NONE -> s.openFile(0, DEV_NULL.getPath(), LibC.Const.O_RDONLY, null);
                case FILE -> s.openFile(0, in.file.toString(), LibC.Const.O_RDONLY, "the standard input file ");
                case INHERIT -> s.child[0] = 0;
                case BYTES, PIPE -> {
                    int[] p = s.pipe();
                    s.child[0] = p[0];
                    s.owned[0] = true;
                    s.stdin = new FileOutputStream(procFd(p[1]));
                    LibC.libc().close(p[1]);
                }
            }
            s.stdout = s.openOutput(1, out);
            s.stderr = s.openOutput(2, err);
            return s;
        } catch (IOException e) {
            s.closeAll();
            throw new SandboxException("cannot open the sandbox's standard streams: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            s.closeAll();
            throw e;
        }
    }

    private InputStream openOutput(int slot, Output output) throws IOException {
        switch (output.kind) {
            case DISCARD -> openFile(slot, DEV_NULL.getPath(), LibC.Const.O_WRONLY, null);
            case FILE ->
                openFile(
                        slot,
                        output.file.toString(),
                        LibC.Const.O_WRONLY | O_CREAT | O_TRUNC,
                        0644,
                        slot == 1 ? "the standard output file " : "the standard error file ");
            case INHERIT -> child[slot] = slot;
            case CAPTURE, PIPE -> {
                // Both read by the JVM without blocking: polled by the run, then by the output loop.
                int[] p = pipe();
                child[slot] = p[1];
                owned[slot] = true;
                // A description of its own, so that O_NONBLOCK stays off the workload's end.
                String path = procFd(p[0]);
                captured[slot] = LibC.libc().open(path, LibC.Const.O_RDONLY | O_NONBLOCK | LibC.Const.O_CLOEXEC, 0);
                int err = LibC.errno();
                LibC.libc().close(p[0]);
                if (captured[slot] < 0) {
                    throw new IOException(
                            "cannot open " + path + ": " + LibC.libc().strerror(err));
                }
            }
        }
        return InputStream.nullInputStream();
    }

    private static String procFd(int fd) {
        return "/proc/self/fd/" + fd;
    }

    private int[] pipe() {
        int[] p = new int[2];
        if (LibC.libc().pipe2(p, LibC.Const.O_CLOEXEC) != 0) {
            throw new SandboxException("cannot create a pipe for the sandbox's standard streams: "
                    + LibC.libc().strerror(LibC.errno()));
        }
        return p;
    }

    private void openFile(int slot, String path, int flags, String what) {
        openFile(slot, path, flags, 0, what);
    }

    private void openFile(int slot, String path, int flags, int mode, String what) {
        int fd = LibC.libc().open(path, flags | LibC.Const.O_CLOEXEC, mode);
        if (fd < 0) {
            String reason = LibC.libc().strerror(LibC.errno());
            throw new SandboxException(
                    what != null
                            ? "cannot open " + what + path + ": " + reason
                            : "cannot open " + path + ": " + reason);
        }
        child[slot] = fd;
        owned[slot] = true;
    }

    /** The JVM's non-blocking end of a captured output (1 or 2), now the caller's to close; -1 if none. */
    int takeCaptured(int slot) {
        int fd = captured[slot];
        captured[slot] = -1;
        return fd;
    }

    /** Closes the launcher's ends, once the server has its copies (or will never get them). */
    void closeChildEnds() {
        if (handedOver) {
            return;
        }
        handedOver = true;
        for (int i = 0; i < 3; i++) {
            if (owned[i] && child[i] >= 0) {
                LibC.libc().close(child[i]);
            }
            child[i] = -1;
        }
    }

    /** A failed start: the JVM's ends too. */
    void closeAll() {
        closeChildEnds();
        for (int slot = 1; slot < 3; slot++) {
            int fd = takeCaptured(slot);
            if (fd >= 0) {
                LibC.libc().close(fd);
            }
        }
        for (java.io.Closeable c : new java.io.Closeable[] {stdin, stdout, stderr}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing our own end of a pipe does not fail in a way we could act on
            }
        }
    }

    @Override
    public void close() {
        closeChildEnds();
    }
}
