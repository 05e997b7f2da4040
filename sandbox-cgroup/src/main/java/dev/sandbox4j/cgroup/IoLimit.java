package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Block I/O bandwidth and operation rates per device: v1 {@code blkio.throttle.*_device}, v2 {@code io.max}.
 * Only I/O that reaches the device is throttled: writes into the page cache are not, until they are written
 * back (direct I/O and reads that miss the cache are at once). Reports {@code io.read_bytes},
 * {@code io.write_bytes}, {@code io.read_ios} and {@code io.write_ios}, summed over devices.
 *
 * <pre>{@code
 * IoLimit io = IoLimit.builder().device(IoLimit.deviceOf(Path.of("/var/jobs")))
 *         .writeBytesPerSecond(1 << 20).readIopsPerSecond(100).build();
 * }</pre>
 */
public final class IoLimit implements CgroupLimit {
    private static final String[] V1_FILES = {
        "read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"
    };
    private static final String[] V2_KEYS = {"rbps", "wbps", "riops", "wiops"};

    /** Device "major:minor" → the four rates (read bytes, write bytes, read ops, write ops), 0 = unlimited. */
    private final Map<String, long[]> devices;

    private IoLimit(Map<String, long[]> devices) {
        this.devices = devices;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The whole disk holding {@code path}: a block device node's own number, else the device of the file
     * system the file lives on, a partition mapped to its disk (the kernel throttles whole disks).
     *
     * @throws InvalidConfigException when the path does not exist or is not on a block device (tmpfs, overlayfs)
     */
    public static String deviceOf(Path path) {
        long dev;
        try {
            boolean node = Files.exists(path) && !Files.isDirectory(path) && !Files.isRegularFile(path);
            dev = ((Number) Files.getAttribute(path, node ? "unix:rdev" : "unix:dev")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidConfigException("io limit device", path.toString(), "cannot be read: " + e.getMessage());
        }
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
        if (major == 0 || !Files.exists(sys)) {
            throw new InvalidConfigException(
                    "io limit device",
                    path.toString(),
                    "is on device " + major + ":" + minor
                            + ", which is not a block device (tmpfs, overlayfs, …); name a disk's major:minor");
        }
        if (Files.exists(sys.resolve("partition"))) {
            try {
                return Files.readString(sys.resolve("../dev").normalize()).strip();
            } catch (IOException e) {
                throw new InvalidConfigException(
                        "io limit device",
                        path.toString(),
                        "partition " + major + ":" + minor + " whose disk cannot be read: " + e.getMessage());
            }
        }
        return major + ":" + minor;
    }

    @Override
    public CgroupController controller() {
        return CgroupController.IO;
    }

    @Override
    public List<CgroupWrite> writes(int version) {
        List<CgroupWrite> writes = new ArrayList<>();
        devices.forEach((device, rates) -> {
            if (version == 1) {
                for (int i = 0; i < 4; i++) {
                    if (rates[i] > 0) {
                        writes.add(CgroupWrite.of("blkio.throttle." + V1_FILES[i], device + " " + rates[i]));
                    }
                }
            } else {
                StringBuilder line = new StringBuilder(device);
                for (int i = 0; i < 4; i++) {
                    if (rates[i] > 0) {
                        line.append(' ').append(V2_KEYS[i]).append('=').append(rates[i]);
                    }
                }
                writes.add(CgroupWrite.of("io.max", line.toString()));
            }
        });
        return writes;
    }

    @Override
    public List<CgroupStatistic> statistics(int version) {
        if (version == 1) {
            return List.of(
                    CgroupStatistic.keyed("io.read_bytes", "blkio.throttle.io_service_bytes", "Read"),
                    CgroupStatistic.keyed("io.write_bytes", "blkio.throttle.io_service_bytes", "Write"),
                    CgroupStatistic.keyed("io.read_ios", "blkio.throttle.io_serviced", "Read"),
                    CgroupStatistic.keyed("io.write_ios", "blkio.throttle.io_serviced", "Write"));
        }
        return List.of(
                CgroupStatistic.keyed("io.read_bytes", "io.stat", "rbytes"),
                CgroupStatistic.keyed("io.write_bytes", "io.stat", "wbytes"),
                CgroupStatistic.keyed("io.read_ios", "io.stat", "rios"),
                CgroupStatistic.keyed("io.write_ios", "io.stat", "wios"));
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof IoLimit that) || !devices.keySet().equals(that.devices.keySet())) {
            return false;
        }
        return devices.entrySet().stream()
                .allMatch(e -> java.util.Arrays.equals(e.getValue(), that.devices.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return devices.keySet().hashCode();
    }

    /** E.g. {@code IoLimit[254:0 wbps=1048576]}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        devices.forEach((device, rates) -> {
            StringBuilder part = new StringBuilder(device);
            for (int i = 0; i < 4; i++) {
                if (rates[i] > 0) {
                    part.append(' ').append(V2_KEYS[i]).append('=').append(rates[i]);
                }
            }
            parts.add(part.toString());
        });
        return "IoLimit" + parts;
    }

    /** Rates per device: {@link #device} first, then the rates that apply to it. */
    public static final class Builder {
        private final Map<String, long[]> devices = new LinkedHashMap<>();
        private String current;

        private Builder() {}

        /** The device the following rates apply to, by major and minor number (see {@code /proc/partitions}). */
        public Builder device(long major, long minor) {
            if (major <= 0 || major > 0xfff || minor < 0 || minor > 0xfffff) {
                throw new InvalidConfigException(
                        "io limit device",
                        major + ":" + minor,
                        "a block device is major 1..4095 and minor 0..1048575, as in /proc/partitions");
            }
            return device(major + ":" + minor);
        }

        /** The device as {@code major:minor}, e.g. the value of {@link #deviceOf(Path)}. */
        public Builder device(String majorMinor) {
            Objects.requireNonNull(majorMinor, "majorMinor");
            if (!majorMinor.matches("[1-9][0-9]{0,3}:[0-9]{1,7}")) {
                throw new InvalidConfigException("io limit device", majorMinor, "must be major:minor, e.g. 254:0");
            }
            current = majorMinor;
            devices.putIfAbsent(majorMinor, new long[4]);
            return this;
        }

        public Builder readBytesPerSecond(long bytes) {
            return rate(0, "read bytes per second", bytes);
        }

        public Builder writeBytesPerSecond(long bytes) {
            return rate(1, "write bytes per second", bytes);
        }

        public Builder readIopsPerSecond(long ops) {
            return rate(2, "read operations per second", ops);
        }

        public Builder writeIopsPerSecond(long ops) {
            return rate(3, "write operations per second", ops);
        }

        private Builder rate(int index, String what, long value) {
            if (current == null) {
                throw new InvalidConfigException(
                        "io limit " + what,
                        Long.toString(value),
                        "name the device first: IoLimit.builder().device(major, minor)");
            }
            if (value <= 0) {
                throw new InvalidConfigException(
                        "io limit " + what, Long.toString(value), "must be positive; leave it unset for no limit");
            }
            devices.get(current)[index] = value;
            return this;
        }

        /** @throws InvalidConfigException when a device was named without any rate */
        public IoLimit build() {
            if (devices.isEmpty()) {
                throw new InvalidConfigException("io limit", "(no device)", "name a device and at least one rate");
            }
            Map<String, long[]> copy = new LinkedHashMap<>();
            devices.forEach((device, rates) -> {
                if (java.util.Arrays.stream(rates).allMatch(r -> r == 0)) {
                    throw new InvalidConfigException("io limit", device, "has no rate; set at least one");
                }
                copy.put(device, rates.clone());
            });
            return new IoLimit(java.util.Collections.unmodifiableMap(copy));
        }
    }
}
