package dev.sandbox4j.core.internal;

import dev.sandbox4j.core.FeatureUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Reading the small text files of /proc, where a missing file is an answer ("not supported"), not an error. */
public final class ProcFiles {
    private ProcFiles() {}

    /**
     * The file's content without surrounding whitespace, or empty when it does not exist.
     *
     * <p>Not {@link Files#readString}: proc files report size 0, so it reads one byte first and then asks for
     * the rest at offset 1, where the kernel's integer sysctl handlers answer end-of-file
     * ({@code max_user_namespaces} "96364" came back as "9"). {@link InputStream#readAllBytes} starts with an
     * 8 KiB read, which gets a sysctl value whole.
     */
    public static Optional<String> read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The {@code Name:\tvalue} fields of a {@code /proc/<pid>/status} file. */
    public static Map<String, String> statusFields(Path status) {
        String content = read(status)
                .orElseThrow(() -> new FeatureUnavailableException(
                        "/proc", "cannot read " + status + "; sandbox4j needs a mounted proc file system"));
        Map<String, String> fields = new HashMap<>();
        for (String line : content.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return Map.copyOf(fields);
    }
}
