package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Further limits (io, cpuset, hugetlb, a team's own) on cgroup v2, against the fake cgroupfs. */
class CgroupLimitV2Test {

    private static final CgroupConfig LIMITS = CgroupConfig.builder()
            .maxPids(32)
            .limit(IoLimit.builder()
                    .device(254, 0)
                    .readBytesPerSecond(2 << 20)
                    .writeBytesPerSecond(1 << 20)
                    .device("8:16")
                    .writeIopsPerSecond(100)
                    .build())
            .limit(CpusetLimit.cpus("1").mems("0"))
            .limit(HugetlbLimit.of(2 << 20, 64 << 20))
            .build();

    @TempDir
    Path dir;

    @Test
    void eachLimitsControllerIsEnabledAndItsFilesWrittenBeforeCreateReturns() {
        FakeHost host = new FakeHost(dir).unified("/", "cpuset cpu io memory hugetlb pids", "");
        Path mount = host.path("/sys/fs/cgroup");

        try (SandboxCgroup cgroup = host.create("ext", LIMITS)) {
            Path sandbox = mount.resolve(cgroup.name());
            assertThat(host.fs.operations())
                    .containsSubsequence(
                            "write " + mount.resolve("cgroup.subtree_control") + " +cpuset",
                            "write " + mount.resolve("cgroup.subtree_control") + " +hugetlb",
                            "write " + mount.resolve("cgroup.subtree_control") + " +io",
                            "write " + mount.resolve("cgroup.subtree_control") + " +pids",
                            "mkdir " + sandbox,
                            "write " + sandbox.resolve("pids.max") + " 32",
                            "write " + sandbox.resolve("io.max") + " 254:0 rbps=2097152 wbps=1048576",
                            "write " + sandbox.resolve("io.max") + " 8:16 wiops=100",
                            "write " + sandbox.resolve("cpuset.mems") + " 0",
                            "write " + sandbox.resolve("cpuset.cpus") + " 1",
                            "write " + sandbox.resolve("hugetlb.2MB.max") + " 67108864");
            assertThat(cgroup.settings())
                    .containsEntry("cpuset.cpus", "1")
                    .containsEntry("hugetlb.2MB.max", "67108864");
        }
    }

    @Test
    void statisticsTheLimitsAskForAreReportedByName() {
        FakeHost host = new FakeHost(dir).unified("/", "cpuset cpu io memory hugetlb pids", "");
        SandboxCgroup cgroup = host.create("stats", LIMITS);
        Path sandbox = cgroup.directories().get(0);
        host.fs
                .put(
                        sandbox.resolve("io.stat"),
                        "254:0 rbytes=4096 wbytes=3145728 rios=1 wios=768 dbytes=0 dios=0\n"
                                + "8:16 rbytes=100 wbytes=0 rios=2 wios=0 dbytes=0 dios=0\n")
                .put(sandbox.resolve("hugetlb.2MB.events"), "max 3\n");

        CgroupStats stats = cgroup.stats();
        cgroup.close();

        assertThat(stats.extra())
                .containsEntry("io.read_bytes", 4196L)
                .containsEntry("io.write_bytes", 3145728L)
                .containsEntry("io.read_ios", 3L)
                .containsEntry("io.write_ios", 768L)
                .containsEntry("hugetlb.2MB.max_events", 3L);
        assertThat(cgroup.stats().extra()).as("kept after close").isEqualTo(stats.extra());
    }

    @Test
    void aControllerTheHostDoesNotOfferIsRefusedBeforeAnythingIsMade() {
        FakeHost host = new FakeHost(dir).unified("/", "cpu memory pids", "");

        assertThat(host.availability(LIMITS).unavailable()).containsOnlyKeys("blkio/io", "cpuset", "hugetlb");
        assertThatThrownBy(() -> host.create("noio", LIMITS))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("blkio/io")
                .hasMessageContaining("no mounted cgroup hierarchy offers");
        assertThat(host.fs.operations()).noneMatch(op -> op.startsWith("mkdir") || op.startsWith("write"));
    }

    /** A team's limit on a controller file this kernel lacks. */
    private record Latency(String file) implements CgroupLimit {
        @Override
        public CgroupController controller() {
            return CgroupController.IO;
        }

        @Override
        public List<CgroupWrite> writes(int version) {
            return version == 2 ? List.of(CgroupWrite.of(file, "254:0 target=10000")) : List.of();
        }

        @Override
        public List<CgroupStatistic> statistics(int version) {
            return version == 2
                    ? List.of(CgroupStatistic.keyed("io.default_weight", "io.weight", "default"))
                    : List.of();
        }
    }

    @Test
    void aFileTheKernelLacksFailsTheCreationBeforeAnyValueIsWritten() {
        FakeHost host = new FakeHost(dir).unified("/", "io memory pids", "");
        Path mount = host.path("/sys/fs/cgroup");
        CgroupConfig limits = CgroupConfig.builder()
                .memory("64M")
                .limit(new Latency("io.latency"))
                .build();

        assertThatThrownBy(() -> host.create("lat", limits))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("the kernel provides no io.latency")
                .hasMessageContaining("nothing was written");
        assertThat(host.fs.operations())
                .as("no limit written, memory's included")
                .noneMatch(op -> op.startsWith("write") && op.contains("sandbox4j-lat"));
        assertThat(CgroupV2Test.sandboxDirectories(mount)).isEmpty();
    }

    @Test
    void aTeamsOwnLimitIsWrittenAndItsStatisticRead() {
        FakeHost host = new FakeHost(dir).unified("/", "io memory pids", "");
        try (SandboxCgroup cgroup = host.create(
                "own", CgroupConfig.builder().limit(new Latency("io.weight")).build())) {
            assertThat(cgroup.settings()).containsEntry("io.weight", "254:0 target=10000");
            host.fs.put(cgroup.directories().get(0).resolve("io.weight"), "default 250\n");
            assertThat(cgroup.stats().extra()).containsEntry("io.default_weight", 250L);
        }
    }

    @Test
    void aLimitThatCannotBeExpressedOnThisVersionIsRefused() {
        FakeHost host = new FakeHost(dir).unified("/", "io memory pids", "");
        CgroupLimit v1Only = new CgroupLimit() {
            @Override
            public CgroupController controller() {
                return CgroupController.IO;
            }

            @Override
            public List<CgroupWrite> writes(int version) {
                return version == 1 ? List.of(CgroupWrite.of("blkio.weight", "500")) : List.of();
            }

            @Override
            public String toString() {
                return "blkio weight 500";
            }
        };

        assertThat(host.availability(CgroupConfig.builder().limit(v1Only).build())
                        .unavailable())
                .containsEntry(
                        "blkio/io",
                        "blkio weight 500 cannot be expressed on cgroup v2, where this host has "
                                + "the io controller");
    }

    @Test
    void aValueTheKernelRefusesNamesFileValueAndLimitAndLeavesNothing() {
        FakeHost host = new FakeHost(dir).unified("/", "cpuset memory pids", "");
        host.fs.failWrites("cpuset.cpus", "Invalid argument");
        Path mount = host.path("/sys/fs/cgroup");

        assertThatThrownBy(() -> host.create(
                        "cpus",
                        CgroupConfig.builder().limit(CpusetLimit.cpus("7")).build()))
                .isInstanceOf(CgroupException.class)
                .hasMessageMatching(
                        "cannot write '7' to .*/cpuset\\.cpus: Invalid argument \\(CpusetLimit\\[cpus=7]\\)");
        assertThat(CgroupV2Test.sandboxDirectories(mount)).isEmpty();
    }
}
