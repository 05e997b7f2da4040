package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which CPUs and memory nodes the sandbox may use: {@code cpuset.cpus} and {@code cpuset.mems}, the same files
 * on v1 and v2. Lists are the kernel's format, {@code 0-3,6}. A node list left unset keeps the parent's (on v1,
 * where a new cpuset starts empty, sandbox4j copies the parent's cpus and mems into it before any limit).
 * The kernel refuses CPUs or nodes outside the parent's set; the creation then fails naming the value.
 */
public final class CpusetLimit implements CgroupLimit {
    private final String cpus;
    private final String mems; // null: the parent's

    private CpusetLimit(String cpus, String mems) {
        this.cpus = cpus;
        this.mems = mems;
    }

    /** Only the CPUs in {@code cpuList}, e.g. {@code "0"} or {@code "0-1,4"}. */
    public static CpusetLimit cpus(String cpuList) {
        return new CpusetLimit(check("cpuset cpus", cpuList), null);
    }

    /** This limit with memory restricted to the NUMA nodes in {@code nodeList}. */
    public CpusetLimit mems(String nodeList) {
        return new CpusetLimit(cpus, check("cpuset mems", nodeList));
    }

    public String cpuList() {
        return cpus;
    }

    public Optional<String> memList() {
        return Optional.ofNullable(mems);
    }

    private static String check(String setting, String list) {
        if (list == null || !list.matches("\\d{1,4}(-\\d{1,4})?(,\\d{1,4}(-\\d{1,4})?)*")) {
            throw new InvalidConfigException(
                    setting,
                    String.valueOf(list),
                    "must be a list such as 0-3,6 (numbers and ascending ranges, comma-separated)");
        }
        for (String range : list.split(",")) {
            String[] ends = range.split("-");
            if (ends.length == 2 && Integer.parseInt(ends[0]) > Integer.parseInt(ends[1])) {
                throw new InvalidConfigException(setting, list, "range " + range + " is descending");
            }
        }
        return list;
    }

    @Override
    public CgroupController controller() {
        return CgroupController.CPUSET;
    }

    @Override
    public List<CgroupWrite> writes(int version) {
        List<CgroupWrite> writes = new ArrayList<>(2);
        // mems first: on v1 a cpuset needs both before it may hold a task; the order is otherwise free.
        if (mems != null) {
            writes.add(CgroupWrite.of("cpuset.mems", mems));
        }
        writes.add(CgroupWrite.of("cpuset.cpus", cpus));
        return writes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CpusetLimit that && cpus.equals(that.cpus) && java.util.Objects.equals(mems, that.mems);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(cpus, mems);
    }

    @Override
    public String toString() {
        return "CpusetLimit[cpus=" + cpus + (mems == null ? "" : ", mems=" + mems) + "]";
    }
}
