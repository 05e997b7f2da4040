package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.RlimitConfig.Limit;
import dev.sandbox4j.cgroup.RlimitConfig.Resource;
import dev.sandbox4j.core.InvalidConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RlimitConfigTest {
    @Test
    void defaultsLimitOnlyCoreDumpsToZero() {
        assertThat(RlimitConfig.defaults().limits()).containsOnlyKeys(Resource.CORE);
        assertThat(RlimitConfig.defaults().limits().get(Resource.CORE))
                .isEqualTo(RlimitConfig.builder().coreSize(0).build().limits().get(Resource.CORE));
    }

    @Test
    void settersSetSoftAndHardAndCpuRoundsUp() {
        RlimitConfig c = RlimitConfig.builder()
                .addressSpace(1 << 20)
                .cpuTime(Duration.ofMillis(1500))
                .processes(64)
                .fileSize(4096)
                .openFiles(32)
                .build();
        assertThat(c.limits().get(Resource.AS).soft()).isEqualTo(1 << 20);
        assertThat(c.limits().get(Resource.AS).hard()).isEqualTo(1 << 20);
        assertThat(c.limits().get(Resource.CPU).hard()).isEqualTo(2);
        assertThat(c.limits().get(Resource.NPROC).soft()).isEqualTo(64);
        assertThat(c.limits().get(Resource.NOFILE).hard()).isEqualTo(32);
        assertThat(c.limits().get(Resource.FSIZE).hard()).isEqualTo(4096);
    }

    @Test
    void isImmutableAndBuildersDoNotShareState() {
        RlimitConfig.Builder b = RlimitConfig.builder().openFiles(10);
        RlimitConfig first = b.build();
        b.openFiles(20);
        assertThat(first.limits().get(Resource.NOFILE).hard()).isEqualTo(10);
        assertThatThrownBy(() -> first.limits().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(first.toBuilder().inherit(Resource.CORE).build().limits()).containsOnlyKeys(Resource.NOFILE);
    }

    @Test
    void rejectsNegativeAndSoftAboveHard() {
        assertThatThrownBy(() -> RlimitConfig.builder().openFiles(-1))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("open files limit");
        assertThatThrownBy(() -> RlimitConfig.builder().limit(Resource.STACK, 10, 5))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("soft limit");
        assertThatThrownBy(() -> RlimitConfig.builder().cpuTime(Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class);
        RlimitConfig unlimitedHard = RlimitConfig.builder()
                .limit(Resource.STACK, 8192, Limit.UNLIMITED)
                .build();
        assertThat(unlimitedHard.limits().get(Resource.STACK).hard()).isEqualTo(Limit.UNLIMITED);
    }

    @Test
    void resourceNumbersAreTheKernels() {
        assertThat(Resource.CPU.number()).isZero();
        assertThat(Resource.CORE.number()).isEqualTo(4);
        assertThat(Resource.NPROC.number()).isEqualTo(6);
        assertThat(Resource.NOFILE.number()).isEqualTo(7);
        assertThat(Resource.AS.number()).isEqualTo(9);
    }
}
