package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Further limits on cgroup v1 against the fake cgroupfs; the real v1 kernel: CgroupExtensionKernelTest. */
class CgroupLimitV1FakeTest {
    @TempDir
    Path dir;

    @Test
    void aNewCpusetStartsFromItsParentsThenTheLimitNarrowsIt() {
        FakeHost host = new FakeHost(dir).legacy("cpuset", "blkio");
        Path root = host.path("/sys/fs/cgroup/cpuset");
        host.fs.put(root.resolve("cpuset.cpus"), "0-3\n").put(root.resolve("cpuset.mems"), "0\n");
        CgroupConfig config = CgroupConfig.builder()
                .limit(CpusetLimit.cpus("2"))
                .limit(IoLimit.builder().device(8, 0).writeBytesPerSecond(1000).build())
                .build();

        try (SandboxCgroup cgroup = host.create("v1", config)) {
            Path cpuset = root.resolve(cgroup.name());
            Path blkio = host.path("/sys/fs/cgroup/blkio/" + cgroup.name());
            assertThat(host.fs.operations())
                    .containsSubsequence(
                            "write " + cpuset.resolve("cpuset.cpus") + " 0-3",
                            "write " + cpuset.resolve("cpuset.mems") + " 0",
                            "write " + cpuset.resolve("cpuset.cpus") + " 2");
            assertThat(host.fs.operations())
                    .contains("write " + blkio.resolve("blkio.throttle.write_bps_device") + " 8:0 1000");
            assertThat(cgroup.settings()).containsEntry("cpuset.cpus", "2").containsEntry("cpuset.mems", "0");
        }
    }

    @Test
    void aCpusetSharingTheMountOfAControllerInUseIsFilledToo() {
        FakeHost host = new FakeHost(dir).legacy("cpu,cpuset");
        Path root = host.path("/sys/fs/cgroup/cpu,cpuset");
        host.fs.put(root.resolve("cpuset.cpus"), "0-1\n").put(root.resolve("cpuset.mems"), "0\n");

        try (SandboxCgroup cgroup =
                host.create("shared", CgroupConfig.builder().cpuPercent(50).build())) {
            assertThat(cgroup.settings())
                    .as("else the launcher's join fails with ENOSPC")
                    .containsEntry("cpuset.cpus", "0-1")
                    .containsEntry("cpuset.mems", "0")
                    .containsEntry("cpu.cfs_quota_us", "50000");
        }
    }
}
