package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real kernel: cgroupfs through NIO, signals through {@link ProcessHandle}. Stateless. */
final class LiveCgroupFs implements CgroupFs {
    static final LiveCgroupFs INSTANCE = new LiveCgroupFs();

    private static final Logger LOG = LoggerFactory.getLogger(LiveCgroupFs.class);

    private LiveCgroupFs() {}

    /**
     * Not {@link Files#readString}: cgroupfs and procfs report sizes that are not the content's, and some
     * handlers only answer a read at offset 0; {@link InputStream#readAllBytes} asks for 8 KiB at once.
     */
    @Override
    public Optional<String> read(Path file) throws IOException {
        return uninterruptibly(() -> {
            try (InputStream in = Files.newInputStream(file)) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        });
    }

    /** WRITE only: no O_CREAT (a missing control file must fail, not be created) and no O_TRUNC. */
    @Override
    public void write(Path file, String value) throws IOException {
        uninterruptibly(() -> {
            ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                int written = channel.write(bytes);
                if (bytes.hasRemaining()) {
                    // A second write would be parsed as a separate value; never split one.
                    throw new IOException(
                            "short write to " + file + ": " + written + " of " + value.length() + " bytes");
                }
            }
            return null;
        });
    }

    /** One read or write of a cgroup file. */
    @FunctionalInterface
    interface FileOperation<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code operation} to completion whatever interrupts the thread, and leaves the interrupt pending for
     * the caller's next wait to see. NIO channels are interruptible: an interrupt closes the channel and turns
     * a cgroup write into a ClosedByInterruptException, so a run interrupted while its cgroup was being set up
     * failed with a CgroupException instead of an InterruptedException, and the clean-up that followed, still
     * interrupted, could not read the files it needed. A cgroup file operation never blocks, and every one is
     * idempotent (setting a value, joining or killing a pid), so repeating one the interrupt cut short is safe.
     */
    static <T> T uninterruptibly(FileOperation<T> operation) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return operation.run();
                } catch (ClosedByInterruptException e) {
                    interrupted = true;
                    Thread.interrupted(); // set again by the interrupt that closed the channel: clear and repeat
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void mkdir(Path directory) throws IOException {
        Files.createDirectory(directory);
    }

    /** {@link Files#delete} on a directory is rmdir(2). */
    @Override
    public void rmdir(Path directory) throws IOException {
        Files.delete(directory);
    }

    @Override
    public List<Path> children(Path directory) throws IOException {
        try {
            // kernfs keeps a directory's link count at 2 + its subdirectories, so a leaf (every sandbox cgroup in
            // practice) costs one stat here instead of one per control file: ~1 ms per run on the reference host.
            if (Files.getAttribute(directory, "unix:nlink", LinkOption.NOFOLLOW_LINKS) instanceof Integer links
                    && links == 2) {
                return List.of();
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // No "unix" attribute view: list the entries.
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public boolean isWritable(Path path) {
        return Files.isWritable(path);
    }

    @Override
    public void kill(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            // kill(0 or negative) would signal process groups, our own included: never. A v2 cgroup.procs shows
            // 0 for a member outside this pid namespace, which no signal from here can reach anyway.
            LOG.warn("not signalling pid {} of a sandbox cgroup: not a process of this pid namespace", pid);
            return;
        }
        // destroyForcibly is SIGKILL, sent only while the pid still names the process ProcessHandle.of found.
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isPresent()
                && !process.get().destroyForcibly()
                && process.get().isAlive()) {
            LOG.warn("cannot kill process {} of a sandbox cgroup", pid);
        }
    }

    @Override
    public OptionalLong startTime(long pid) {
        try {
            Optional<String> stat = read(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.isPresent() ? OptionalLong.of(parseStartTime(stat.get())) : OptionalLong.empty();
        } catch (IOException e) {
            // ESRCH while reading: the process exited between open and read.
            return OptionalLong.empty();
        }
    }

    /**
     * Field 22 of a {@code /proc/<pid>/stat} line. The command name (field 2) is in parentheses and may itself
     * contain spaces and parentheses, so fields are counted from the LAST ')'.
     */
    static long parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
        }
        String[] fields = stat.substring(close + 1).trim().split(" ");
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return Long.parseLong(fields[19]);
    }
}
