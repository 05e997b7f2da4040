package dev.sandbox4j.cgroup;

import java.util.Objects;

/**
 * One value a {@link CgroupLimit} writes into one control file of the sandbox's cgroup, with one write(2).
 * File and value are checked by {@link CgroupConfig.Builder#limit(CgroupLimit)}: a plain file name of the
 * limit's own controller, a value of one line.
 *
 * @param file          the control file's name, e.g. {@code io.max} or {@code blkio.throttle.read_bps_device}
 * @param value         what to write, e.g. {@code 254:0 rbps=1048576}
 * @param onlyIfPresent when true, skipped where the kernel does not provide the file (e.g. swap files without
 *                      swap accounting); when false, a missing file makes the cgroup's creation fail before
 *                      any value is written
 */
public record CgroupWrite(String file, String value, boolean onlyIfPresent) {

    public CgroupWrite {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(value, "value");
    }

    /** A value that must be written. */
    public static CgroupWrite of(String file, String value) {
        return new CgroupWrite(file, value, false);
    }

    /** A value written only where the kernel provides the file. */
    public static CgroupWrite ifPresent(String file, String value) {
        return new CgroupWrite(file, value, true);
    }
}
