package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Named volumes: directories the caller owns and sandbox4j manages, kept between runs, for jobs of several steps
 * (compile in one run, run the result in the next). Each volume is a directory named after it under
 * {@link #directory()}; the programs of the configuration it was made for own it on the host, so they can write
 * it without any chown by hand.
 *
 * <p>The default location ({@link #defaultLocation()}): {@code -Dsandbox4j.volumes=DIR} or {@code SANDBOX4J_VOLUMES}
 * when set; else {@code /var/lib/sandbox4j/volumes} for root and {@code $XDG_DATA_HOME/sandbox4j/volumes} (by
 * default {@code ~/.local/share/sandbox4j/volumes}) for anyone else. The directory is made on first use, private
 * to the caller (0700).
 */
public final class Volumes {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Path directory;

    private Volumes(Path directory) {
        this.directory = directory;
    }

    /** Volumes kept in {@code directory}. */
    public static Volumes at(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new Volumes(directory.toAbsolutePath().normalize());
    }

    /** Volumes in the caller's default location (see the class description). */
    public static Volumes defaultLocation() {
        return at(defaultDirectory(
                System.getenv(),
                System.getProperty("sandbox4j.volumes"),
                HostIdentity.current().euid()));
    }

    static Path defaultDirectory(Map<String, String> env, String property, long euid) {
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String chosen = env.get("SANDBOX4J_VOLUMES");
        if (chosen != null && !chosen.isBlank()) {
            return Path.of(chosen);
        }
        if (euid == 0) {
            return Path.of("/var/lib/sandbox4j/volumes");
        }
        String data = env.get("XDG_DATA_HOME");
        if (data != null && data.startsWith("/")) {
            return Path.of(data, "sandbox4j", "volumes");
        }
        return Path.of(
                env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share", "sandbox4j", "volumes");
    }

    /** Where the volumes are kept. */
    public Path directory() {
        return directory;
    }

    /** A new, empty volume for the programs of a default configuration (see {@link #create(String, SandboxConfig)}). */
    public Volume create(String name) {
        return create(name, SandboxConfig.builder().build());
    }

    /**
     * A new, empty volume, owned on the host by the ids {@code forRunsOf}'s programs run as (the caller for an
     * unprivileged caller; 65534 or the caller's subordinate range for root).
     *
     * @throws InvalidConfigException if the name is not a valid volume name or the volume exists already
     */
    public Volume create(String name, SandboxConfig forRunsOf) {
        checkName(name);
        Objects.requireNonNull(forRunsOf, "forRunsOf");
        Path base = ensureDirectory();
        Path path = base.resolve(name);
        try {
            Files.createDirectory(
                    path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw new InvalidConfigException(
                    "volume", name, "exists already in " + base + " (delete it first, or use it)");
        } catch (IOException e) {
            throw new SandboxException("cannot create volume " + name + " in " + base + ": " + e.getMessage(), e);
        }
        try {
            return new Volume(name, path).grantTo(forRunsOf);
        } catch (RuntimeException e) {
            deleteTree(path); // nothing half-made stays
            throw e;
        }
    }

    /** The volume of this name, if it exists. */
    public Optional<Volume> find(String name) {
        checkName(name);
        Path path = directory.resolve(name);
        return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                ? Optional.of(new Volume(name, path))
                : Optional.empty();
    }

    /**
     * The volume of this name.
     *
     * @throws InvalidConfigException naming the volume and where it was looked for, when there is none
     */
    public Volume get(String name) {
        return find(name)
                .orElseThrow(() -> new InvalidConfigException(
                        "volume",
                        name,
                        "no such volume in " + directory
                                + " (create it first: Volumes.create, or sandbox-ctl volume create " + name + ")"));
    }

    /** Every volume, by name. */
    public List<Volume> list() {
        List<Volume> all = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return all;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (NAME.matcher(name).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    all.add(new Volume(name, p));
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot list the volumes in " + directory + ": " + e.getMessage(), e);
        }
        all.sort((a, b) -> a.name().compareTo(b.name()));
        return all;
    }

    /** Deletes the volume and everything in it; false when there was none. Never follows a symlink out of it. */
    public boolean delete(String name) {
        Optional<Volume> volume = find(name);
        volume.ifPresent(v -> deleteTree(v.path()));
        return volume.isPresent();
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigException(
                    "volume name",
                    String.valueOf(name),
                    "use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
    }

    private Path ensureDirectory() {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory.getParent());
                try {
                    Files.createDirectory(
                            directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException raced) {
                    // made meanwhile by another caller
                }
            }
            return directory;
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot create the volume directory " + directory + ": " + e
                            + " (choose another with -Dsandbox4j.volumes=DIR or SANDBOX4J_VOLUMES)",
                    e);
        }
    }

    /** Removes a tree the caller owns, making directories a run left unwritable writable again first. */
    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!Files.isWritable(dir) || !Files.isExecutable(dir) || !Files.isReadable(dir)) {
                        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (!Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                        throw e;
                    }
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
                    deleteTree(file); // a directory a run made unreadable (mode 000), opened up now
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SandboxException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
