package dev.sandbox4j.namespace.internal;

import dev.sandbox4j.namespace.IdMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code /etc/subuid} and {@code /etc/subgid} (subuid(5)): the id ranges an administrator delegated to
 * a user. A root caller maps its sandbox into such a range when it has one, so that the sandbox's ids never
 * collide with the host's real users; without one it uses the single id 65534. Not API: read by sandbox-exec's
 * id map choice.
 */
public final class SubordinateIds {
    /** The system files. */
    public static final Path SUBUID = Path.of("/etc/subuid");

    public static final Path SUBGID = Path.of("/etc/subgid");

    private SubordinateIds() {}

    /**
     * The first range delegated to the user, matched by name or by numeric id as subuid(5) allows.
     *
     * @return {@code (start, count)} as a range with inside 0, or empty when the file or an entry is missing
     */
    public static Optional<IdMap.Range> firstRange(Path file, String user, long id) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // an unreadable file grants nothing; the 65534 fallback still isolates
        }
        for (String line : lines) {
            String[] parts = line.trim().split(":");
            if (parts.length != 3 || !(parts[0].equals(user) || parts[0].equals(Long.toString(id)))) {
                continue;
            }
            try {
                long start = Long.parseLong(parts[1]);
                long count = Long.parseLong(parts[2]);
                if (start > 0 && count > 0) {
                    return Optional.of(IdMap.range(0, start, count));
                }
            } catch (RuntimeException malformed) {
                // skip the line, as shadow-utils does
            }
        }
        return Optional.empty();
    }
}
