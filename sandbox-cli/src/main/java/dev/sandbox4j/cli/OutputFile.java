package dev.sandbox4j.cli;

import dev.sandbox4j.core.internal.IoErrors;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * A file sandbox-ctl writes because the user named it ({@code --report PATH}, {@code seccomp --export FILE}).
 *
 * <ul>
 *   <li>A regular file, or a name that does not exist yet, is written atomically: a temporary file beside it,
 *       made durable, then renamed over it. A reader sees the old content or the new, never a part.</li>
 *   <li>Anything else that exists ({@code /dev/null}, {@code /dev/stderr}, a FIFO, a terminal) is opened and
 *       written as an ordinary {@code open(O_WRONLY)} + {@code write} would, never replaced: a rename over
 *       {@code /dev/null} would have put a regular file in its place.</li>
 *   <li>A symbolic link is followed: what it points to is what is written, by the rules above (a dangling
 *       link is written through, creating its target, as an ordinary open would).</li>
 * </ul>
 */
final class OutputFile {
    private OutputFile() {}

    /** Writes {@code bytes} to {@code target} as the class comment says. */
    static void write(Path target, byte[] bytes) throws IOException {
        try (Prepared prepared = prepare(target)) {
            prepared.write(bytes);
        }
    }

    /**
     * Fixes now what {@code target} is, for a write after a program has run: a device, FIFO or dangling link is
     * opened now; otherwise its directory is resolved now and must be the same directory at the write. A program
     * that could write there (a {@code --bind} of it) cannot redirect the write by leaving a symbolic link, a FIFO
     * or a swapped directory behind.
     */
    static Prepared prepare(Path target) throws IOException {
        Path file = target.toAbsolutePath();
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a device, a FIFO, ...: theirs to keep; or a directory: refused by the open
            return new Prepared(FileChannel.open(file, StandardOpenOption.WRITE), null, null, null);
        }
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            return new Prepared(
                    FileChannel.open(
                            file,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING),
                    null,
                    null,
                    null);
        }
        Path real = Files.exists(file) ? file.toRealPath() : file; // a link's regular target, renamed over itself
        Path dir = real.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("the directory " + dir + " does not exist");
        }
        dir = dir.toRealPath();
        return new Prepared(
                null, dir, Files.readAttributes(dir, BasicFileAttributes.class).fileKey(), real.getFileName());
    }

    /** A target as {@link #prepare} fixed it. */
    static final class Prepared implements Closeable {
        private final FileChannel through;
        private final Path dir;
        private final Object dirKey;
        private final Path name;

        private Prepared(FileChannel through, Path dir, Object dirKey, Path name) {
            this.through = through;
            this.dir = dir;
            this.dirKey = dirKey;
            this.name = name;
        }

        void write(byte[] bytes) throws IOException {
            if (through != null) {
                writeAll(through, bytes);
                return;
            }
            if (!Objects.equals(
                    Files.readAttributes(dir, BasicFileAttributes.class).fileKey(), dirKey)) {
                throw new IOException("the directory " + dir + " was replaced meanwhile; nothing written");
            }
            replace(dir.resolve(name), bytes);
        }

        @Override
        public void close() throws IOException {
            if (through != null) {
                through.close();
            }
        }
    }

    /** A temporary file beside {@code real}, made durable, renamed over it; never over anything but a regular file. */
    private static void replace(Path real, byte[] bytes) throws IOException {
        Path temp = Files.createTempFile(real.getParent(), "." + real.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                writeAll(channel, bytes);
                channel.force(true); // durable before it becomes visible: after a crash, the old or the new
            }
            // Checked again just before: a regular file (or nothing) is all a rename may replace.
            if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(real + " is no longer a regular file; not replaced");
            }
            Files.move(temp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } finally {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static void writeAll(FileChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * What would stop {@link #write} that can be seen now, before a program runs: a missing directory, a
     * directory as target, a socket, a directory that takes no new file (read-only, {@code /proc}, no
     * permission).
     */
    static Optional<String> problemWith(Path target) {
        Path file = target.toAbsolutePath();
        if (Files.isDirectory(file)) {
            return Optional.of("is a directory");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            if (isSocket(file)) {
                return Optional.of("is a socket; name a file, a FIFO or a device");
            }
            return Files.isWritable(file) ? Optional.empty() : Optional.of("is not writable");
        }
        Path real;
        try {
            real = Files.exists(file) ? file.toRealPath() : file;
        } catch (IOException e) {
            return Optional.of("cannot be resolved: " + IoErrors.describe(e, file.toString()));
        }
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            return Optional.empty(); // a dangling link: written through, as an ordinary open would
        }
        Path dir = real.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return Optional.of("the directory " + dir + " does not exist");
        }
        // The write makes a temporary file there and renames it: try that part now (e.g. /proc takes no file).
        try {
            Files.delete(Files.createTempFile(dir, "." + real.getFileName() + ".", ".tmp"));
        } catch (IOException e) {
            return Optional.of("cannot create a file in " + dir + ": " + IoErrors.reason(e));
        }
        return Optional.empty();
    }

    private static boolean isSocket(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return (mode & 0170000) == 0140000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
