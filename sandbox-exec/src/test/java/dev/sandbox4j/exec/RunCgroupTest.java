package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.namespace.internal.CgroupMount;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunCgroupTest {
    private static CgroupHierarchy v1(String mountPoint, String... controllers) {
        return new CgroupHierarchy(1, Path.of(mountPoint), Set.of(controllers), "/", Path.of(mountPoint), false);
    }

    @Test
    void hybridTheRunsOwnHierarchiesThenWhatTheJvmAlsoNeeds() {
        CgroupHierarchy memory = v1("/sys/fs/cgroup/memory", "memory");
        CgroupHierarchy cpu = v1("/sys/fs/cgroup/cpu,cpuacct", "cpu", "cpuacct");
        CgroupHierarchy cpuset = v1("/sys/fs/cgroup/cpuset", "cpuset");
        CgroupHierarchy unified = new CgroupHierarchy(
                2, Path.of("/sys/fs/cgroup/unified"), Set.of("hugetlb"), "/", Path.of("/sys/fs/cgroup/unified"), false);
        assertThat(RunCgroup.mountsOf(List.of(unified, memory, cpu), List.of(memory, cpu, cpuset)))
                .containsExactly(
                        new CgroupMount("unified", 2, ""), new CgroupMount("memory", 1, "memory"),
                        new CgroupMount("cpu,cpuacct", 1, "cpu,cpuacct"), new CgroupMount("cpuset", 1, "cpuset"));
    }

    @Test
    void pureV2IsSysFsCgroupItself() {
        CgroupHierarchy unified = new CgroupHierarchy(
                2,
                Path.of("/sys/fs/cgroup"),
                Set.of("memory", "cpu", "pids"),
                "/user.slice/app",
                Path.of("/sys/fs/cgroup/user.slice/app"),
                false);
        assertThat(RunCgroup.mountsOf(List.of(unified), List.of())).containsExactly(new CgroupMount("", 2, ""));
    }

    @Test
    void noCgroupNoMounts() {
        assertThat(RunCgroup.NONE.mounts()).isEmpty();
    }
}
