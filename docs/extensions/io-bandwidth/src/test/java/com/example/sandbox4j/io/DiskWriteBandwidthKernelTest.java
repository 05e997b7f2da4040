package com.example.sandbox4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limit against the real kernel: 3 MiB of direct writes at 1 MiB/s. Needs root and a usable io (blkio)
 * controller, e.g. the reference host's cgroup v1 blkio; under CI=true their absence fails the test.
 */
class DiskWriteBandwidthKernelTest {
    @TempDir
    Path scratch;

    @Test
    void directWritesAreHeldToTheLimit() throws Exception {
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxrwxrwx"));
        DiskWriteBandwidth limit = DiskWriteBandwidth.of(scratch, 1 << 20);
        boolean usable = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip())
                && SandboxCgroups.availability(CgroupConfig.builder().limit(limit).build()).available();
        if ("true".equals(System.getenv("CI"))) {
            assertThat(usable).as("CI=true requires root with a usable io controller").isTrue();
        }
        Assumptions.assumeTrue(usable, "root with a usable io controller");

        SandboxConfig config = SandboxConfig.builder().privilegeMode(PrivilegeMode.PRIVILEGED)
                .timeout(Duration.ofSeconds(60)).cgroupLimit(limit).build();
        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(config)) {
            r = sandbox.run(List.of("dd", "if=/dev/zero", "of=" + scratch.resolve("f"), "bs=64k", "count=48",
                    "oflag=direct"));
        }

        System.out.println("3 MiB at 1 MiB/s took " + r.wallTime().toMillis() + " ms; " + r.cgroupStatistics());
        assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        assertThat(r.wallTime()).isGreaterThan(Duration.ofMillis(1500));
        assertThat(r.cgroupStatistics().get("disk.written_bytes")).isGreaterThanOrEqualTo(3L << 20);
    }
}
