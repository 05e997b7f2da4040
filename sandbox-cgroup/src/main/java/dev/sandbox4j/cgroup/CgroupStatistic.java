package dev.sandbox4j.cgroup;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One figure a {@link CgroupLimit} wants read from the sandbox's cgroup after the run (just before the cgroup
 * is removed) and reported in {@link CgroupStats#extra()} under {@link #name()}. Two forms cover the kernel's
 * formats: a file holding one number ({@code hugetlb.2MB.max_usage_in_bytes}), and the sum of one key's values
 * in a keyed file, whether flat ({@code max 3}), nested per device ({@code 254:0 rbytes=4096 wbytes=0}, as in
 * v2 {@code io.stat}) or v1's per-device lines ({@code 254:0 Read 4096}). A file the kernel does not provide
 * gives no figure, not an error.
 */
public final class CgroupStatistic {
    private final String name;
    private final String file;
    private final String key; // null: the whole file is one number

    private CgroupStatistic(String name, String file, String key) {
        this.name = Objects.requireNonNull(name, "name");
        this.file = Objects.requireNonNull(file, "file");
        this.key = key;
    }

    /** A file holding one number; "max" and "-1" (no limit) give no figure. */
    public static CgroupStatistic number(String name, String file) {
        return new CgroupStatistic(name, file, null);
    }

    /** The sum of every value of {@code key} in the file: {@code key N} pairs and {@code key=N} fields alike. */
    public static CgroupStatistic keyed(String name, String file, String key) {
        return new CgroupStatistic(name, file, Objects.requireNonNull(key, "key"));
    }

    /** The name the figure is reported under, e.g. {@code io.write_bytes}. */
    public String name() {
        return name;
    }

    /** The control file read. */
    public String file() {
        return file;
    }

    /** The key summed, empty for a file holding one number. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** The figure in {@code content}, the file's text; empty when it holds none. */
    OptionalLong parse(String content) {
        if (key == null) {
            String value = content.strip();
            if (value.isEmpty() || value.equals("max") || value.equals("-1")) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        boolean found = false;
        long sum = 0;
        for (String line : content.split("\n")) {
            String[] tokens = line.strip().split("\\s+");
            for (int i = 0; i < tokens.length; i++) {
                String text = null;
                if (tokens[i].startsWith(key + "=")) {
                    text = tokens[i].substring(key.length() + 1);
                } else if (tokens[i].equals(key) && i + 1 < tokens.length) {
                    text = tokens[i + 1];
                }
                if (text != null && text.matches("\\d{1,18}")) {
                    sum += Long.parseLong(text);
                    found = true;
                }
            }
        }
        return found ? OptionalLong.of(sum) : OptionalLong.empty();
    }

    @Override
    public String toString() {
        return name + " <- " + file + (key == null ? "" : " [" + key + "]");
    }
}
