package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.ownSandboxCgroups;
import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CpusetLimit;
import dev.sandbox4j.cgroup.HugetlbLimit;
import dev.sandbox4j.cgroup.IoLimit;
import dev.sandbox4j.cgroup.SandboxCgroup;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Further cgroup limits ({@link IoLimit}, {@link CpusetLimit}) against the real kernel as root, on the
 * reference host's cgroup v1 blkio and cpuset hierarchies: the limit holds against a workload that would
 * exceed it, the run reports what the limit adds, a value the kernel refuses fails the run naming it, and
 * nothing is left behind. What callers without cgroups get: {@link CgroupLimitRefusalKernelTest}.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CgroupExtensionKernelTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path scratch;

    @BeforeAll
    static void rootWithBlkioAndCpuset() throws Exception {
        boolean root = KernelTestSupport.euid() == 0;
        requireFeature(
                root
                        && SandboxCgroups.availability(CgroupConfig.builder()
                                        .limit(IoLimit.builder()
                                                .device(IoLimit.deviceOf(Path.of("/tmp")))
                                                .writeBytesPerSecond(MIB)
                                                .build())
                                        .limit(CpusetLimit.cpus("0"))
                                        .build())
                                .available(),
                "root with writable blkio and cpuset cgroups and /tmp on a block device");
    }

    private static SandboxBuilder privileged() {
        return SandboxConfig.builder().privilegeMode(PrivilegeMode.PRIVILEGED).timeout(Duration.ofSeconds(60));
    }

    private static SandboxResult run(SandboxBuilder builder, String... command) throws InterruptedException {
        try (Sandbox sandbox = Sandbox.create(builder.build())) {
            return sandbox.run(List.of(command));
        }
    }

    /** A directory on the disk that the sandbox's unprivileged host id may write. */
    private Path writable() throws Exception {
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createDirectory(scratch.resolve("io"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    @Test
    void directWritesAreHeldToTheWriteBandwidthAndCountedInTheResult() throws Exception {
        Path dir = writable();
        String device = IoLimit.deviceOf(dir);
        String[] write3MiB = {"dd", "if=/dev/zero", "of=" + dir.resolve("f"), "bs=64k", "count=48", "oflag=direct"};

        SandboxResult free = run(privileged(), write3MiB);
        SandboxResult limited = run(
                privileged()
                        .cgroupLimit(IoLimit.builder()
                                .device(device)
                                .writeBytesPerSecond(MIB)
                                .build()),
                write3MiB);

        System.out.printf(
                "3 MiB O_DIRECT to %s: unlimited %d ms, at 1 MiB/s %d ms%n",
                device, free.wallTime().toMillis(), limited.wallTime().toMillis());
        assertThat(free.exitCode()).as(free.stderrText()).hasValue(0);
        assertThat(limited.exitCode()).as(limited.stderrText()).hasValue(0);
        // The throttle lets a first slice through at once; 3 MiB at 1 MiB/s still takes well over 1.5 s.
        assertThat(limited.wallTime()).isGreaterThan(Duration.ofMillis(1500));
        assertThat(limited.cgroupStatistics().get("io.write_bytes")).isGreaterThanOrEqualTo(3 * MIB);
        assertThat(limited.cgroupStatistics()).containsKeys("io.read_bytes", "io.read_ios", "io.write_ios");
        assertThat(free.cgroupStatistics()).as("no limit, no figures asked for").isEmpty();
    }

    @Test
    void theKernelHoldsTheValuesAsWrittenInTheLimitsOwnFiles() throws Exception {
        String device = IoLimit.deviceOf(Path.of("/tmp"));
        CgroupConfig config = CgroupConfig.builder()
                .limit(IoLimit.builder()
                        .device(device)
                        .readBytesPerSecond(2 * MIB)
                        .writeIopsPerSecond(100)
                        .build())
                .limit(CpusetLimit.cpus("0"))
                .build();
        try (SandboxCgroup cgroup = SandboxCgroups.create("ext", config)) {
            Path blkio = cgroup.directories().stream()
                    .filter(d -> d.toString().contains("/blkio/"))
                    .findFirst()
                    .orElseThrow();
            Path cpuset = cgroup.directories().stream()
                    .filter(d -> d.toString().contains("/cpuset/"))
                    .findFirst()
                    .orElseThrow();
            assertThat(Files.readString(blkio.resolve("blkio.throttle.read_bps_device"))
                            .strip())
                    .isEqualTo(device + " " + 2 * MIB);
            assertThat(Files.readString(blkio.resolve("blkio.throttle.write_iops_device"))
                            .strip())
                    .isEqualTo(device + " 100");
            assertThat(Files.readString(cpuset.resolve("cpuset.cpus")).strip()).isEqualTo("0");
            assertThat(Files.readString(cpuset.resolve("cpuset.mems")).strip())
                    .as("copied from the parent")
                    .isEqualTo(Files.readString(cpuset.getParent().resolve("cpuset.mems"))
                            .strip());
        }
        assertThat(ownSandboxCgroups()).isEmpty();
    }

    /**
     * This host's hugetlb controller lives in its cgroup v2 tree: a further limit on v2, for real. Where no
     * mounted hierarchy offers hugetlb (a container that mounts only the v1 hierarchies), the limit is refused,
     * naming the controller, and nothing is created.
     */
    @Test
    void aHugetlbLimitIsHeldWhereverItsControllerLivesAndRefusedWhereItDoesNot() throws Exception {
        CgroupConfig config =
                CgroupConfig.builder().limit(HugetlbLimit.of(2 * MIB, 4 * MIB)).build();
        var availability = SandboxCgroups.availability(config);
        if (!availability.available()) {
            assertThat(availability.unavailable()).as(availability.toString()).containsOnlyKeys("hugetlb");
            assertThatThrownBy(() -> SandboxCgroups.create("huge", config))
                    .isInstanceOf(dev.sandbox4j.cgroup.CgroupUnavailableException.class)
                    .hasMessageContaining("hugetlb");
            assertThat(ownSandboxCgroups()).isEmpty();
            return;
        }
        try (SandboxCgroup cgroup = SandboxCgroups.create("huge", config)) {
            Path file = null;
            for (Path dir : cgroup.directories()) {
                for (String name : List.of("hugetlb.2MB.max", "hugetlb.2MB.limit_in_bytes")) {
                    if (Files.exists(dir.resolve(name))) {
                        file = dir.resolve(name);
                    }
                }
            }
            assertThat(file).as("a hugetlb file in " + cgroup.directories()).isNotNull();
            assertThat(Files.readString(file).strip()).isEqualTo(Long.toString(4 * MIB));
            assertThat(cgroup.stats().extra()).containsKey("hugetlb.2MB.max_events");
        }
        assertThat(ownSandboxCgroups()).isEmpty();
    }

    @Test
    void theWorkloadRunsOnlyOnTheCpusOfItsCpuset() throws Exception {
        String all = Files.readString(Path.of("/sys/fs/cgroup/cpuset/cpuset.effective_cpus"))
                .strip();
        SandboxResult outside = run(privileged(), "nproc");
        SandboxResult inside = run(
                privileged().cgroupLimit(CpusetLimit.cpus("1")),
                "sh",
                "-c",
                "nproc; grep Cpus_allowed_list /proc/self/status");

        assertThat(all).as("the test needs a second CPU").isEqualTo("0-1");
        assertThat(outside.stdoutText().strip()).isEqualTo("2");
        assertThat(inside.stdoutText()).isEqualTo("1\nCpus_allowed_list:\t1\n");
    }

    @Test
    void aCpuTheHostLacksFailsTheRunNamingTheValueAndLeavesNoCgroup() {
        assertThatThrownBy(() -> run(privileged().cgroupLimit(CpusetLimit.cpus("63")), "true"))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("cpuset.cpus")
                .hasMessageContaining("'63'");
    }
}
