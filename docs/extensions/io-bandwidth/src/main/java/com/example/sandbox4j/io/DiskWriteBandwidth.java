package com.example.sandbox4j.io;

import dev.sandbox4j.cgroup.CgroupController;
import dev.sandbox4j.cgroup.CgroupLimit;
import dev.sandbox4j.cgroup.CgroupStatistic;
import dev.sandbox4j.cgroup.CgroupWrite;
import dev.sandbox4j.cgroup.IoLimit;
import dev.sandbox4j.core.InvalidConfigException;

import java.nio.file.Path;
import java.util.List;

/**
 * At most so many bytes per second written to the disk that holds a given directory, and the bytes written
 * reported as {@code disk.written_bytes}. A team's own limit: sandbox4j knows nothing of it beyond the
 * {@link CgroupLimit} interface, and checks it like its own (files of the io controller only, the controller
 * usable, every file present before the first write).
 */
public final class DiskWriteBandwidth implements CgroupLimit {
    private final String device;
    private final long bytesPerSecond;

    private DiskWriteBandwidth(String device, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new InvalidConfigException("disk write bandwidth", Long.toString(bytesPerSecond),
                    "must be a positive number of bytes per second");
        }
        this.device = device;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** For the disk holding {@code directory}. */
    public static DiskWriteBandwidth of(Path directory, long bytesPerSecond) {
        return new DiskWriteBandwidth(IoLimit.deviceOf(directory), bytesPerSecond);
    }

    /** For the disk {@code major:minor}. */
    public static DiskWriteBandwidth of(String device, long bytesPerSecond) {
        if (device == null || !device.matches("[1-9][0-9]*:[0-9]+")) {
            throw new InvalidConfigException("disk", String.valueOf(device), "must be major:minor, e.g. 8:0");
        }
        return new DiskWriteBandwidth(device, bytesPerSecond);
    }

    @Override
    public CgroupController controller() {
        return CgroupController.IO;
    }

    @Override
    public List<CgroupWrite> writes(int version) {
        return version == 1
                ? List.of(CgroupWrite.of("blkio.throttle.write_bps_device", device + " " + bytesPerSecond))
                : List.of(CgroupWrite.of("io.max", device + " wbps=" + bytesPerSecond));
    }

    @Override
    public List<CgroupStatistic> statistics(int version) {
        return List.of(version == 1
                ? CgroupStatistic.keyed("disk.written_bytes", "blkio.throttle.io_service_bytes", "Write")
                : CgroupStatistic.keyed("disk.written_bytes", "io.stat", "wbytes"));
    }

    @Override
    public String toString() {
        return "DiskWriteBandwidth[" + device + " " + bytesPerSecond + " B/s]";
    }
}
