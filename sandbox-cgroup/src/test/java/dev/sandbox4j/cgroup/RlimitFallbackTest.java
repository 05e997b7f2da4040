package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RlimitFallbackTest {

    @Test
    void memoryPlusSwapBecomesDataAndPidsBecomeNproc() {
        RlimitFallback fallback = RlimitFallback.of(CgroupConfig.builder()
                .memory("64M")
                .swapBytes(16L << 20)
                .maxPids(32)
                .build());

        assertThat(fallback.dataBytes()).hasValue(80L << 20);
        assertThat(fallback.processes()).hasValue(32);
        assertThat(fallback.coversEverything()).isTrue();
    }

    @Test
    void cpuLimitsAreReportedAsNotCovered() {
        RlimitFallback fallback = RlimitFallback.of(
                CgroupConfig.builder().cpuPercent(20).cpuWeight(50).build());

        assertThat(fallback.dataBytes()).isEmpty();
        assertThat(fallback.processes()).isEmpty();
        assertThat(fallback.coversEverything()).isFalse();
        assertThat(fallback.notCovered())
                .containsExactly(
                        "cpu limit 20000us per 100000us: rlimits have no CPU rate; only the wall-clock timeout bounds it",
                        "cpu weight 50: no rlimit equivalent; the workload competes for CPU like any other process");
    }

    @Test
    void noLimitsSuggestNothing() {
        RlimitFallback fallback = RlimitFallback.of(CgroupConfig.NONE);
        assertThat(fallback.dataBytes()).isEmpty();
        assertThat(fallback.processes()).isEmpty();
        assertThat(fallback.coversEverything()).isTrue();
    }
}
