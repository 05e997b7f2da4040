package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A reusable piece of a filesystem view — "a JDK", "this Python venv", "scratch space" — made of the existing
 * {@link Mount} kinds and added with {@link FilesystemView.Builder#add(ViewFragment)}. This is how a team extends
 * what a sandbox can see without touching the launcher: a fragment only declares binds, tmpfs, overlays,
 * directories and symlinks, and the view then checks them exactly as if they had been declared one by one
 * (sources exist and are resolved once at {@code build()}, destinations are absolute without {@code ..} and
 * declared once, every tmpfs sized, sandbox4j's own directories masked, nothing of the host bound that the
 * fragment did not name).
 *
 * <pre>{@code
 * FilesystemView view = FilesystemView.defaults()
 *         .add(ViewFragment.jdk(Path.of("/opt/jdk-21")))
 *         .add(ViewFragment.directories(0755, Path.of("/work"), Path.of("/work/out")))
 *         .build();
 * }</pre>
 *
 * <p>Fragments are computed when added; those reading the host (a venv's configuration, the host's
 * {@code PATH}) check what they read then and name the path they could not use.
 */
@FunctionalInterface
public interface ViewFragment {

    /** The mounts, in the order they are applied. */
    List<Mount> mounts();

    /** Given mounts as a fragment. */
    static ViewFragment of(Mount... mounts) {
        List<Mount> copy = List.copyOf(Arrays.asList(mounts));
        return () -> copy;
    }

    /** Empty directories with permissions {@code mode} (e.g. 0755), parents first as given. */
    static ViewFragment directories(int mode, Path... destinations) {
        List<Mount> dirs = new ArrayList<>();
        for (Path destination : destinations) {
            dirs.add(new Mount.Dir(destination, mode));
        }
        return of(dirs.toArray(Mount[]::new));
    }

    /**
     * Private writable scratch space at {@code destination}: a tmpfs of {@code sizeBytes}, mode
     * 01777 like {@code /tmp}, gone after the run.
     */
    static ViewFragment scratch(Path destination, long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new InvalidConfigException(
                    "scratch size for " + destination,
                    Long.toString(sizeBytes),
                    "must be positive (0 would mean the sandbox's default; say so with FilesystemView's tmpfs)");
        }
        return of(new Mount.Tmpfs(destination, sizeBytes, 01777));
    }

    /**
     * A JDK or JRE, read-only at the path it has on the host (its real path, so that its own symlinks keep
     * working). Set {@code JAVA_HOME}/{@code PATH} in the sandbox's environment to use it by name.
     *
     * @throws InvalidConfigException when {@code javaHome} has no executable {@code bin/java}
     */
    static ViewFragment jdk(Path javaHome) {
        Path home = realDirectory("java home", javaHome);
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isRegularFile(home.resolve("bin/java"))) {
            throw new InvalidConfigException(
                    "java home",
                    javaHome.toString(),
                    "has no executable bin/java; name the JDK's home, e.g. the java.home system property");
        }
        return of(new Mount.Bind(home, home, false));
    }

    /**
     * A Python virtual environment, read-only at its own path, and, where the interpreter it was made from lives
     * outside the host directories of {@link FilesystemView#defaults()} (pyenv, /opt), that interpreter's
     * prefix read-only too. Run {@code <venv>/bin/python} inside.
     *
     * @throws InvalidConfigException when {@code venv} has no {@code pyvenv.cfg} naming its interpreter's home
     */
    static ViewFragment pythonVenv(Path venv) {
        Path root = realDirectory("python venv", venv);
        Path config = root.resolve("pyvenv.cfg");
        String home = null;
        try {
            for (String line : Files.readAllLines(config)) {
                String[] parts = line.split("=", 2);
                if (parts.length == 2 && parts[0].strip().equals("home")) {
                    home = parts[1].strip();
                }
            }
        } catch (IOException e) {
            throw new InvalidConfigException(
                    "python venv",
                    venv.toString(),
                    "has no readable pyvenv.cfg (" + e.getMessage() + "); name the directory python -m venv made");
        }
        if (home == null || !Path.of(home).isAbsolute()) {
            throw new InvalidConfigException(
                    "python venv",
                    venv.toString(),
                    "its pyvenv.cfg names no absolute interpreter home ('home = /usr/bin')");
        }
        List<Mount> mounts = new ArrayList<>();
        Path prefix =
                realDirectory("python venv interpreter home", Path.of(home)).getParent();
        if (prefix != null && !underSystemDirectories(prefix)) {
            mounts.add(new Mount.Bind(prefix, prefix, false));
        }
        mounts.add(new Mount.Bind(root, root, false));
        return of(mounts.toArray(Mount[]::new));
    }

    /**
     * The host's toolchain as found on its {@code PATH}: every directory there that exists, is not beneath the
     * default view's host directories (already there) and is not writable by everyone (which could hold
     * anything), read-only at its real path. With {@code PATH=/opt/go/bin:/usr/bin} that is {@code /opt/go/bin}.
     */
    static ViewFragment hostToolchain() {
        return toolchain(System.getenv().getOrDefault("PATH", ""));
    }

    /** {@link #hostToolchain()} for a given search path. */
    static ViewFragment toolchain(String searchPath) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String entry : Objects.requireNonNull(searchPath, "searchPath").split(":")) {
            if (entry.isEmpty() || !entry.startsWith("/")) {
                continue; // "" and relative entries mean the working directory: nothing to bind
            }
            Path dir;
            try {
                dir = Path.of(entry).toRealPath();
            } catch (IOException e) {
                continue; // a PATH entry that does not exist binds nothing
            }
            if (!Files.isDirectory(dir) || underSystemDirectories(dir) || writableByAll(dir)) {
                continue;
            }
            dirs.add(dir);
        }
        // A directory beneath another one bound already comes with it.
        List<Mount> mounts = new ArrayList<>();
        for (Path dir : dirs) {
            if (dirs.stream().noneMatch(other -> !other.equals(dir) && dir.startsWith(other))) {
                mounts.add(new Mount.Bind(dir, dir, false));
            }
        }
        return of(mounts.toArray(Mount[]::new));
    }

    private static Path realDirectory(String what, Path path) {
        Objects.requireNonNull(path, what);
        try {
            Path real = path.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new InvalidConfigException(what, path.toString(), "is not a directory");
            }
            return real;
        } catch (IOException e) {
            throw new InvalidConfigException(what, path.toString(), "does not exist");
        }
    }

    private static boolean underSystemDirectories(Path dir) {
        for (Path system : FilesystemView.SYSTEM_DIRECTORIES) {
            Path real;
            try {
                real = system.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (dir.startsWith(real)) {
                return true;
            }
        }
        return false;
    }

    private static boolean writableByAll(Path dir) {
        try {
            return Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }
}
