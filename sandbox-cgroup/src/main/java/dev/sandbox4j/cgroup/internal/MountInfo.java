package dev.sandbox4j.cgroup.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One line of {@code /proc/<pid>/mountinfo} (proc(5)): the fields sandbox4j needs, with the kernel's octal
 * escapes decoded. The optional fields between the mount options and the {@code " - "} separator vary in
 * number, so the line is split at the separator rather than by position.
 */
public record MountInfo(
        String root,
        String mountPoint,
        Set<String> mountOptions,
        String fsType,
        String source,
        List<String> superOptions) {

    public MountInfo {
        mountOptions = Set.copyOf(mountOptions);
        superOptions = List.copyOf(superOptions);
    }

    /** Per-mount "ro" (field 6); a read-only bind of a cgroupfs keeps "rw" in its super options. */
    public boolean readOnly() {
        return mountOptions.contains("ro");
    }

    public static List<MountInfo> read(Path file) {
        try {
            List<MountInfo> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    mounts.add(parse(line));
                }
            }
            return List.copyOf(mounts);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static MountInfo parse(String line) {
        int separator = line.indexOf(" - ");
        if (separator < 0) {
            throw new IllegalArgumentException("mountinfo line without ' - ' separator: " + line);
        }
        String[] before = line.substring(0, separator).split(" ");
        String[] after = line.substring(separator + 3).split(" ");
        if (before.length < 6 || after.length < 3) {
            throw new IllegalArgumentException("mountinfo line with too few fields: " + line);
        }
        return new MountInfo(
                unescape(before[3]),
                unescape(before[4]),
                new LinkedHashSet<>(Arrays.asList(before[5].split(","))),
                unescape(after[0]),
                unescape(after[1]),
                Arrays.asList(unescape(after[2]).split(",")));
    }

    /**
     * The kernel writes space, tab, newline and backslash in paths as a backslash and three octal digits
     * ({@code \040} for a space); anything else is literal.
     */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder decoded = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                decoded.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                decoded.append(c);
            }
        }
        return decoded.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
