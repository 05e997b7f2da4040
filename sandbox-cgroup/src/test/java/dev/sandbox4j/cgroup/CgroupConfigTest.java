package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CgroupConfigTest {

    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    @Test
    void noneLimitsNothing() {
        assertThat(CgroupConfig.NONE.limitsAnything()).isFalse();
        assertThat(CgroupConfig.NONE.requiredControllers()).isEmpty();
        assertThat(CgroupConfig.NONE.memoryBytes()).isEmpty();
        assertThat(CgroupConfig.NONE.swapBytes()).isEmpty();
        assertThat(CgroupConfig.NONE.cpuQuotaUs()).isEmpty();
        assertThat(CgroupConfig.NONE.cpuPercent()).isEmpty();
        assertThat(CgroupConfig.NONE.maxPids()).isEmpty();
    }

    @Test
    void memoryLimitTurnsSwapOffUnlessAsked() {
        CgroupConfig config = CgroupConfig.builder().memory("64M").build();

        assertThat(config.memoryBytes()).hasValue(64L << 20);
        assertThat(config.swapBytes()).hasValue(0);
        assertThat(config.memoryAndSwapBytes()).hasValue(64L << 20);
        assertThat(config.requiredControllers()).containsExactly("memory");

        CgroupConfig withSwap = config.toBuilder().swapBytes(16L << 20).build();
        assertThat(withSwap.memoryAndSwapBytes()).hasValue(80L << 20);
    }

    @Test
    void swapWithoutMemoryLimitIsRejected() {
        assertThatThrownBy(() -> CgroupConfig.builder().swapBytes(1 << 20).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("swap limit '1048576'")
                .hasMessageContaining("needs a memory limit");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -(64L << 20)})
    void nonPositiveMemoryIsRejectedNamingTheValue(long bytes) {
        assertThatThrownBy(() -> CgroupConfig.builder().memoryBytes(bytes))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid memory limit '" + bytes + "': must be positive; leave it unset for no limit");
    }

    @Test
    void memoryBelowTheLauncherFloorIsRejected() {
        assertThatThrownBy(() -> CgroupConfig.builder().memory("64K"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("invalid memory limit '64K': below the minimum of 4 MiB");
        assertThat(CgroupConfig.builder()
                        .memoryBytes(CgroupConfig.MIN_MEMORY_BYTES)
                        .build()
                        .memoryBytes())
                .hasValue(4L << 20);
        assertThatThrownBy(() -> CgroupConfig.builder().memory("0"))
                .hasMessage("invalid memory limit '0': must be positive; leave it unset for no limit");
    }

    @Test
    void cpuPercentIsAQuotaPerDefaultPeriod() {
        CgroupConfig config = CgroupConfig.builder().cpuPercent(20).build();

        assertThat(config.cpuQuotaUs()).hasValue(20_000);
        assertThat(config.cpuPeriodUs()).isEqualTo(100_000);
        assertThat(config.cpuPercent()).hasValue(20.0);
        assertThat(config.requiredControllers()).containsExactly("cpu");
        assertThat(config).hasToString("CgroupConfig[cpu=20000/100000us (20%)]");
    }

    @Test
    void cpuPercentMayCoverEveryAvailableCpu() {
        CgroupConfig config = CgroupConfig.builder().cpuPercent(100.0 * CPUS).build();
        assertThat(config.cpuQuotaUs()).hasValue(100_000L * CPUS);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -5, Double.NaN, Double.POSITIVE_INFINITY})
    void cpuPercentOutsideTheRangeIsRejected(double percent) {
        assertThatThrownBy(() -> CgroupConfig.builder().cpuPercent(percent))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("invalid cpu limit")
                .hasMessageContaining("(0, " + 100 * CPUS + "]");
    }

    @Test
    void cpuPercentAboveTheCpusAvailableIsRejected() {
        double tooMuch = 100.0 * CPUS + 50;
        assertThatThrownBy(() -> CgroupConfig.builder().cpuPercent(tooMuch))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'" + (long) tooMuch + "'")
                .hasMessageContaining("more than the " + CPUS + " CPU(s) available");
    }

    @Test
    void cpuPercentBelowTheKernelsMinimumQuotaIsRejected() {
        assertThatThrownBy(() -> CgroupConfig.builder().cpuPercent(0.5))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'0.5'")
                .hasMessageContaining("kernel's minimum quota of 1 ms");
        assertThat(CgroupConfig.builder().cpuPercent(1).build().cpuQuotaUs()).hasValue(1_000);
    }

    @Test
    void cpuQuotaFollowsTheKernelsBounds() {
        assertThat(CgroupConfig.builder().cpuQuota(1_000, 1_000_000).build().cpuPercent())
                .hasValue(0.1);
        assertThatThrownBy(() -> CgroupConfig.builder().cpuQuota(999, 100_000))
                .hasMessage(
                        "invalid cpu quota '999us': must be at least 1000us (1 ms); the kernel rejects smaller quotas");
        assertThatThrownBy(() -> CgroupConfig.builder().cpuQuota(50_000, 1_000_001))
                .hasMessageStartingWith("invalid cpu period '1000001us': must be between 1000us");
        assertThatThrownBy(() -> CgroupConfig.builder().cpuQuota(1_000, 999))
                .hasMessageStartingWith("invalid cpu period '999us'");
        assertThatThrownBy(() -> CgroupConfig.builder().cpuQuota(100_000L * CPUS + 1, 100_000))
                .hasMessageContaining("more than the " + CPUS + " CPU(s) available");
    }

    @Test
    void cpuWeightMapsProportionallyToV1Shares() {
        assertThat(CgroupConfig.builder().cpuWeight(100).build().cpuShares()).hasValue(1024);
        assertThat(CgroupConfig.builder().cpuWeight(200).build().cpuShares()).hasValue(2048);
        assertThat(CgroupConfig.builder().cpuWeight(1).build().cpuShares()).hasValue(10);
        assertThat(CgroupConfig.builder().cpuWeight(10_000).build().cpuShares()).hasValue(102_400);
        assertThat(CgroupConfig.builder().cpuWeight(50).build().requiredControllers())
                .containsExactly("cpu");
        assertThatThrownBy(() -> CgroupConfig.builder().cpuWeight(0)).hasMessageStartingWith("invalid cpu weight '0'");
        assertThatThrownBy(() -> CgroupConfig.builder().cpuWeight(10_001))
                .hasMessageStartingWith("invalid cpu weight '10001'");
    }

    @Test
    void pidsMustCoverTheLauncher() {
        assertThatThrownBy(() -> CgroupConfig.builder().maxPids(0))
                .hasMessage("invalid pids limit '0': must be positive; leave it unset for no limit");
        assertThatThrownBy(() -> CgroupConfig.builder().maxPids(2))
                .hasMessageStartingWith("invalid pids limit '2': below the minimum of 3");
        assertThatThrownBy(() -> CgroupConfig.builder().maxPids(CgroupConfig.MAX_PIDS + 1))
                .hasMessageContaining("above the kernel's maximum");
        assertThat(CgroupConfig.builder().maxPids(32).build().maxPids()).hasValue(32);
    }

    @Test
    void valueObjectSemantics() {
        CgroupConfig a =
                CgroupConfig.builder().memory("64M").cpuPercent(20).maxPids(32).build();
        CgroupConfig b = a.toBuilder().build();

        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(a.toBuilder().maxPids(33).build()).isNotEqualTo(a);
        assertThat(a.toBuilder().noMemoryLimit().noCpuLimit().build().requiredControllers())
                .containsExactly("pids");
        assertThat(a.toBuilder().noPidsLimit().build().requiredControllers()).containsExactly("memory", "cpu");
        assertThat(a.toBuilder()
                        .noCpuLimit()
                        .cpuWeight(200)
                        .noCpuWeight()
                        .build()
                        .requiredControllers())
                .containsExactly("memory", "pids");
        assertThat(a.toBuilder().noMemoryLimit().noCpuLimit().noPidsLimit().build())
                .isEqualTo(CgroupConfig.NONE);
        assertThat(a).hasToString("CgroupConfig[memory=64 MiB, swap=0 B, cpu=20000/100000us (20%), pids=32]");
        assertThat(a.requiredControllers()).containsExactly("memory", "cpu", "pids");
    }
}
