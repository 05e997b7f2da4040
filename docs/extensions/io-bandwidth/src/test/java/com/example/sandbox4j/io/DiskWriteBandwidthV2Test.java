package com.example.sandbox4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.cgroup.CgroupUnavailableException;
import dev.sandbox4j.cgroup.CgroupV2TestHost;
import dev.sandbox4j.cgroup.SandboxCgroup;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limit on cgroup v2, against sandbox4j's emulated cgroup v2 host. */
class DiskWriteBandwidthV2Test {
    @TempDir
    Path dir;

    @Test
    void ioMaxIsWrittenAndTheWrittenBytesReported() {
        CgroupV2TestHost host = CgroupV2TestHost.offering(dir, "io memory pids");
        CgroupConfig config = CgroupConfig.builder().limit(DiskWriteBandwidth.of("8:0", 1 << 20)).build();

        SandboxCgroup cgroup = host.create("disk", config);
        Path sandbox = cgroup.directories().get(0);
        host.put(sandbox.resolve("io.stat"), "8:0 rbytes=0 wbytes=3145728 rios=0 wios=48 dbytes=0 dios=0\n");
        CgroupStats stats = cgroup.stats();
        cgroup.close();

        assertThat(host.operations()).containsSubsequence(
                "write " + dir.resolve("sys/fs/cgroup/cgroup.subtree_control") + " +io",
                "mkdir " + sandbox,
                "write " + sandbox.resolve("io.max") + " 8:0 wbps=1048576");
        assertThat(stats.extra()).containsEntry("disk.written_bytes", 3145728L);
    }

    @Test
    void aHostWithoutTheIoControllerRefusesIt() {
        CgroupV2TestHost host = CgroupV2TestHost.offering(dir, "memory pids");
        CgroupConfig config = CgroupConfig.builder().limit(DiskWriteBandwidth.of("8:0", 1 << 20)).build();

        assertThatThrownBy(() -> host.create("disk", config)).isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("blkio/io");
        assertThat(host.operations()).isEmpty();
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> DiskWriteBandwidth.of("8:0", 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> DiskWriteBandwidth.of("sda", 1)).hasMessageContaining("major:minor");
    }
}
