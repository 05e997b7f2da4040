package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import java.util.List;

/**
 * How much memory in huge pages of one size the sandbox may fault in: v1
 * {@code hugetlb.<size>.limit_in_bytes}, v2 {@code hugetlb.<size>.max}. Beyond it a fault fails (SIGBUS) and
 * an mmap of a hugetlbfs file may fail with ENOMEM. Reports {@code hugetlb.<size>.max_events} (allocations
 * refused at the limit) and, on v1, {@code hugetlb.<size>.peak_bytes}.
 */
public final class HugetlbLimit implements CgroupLimit {
    private final String size;
    private final long bytes;

    private HugetlbLimit(String size, long bytes) {
        this.size = size;
        this.bytes = bytes;
    }

    /**
     * At most {@code bytes} of huge pages of {@code pageSize} bytes (e.g. 2 MiB, 1 GiB: the sizes in
     * {@code /sys/kernel/mm/hugepages}); the kernel rounds {@code bytes} down to whole pages. 0 forbids them.
     */
    public static HugetlbLimit of(long pageSize, long bytes) {
        if (pageSize < 4096 || Long.bitCount(pageSize) != 1) {
            throw new InvalidConfigException(
                    "hugetlb page size",
                    Long.toString(pageSize),
                    "must be a power of two of at least 4096 bytes, e.g. 2097152 (2 MiB)");
        }
        if (bytes < 0) {
            throw new InvalidConfigException("hugetlb limit", Long.toString(bytes), "cannot be negative");
        }
        return new HugetlbLimit(kernelName(pageSize), bytes);
    }

    /** The kernel's name of a page size in file names: 2MB, 1GB, 64KB. */
    static String kernelName(long pageSize) {
        if (pageSize >= 1L << 30 && pageSize % (1L << 30) == 0) {
            return (pageSize >> 30) + "GB";
        }
        if (pageSize >= 1L << 20 && pageSize % (1L << 20) == 0) {
            return (pageSize >> 20) + "MB";
        }
        return (pageSize >> 10) + "KB";
    }

    /** The page size as the kernel names it, e.g. {@code 2MB}. */
    public String pageSize() {
        return size;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public CgroupController controller() {
        return CgroupController.HUGETLB;
    }

    @Override
    public List<CgroupWrite> writes(int version) {
        return List.of(
                CgroupWrite.of("hugetlb." + size + (version == 1 ? ".limit_in_bytes" : ".max"), Long.toString(bytes)));
    }

    @Override
    public List<CgroupStatistic> statistics(int version) {
        String prefix = "hugetlb." + size;
        if (version == 1) {
            return List.of(
                    CgroupStatistic.number(prefix + ".max_events", prefix + ".failcnt"),
                    CgroupStatistic.number(prefix + ".peak_bytes", prefix + ".max_usage_in_bytes"));
        }
        return List.of(CgroupStatistic.keyed(prefix + ".max_events", prefix + ".events", "max"));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HugetlbLimit that && size.equals(that.size) && bytes == that.bytes;
    }

    @Override
    public int hashCode() {
        return size.hashCode() * 31 + Long.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "HugetlbLimit[" + size + " pages, " + Sizes.format(bytes) + "]";
    }
}
