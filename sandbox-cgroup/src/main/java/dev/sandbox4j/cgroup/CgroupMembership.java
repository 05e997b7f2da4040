package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One line of {@code /proc/<pid>/cgroup} (cgroups(7)): {@code hierarchy-ID:controller-list:cgroup-path}.
 * The cgroup v2 line is always {@code 0::path}; a named v1 hierarchy lists {@code name=xyz}.
 */
record CgroupMembership(int hierarchyId, Set<String> controllers, String path) {

    CgroupMembership {
        controllers = Set.copyOf(controllers);
    }

    boolean unified() {
        return hierarchyId == 0 && controllers.isEmpty();
    }

    static List<CgroupMembership> read(Path file) {
        try {
            List<CgroupMembership> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    lines.add(parse(line));
                }
            }
            return List.copyOf(lines);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static CgroupMembership parse(String line) {
        // The path is last and may itself contain ':', so split at the first two colons only.
        int first = line.indexOf(':');
        int second = first < 0 ? -1 : line.indexOf(':', first + 1);
        if (second < 0) {
            throw new IllegalArgumentException("malformed /proc/self/cgroup line: " + line);
        }
        String list = line.substring(first + 1, second);
        Set<String> controllers = list.isEmpty() ? Set.of() : Set.of(list.split(","));
        return new CgroupMembership(
                Integer.parseInt(line.substring(0, first)), controllers, line.substring(second + 1));
    }

    /** The v1 line whose controller list is exactly {@code controllers}, or the v2 line for an empty set. */
    static Optional<CgroupMembership> find(List<CgroupMembership> lines, Set<String> controllers) {
        return lines.stream()
                .filter(l ->
                        controllers.isEmpty() ? l.unified() : l.controllers().equals(controllers))
                .findFirst();
    }

    /** The path of {@link #find}'s line, or {@code null} when there is none. */
    static String pathOf(List<CgroupMembership> lines, Set<String> controllers) {
        return find(lines, controllers).map(CgroupMembership::path).orElse(null);
    }

    @Override
    public String toString() {
        return hierarchyId + ":" + String.join(",", controllers) + ":" + path;
    }
}
