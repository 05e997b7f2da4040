package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A named directory that outlives runs, from {@link Volumes}: bind it into a run's view writable
 * ({@code FilesystemView.Builder.bind(volume.path(), Path.of("/work"))}) or read-only ({@code roBind}), and the
 * next run sees what the last one left there. Only {@link Volumes} makes one: {@link #grantTo} hands a whole tree to
 * the sandbox's ids, which it may do to a volume's directory and to nothing else of the host.
 */
public final class Volume {
    private final String name;
    private final Path path;

    Volume(String name, Path path) {
        this.name = name;
        this.path = path;
    }

    /** Its name, unique within its {@link Volumes}. */
    public String name() {
        return name;
    }

    /** The directory on the host. */
    public Path path() {
        return path;
    }

    /** The bytes of the regular files in the volume (their apparent sizes), counted now. */
    public long sizeBytes() {
        AtomicLong total = new AtomicLong();
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total.addAndGet(attrs.size());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // removed meanwhile, or a run made it unreadable: not counted
                }
            });
        } catch (IOException e) {
            throw new SandboxException("cannot measure volume " + name + " at " + path + ": " + e.getMessage(), e);
        }
        return total.get();
    }

    /**
     * Hands the volume and everything in it to the host ids {@code config}'s programs run as, so that they can
     * write it; nothing to do when they run as the caller (an unprivileged caller). {@link Volumes#create(String,
     * SandboxConfig)} does this for a new volume; call it for a volume that runs of another identity will use, or
     * after the caller has put files into it.
     */
    public Volume grantTo(SandboxConfig config) {
        WorkloadIds ids = WorkloadIds.of(config);
        if (ids.isCaller()) {
            return this;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    ids.own(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    ids.own(file);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot hand volume " + name + " (" + path + ") to uid " + ids.uid() + ", gid " + ids.gid() + ": "
                            + e.getMessage(),
                    e);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Volume v && v.name.equals(name) && v.path.equals(path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, path);
    }

    @Override
    public String toString() {
        return "Volume[name=" + name + ", path=" + path + "]";
    }
}
