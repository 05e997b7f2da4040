package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Reading and writing cgroup control files through a {@link CgroupFs}, with messages naming file and value. */
final class CgroupFiles {

    /**
     * v1 reports "unlimited" as the largest page-aligned value (9223372036854771712 on 4 KiB pages); anything
     * this large is no limit.
     */
    static final long V1_UNLIMITED_THRESHOLD = Long.MAX_VALUE / 2;

    private CgroupFiles() {}

    /** Writes one value; failures become a {@link CgroupException} naming the file, the value and the reason. */
    static void write(CgroupFs fs, Path file, String value) {
        try {
            fs.write(file, value);
        } catch (IOException e) {
            throw new CgroupException("cannot write '" + value + "' to " + file + ": " + reason(e), e);
        }
    }

    /** The file's content; empty when it does not exist; other failures become a {@link CgroupException}. */
    static Optional<String> read(CgroupFs fs, Path file) {
        try {
            return fs.read(file);
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + reason(e), e);
        }
    }

    /** A file holding one number; empty when absent or "max"/"-1" (unlimited). */
    static OptionalLong readNumber(CgroupFs fs, Path file) {
        return read(fs, file)
                .flatMap(CgroupFiles::parseNumber)
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    private static Optional<Long> parseNumber(String text) {
        String value = text.strip();
        if (value.isEmpty() || value.equals("max") || value.equals("-1")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new CgroupException("not a number in a cgroup file: '" + value.replace("\n", "\\n") + "'");
        }
    }

    /** One key of a flat-keyed file ("key value" per line, e.g. memory.events, cpu.stat); empty when absent. */
    static OptionalLong readKey(CgroupFs fs, Path file, String key) {
        Optional<String> content = read(fs, file);
        return content.isPresent() ? keyed(content.get(), key) : OptionalLong.empty();
    }

    static OptionalLong keyed(String content, String key) {
        for (String line : content.split("\n")) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2 && parts[0].equals(key)) {
                try {
                    return OptionalLong.of(Long.parseLong(parts[1]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The pids listed in a cgroup.procs file; empty when the cgroup is gone. */
    static List<Long> pids(CgroupFs fs, Path procsFile) {
        Optional<String> content;
        try {
            content = fs.read(procsFile);
        } catch (IOException e) {
            // ENODEV/ENOENT while the cgroup is being removed: it holds no one any more.
            return List.of();
        }
        List<Long> pids = new ArrayList<>();
        if (content.isPresent()) {
            for (String line : content.get().split("\n")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    /**
     * The kernel's reason. The JDK puts strerror(errno) into the message (for {@code FileSystemException}, the
     * reason part); that is the most precise text available without errno itself.
     */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file (the kernel does not provide it)";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
