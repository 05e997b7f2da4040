package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Seccomp profiles by name: the six built-in ones, profiles code registers, and OCI/Docker JSON files named
 * {@code NAME.json} in the profile directories; and any OCI JSON file by path.
 *
 * <p>{@link #resolve} reads an argument containing a {@code /} or ending in {@code .json} as a file path;
 * anything else as a name, looked up in this order: built-in ({@code minimal}, {@code io-heavy}, …),
 * registered, then each directory. The {@linkplain #standard() standard registry}'s directories are
 * {@code $XDG_CONFIG_HOME/sandbox4j/seccomp} (default {@code ~/.config/sandbox4j/seccomp}) and
 * {@code /etc/sandbox4j/seccomp}. Built-in names cannot be registered or shadowed by a file. Files are read
 * when resolved, for this machine's architecture and running kernel.
 */
public final class SeccompProfileRegistry {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final SeccompProfileRegistry STANDARD = new SeccompProfileRegistry(standardDirectories());

    private final List<Path> directories;
    private final Map<String, SeccompFilter> registered = new ConcurrentHashMap<>();

    private SeccompProfileRegistry(List<Path> directories) {
        this.directories = List.copyOf(directories);
    }

    /** The process-wide registry the command line and {@code SandboxBuilder.seccomp(String)} use. */
    public static SeccompProfileRegistry standard() {
        return STANDARD;
    }

    /** A registry of its own that searches {@code directories} in order (e.g. for an application's own set). */
    public static SeccompProfileRegistry withDirectories(List<Path> directories) {
        return new SeccompProfileRegistry(directories);
    }

    /** The directories searched for {@code NAME.json}, in order. */
    public List<Path> directories() {
        return directories;
    }

    /**
     * Makes {@code filter} available as {@code name} (replacing an earlier registration of that name).
     *
     * @throws InvalidConfigException for a built-in name or a name that is not 1 to 64 letters, digits,
     *                                {@code . _ -}
     */
    public void register(String name, SeccompFilter filter) {
        Objects.requireNonNull(filter, "filter");
        checkName(name);
        if (builtIn(name) != null) {
            throw new InvalidConfigException(
                    "seccomp profile name", name, "is a built-in profile; choose another name");
        }
        registered.put(name, filter);
    }

    /** Forgets a registered profile; returns whether there was one. */
    public boolean unregister(String name) {
        return registered.remove(name) != null;
    }

    /**
     * The profile {@code nameOrFile} stands for.
     *
     * @throws InvalidConfigException naming the value and what was tried, or naming a bad file, the JSON
     *                                path and the problem
     */
    public NamedSeccompFilter resolve(String nameOrFile) {
        if (nameOrFile == null || nameOrFile.isBlank()) {
            throw new InvalidConfigException(
                    "seccomp profile", String.valueOf(nameOrFile), "expected a name or a file");
        }
        if (isPath(nameOrFile)) {
            return fromFile(nameOrFile, Path.of(nameOrFile));
        }
        SeccompProfile builtIn = builtIn(nameOrFile);
        if (builtIn != null) {
            return NamedSeccompFilter.of(builtIn);
        }
        checkName(nameOrFile);
        SeccompFilter filter = registered.get(nameOrFile);
        if (filter != null) {
            return new NamedSeccompFilter(nameOrFile, filter, "registered", null, List.of());
        }
        for (Path dir : directories) {
            Path file = dir.resolve(nameOrFile + ".json");
            if (Files.isRegularFile(file)) {
                return fromFile(nameOrFile, file);
            }
        }
        throw new InvalidConfigException(
                "seccomp profile",
                nameOrFile,
                "valid profiles are "
                        + SeccompProfile.validNames()
                        + (registered.isEmpty()
                                ? ""
                                : ", registered " + String.join(", ", new TreeMap<>(registered).keySet()))
                        + ", NAME.json in "
                        + directories.stream()
                                .map(Path::toString)
                                .reduce((a, b) -> a + " or " + b)
                                .orElse("no directory")
                        + " (there is no " + nameOrFile
                        + ".json), or an OCI JSON file (a path with '/' or ending in .json)");
    }

    /** Every profile available by name, with its source, sorted by name (built-in first in case of a clash). */
    public SortedMap<String, String> available() {
        SortedMap<String, String> out = new TreeMap<>();
        for (int i = directories.size() - 1; i >= 0; i--) {
            try (var files = Files.list(directories.get(i))) {
                files.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f))
                        .forEach(f -> {
                            String n = f.getFileName().toString();
                            n = n.substring(0, n.length() - 5);
                            if (NAME.matcher(n).matches() && builtIn(n) == null) {
                                out.put(n, f.toString());
                            }
                        });
            } catch (java.io.IOException | SecurityException e) {
                // a directory that does not exist or cannot be listed offers nothing
            }
        }
        registered.keySet().forEach(n -> out.put(n, "registered"));
        for (SeccompProfile p : SeccompProfile.values()) {
            out.put(p.cliName(), "built-in");
        }
        return out;
    }

    private static NamedSeccompFilter fromFile(String name, Path file) {
        return NamedSeccompFilter.of(name, OciSeccompProfile.read(file));
    }

    static boolean isPath(String s) {
        return s.indexOf('/') >= 0 || s.endsWith(".json");
    }

    private static SeccompProfile builtIn(String name) {
        try {
            return SeccompProfile.parse(name);
        } catch (InvalidConfigException e) {
            return null;
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigException(
                    "seccomp profile name",
                    name,
                    "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private static List<Path> standardDirectories() {
        List<Path> dirs = new ArrayList<>();
        String xdg = System.getenv("XDG_CONFIG_HOME");
        String home = System.getProperty("user.home");
        if (xdg != null && xdg.startsWith("/")) {
            dirs.add(Path.of(xdg, "sandbox4j", "seccomp"));
        } else if (home != null && !home.isEmpty() && !home.equals("?")) {
            dirs.add(Path.of(home, ".config", "sandbox4j", "seccomp"));
        }
        dirs.add(Path.of("/etc/sandbox4j/seccomp"));
        return dirs;
    }
}
