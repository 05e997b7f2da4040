package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link CgroupConfig.Builder#limit} refuses before any cgroup exists. */
class CgroupLimitCheckTest {

    private static CgroupLimit writing(CgroupController controller, String file, String value) {
        return new CgroupLimit() {
            @Override
            public CgroupController controller() {
                return controller;
            }

            @Override
            public List<CgroupWrite> writes(int version) {
                return List.of(CgroupWrite.of(file, value));
            }

            @Override
            public String toString() {
                return "limit(" + file + ")";
            }
        };
    }

    @Test
    void aLimitMayWriteOnlyItsOwnControllersFiles() {
        for (String file : List.of(
                "cgroup.procs",
                "cgroup.subtree_control",
                "memory.max",
                "io.max/../../x",
                "../io.max",
                "io",
                "io.max\n")) {
            assertThatThrownBy(() -> CgroupConfig.builder().limit(writing(CgroupController.IO, file, "1")))
                    .as(file)
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("is not a control file of the");
        }
    }

    @Test
    void aValueIsOneLine() {
        assertThatThrownBy(() -> CgroupConfig.builder().limit(writing(CgroupController.PIDS, "pids.max", "10\n0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("is not one line");
        assertThatThrownBy(() -> CgroupConfig.builder().limit(writing(CgroupController.PIDS, "pids.max", " ")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("is not one line");
    }

    @Test
    void oneFileHasOneOwnerBuiltInLimitsIncluded() {
        assertThatThrownBy(() -> CgroupConfig.builder()
                        .maxPids(10)
                        .limit(writing(CgroupController.PIDS, "pids.max", "5"))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("writes pids.max on cgroup v1, as the pids limit does");
        assertThatThrownBy(() -> CgroupConfig.builder()
                        .limit(CpusetLimit.cpus("0"))
                        .limit(CpusetLimit.cpus("1"))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("one file has one owner");
    }

    @Test
    void theBuiltInLimitsAreLimitsLikeAnyOther() {
        CgroupConfig config = CgroupConfig.builder()
                .memory("64M")
                .cpuPercent(50)
                .maxPids(8)
                .limit(HugetlbLimit.of(2 << 20, 0))
                .build();
        assertThat(config.requiredControllers()).containsExactly("memory", "cpu", "pids", "hugetlb");
        assertThat(BuiltinLimits.all(config))
                .extracting(l -> l.writes(2).get(0).file())
                .containsExactly("memory.max", "cpu.max", "pids.max", "hugetlb.2MB.max");
        assertThat(BuiltinLimits.all(config))
                .extracting(l -> l.writes(1).get(0).file())
                .containsExactly(
                        "memory.limit_in_bytes", "cpu.cfs_period_us", "pids.max", "hugetlb.2MB.limit_in_bytes");
        assertThat(config.toBuilder().build()).isEqualTo(config);
        assertThat(config.toBuilder().noExtraLimits().build().limits()).isEmpty();
        assertThat(config.limitsAnything()).isTrue();
        assertThat(CgroupConfig.builder().limit(CpusetLimit.cpus("0")).build().limitsAnything())
                .isTrue();
    }

    @Test
    void ioLimitValues() {
        assertThatThrownBy(() -> IoLimit.builder().writeBytesPerSecond(1)).hasMessageContaining("name the device");
        assertThatThrownBy(() -> IoLimit.builder().device(0, 1)).hasMessageContaining("major 1..4095");
        assertThatThrownBy(() -> IoLimit.builder().device("sda")).hasMessageContaining("major:minor");
        assertThatThrownBy(() -> IoLimit.builder().device(8, 0).readIopsPerSecond(0))
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> IoLimit.builder().device(8, 0).build()).hasMessageContaining("has no rate");
        IoLimit io = IoLimit.builder()
                .device(8, 0)
                .readBytesPerSecond(10)
                .readIopsPerSecond(5)
                .build();
        assertThat(io.writes(1))
                .containsExactly(
                        CgroupWrite.of("blkio.throttle.read_bps_device", "8:0 10"),
                        CgroupWrite.of("blkio.throttle.read_iops_device", "8:0 5"));
        assertThat(io.writes(2)).containsExactly(CgroupWrite.of("io.max", "8:0 rbps=10 riops=5"));
        assertThatThrownBy(() -> IoLimit.deviceOf(Path.of("/proc/self/status")))
                .hasMessageContaining("not a block device");
    }

    @Test
    void cpusetAndHugetlbValues() {
        assertThatThrownBy(() -> CpusetLimit.cpus("0-")).hasMessageContaining("must be a list such as 0-3,6");
        assertThatThrownBy(() -> CpusetLimit.cpus("3-1")).hasMessageContaining("descending");
        assertThatThrownBy(() -> CpusetLimit.cpus("0").mems("a")).hasMessageContaining("cpuset mems");
        assertThat(CpusetLimit.cpus("0-1,3").writes(1)).containsExactly(CgroupWrite.of("cpuset.cpus", "0-1,3"));
        assertThatThrownBy(() -> HugetlbLimit.of(3 << 20, 0)).hasMessageContaining("power of two");
        assertThat(HugetlbLimit.of(1L << 30, 0).pageSize()).isEqualTo("1GB");
        assertThat(HugetlbLimit.of(64 << 10, 0).pageSize()).isEqualTo("64KB");
    }

    @Test
    void statisticsParseTheKernelsFormats() {
        assertThat(CgroupStatistic.keyed("r", "blkio.x", "Read")
                        .parse("254:0 Read 4096\n254:0 Write 10\n" + "8:0 Read 4\nTotal 4110\n"))
                .hasValue(4100);
        assertThat(CgroupStatistic.keyed("m", "hugetlb.2MB.events", "max").parse("max 3\n"))
                .hasValue(3);
        assertThat(CgroupStatistic.keyed("m", "io.stat", "wbytes").parse("")).isEmpty();
        assertThat(CgroupStatistic.number("n", "pids.max").parse("max\n")).isEmpty();
        assertThat(CgroupStatistic.number("n", "pids.max").parse("12\n")).hasValue(12);
    }
}
