package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Objects;

/**
 * A cgroup controller under its two names: the cgroup v1 hierarchy's ({@code blkio}) and the unified
 * hierarchy's ({@code io}). Most controllers have one name on both. The constants are the controllers
 * sandbox4j's own limits use; {@link #of(String, String)} names any other the kernel offers (rdma, misc, …).
 */
public final class CgroupController {
    public static final CgroupController MEMORY = new CgroupController("memory", "memory");
    public static final CgroupController CPU = new CgroupController("cpu", "cpu");
    public static final CgroupController PIDS = new CgroupController("pids", "pids");
    /** Block I/O: {@code blkio} on v1, {@code io} on v2. */
    public static final CgroupController IO = new CgroupController("blkio", "io");

    public static final CgroupController CPUSET = new CgroupController("cpuset", "cpuset");
    public static final CgroupController HUGETLB = new CgroupController("hugetlb", "hugetlb");

    private final String v1Name;
    private final String v2Name;

    private CgroupController(String v1Name, String v2Name) {
        this.v1Name = v1Name;
        this.v2Name = v2Name;
    }

    /**
     * A controller by its v1 and v2 names, each lower-case letters, digits and {@code _}.
     *
     * @throws InvalidConfigException for a name that cannot be a controller's
     */
    public static CgroupController of(String v1Name, String v2Name) {
        return new CgroupController(check(v1Name), check(v2Name));
    }

    private static String check(String name) {
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,31}")) {
            throw new InvalidConfigException(
                    "cgroup controller",
                    String.valueOf(name),
                    "a controller name is 1 to 32 of a-z 0-9 _, starting with a letter, as in /proc/cgroups");
        }
        return name;
    }

    /** The name in a hierarchy of cgroup version {@code version} (1 or 2). */
    public String name(int version) {
        return version == 1 ? v1Name : v2Name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CgroupController that && v1Name.equals(that.v1Name) && v2Name.equals(that.v2Name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(v1Name, v2Name);
    }

    /** {@code io} or, where the names differ, {@code blkio/io}. */
    @Override
    public String toString() {
        return v1Name.equals(v2Name) ? v2Name : v1Name + "/" + v2Name;
    }
}
