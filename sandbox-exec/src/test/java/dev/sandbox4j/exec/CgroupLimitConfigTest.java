package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.PRIVILEGED_HOST;
import static dev.sandbox4j.exec.SandboxBuilderTest.ROOT;
import static dev.sandbox4j.exec.SandboxBuilderTest.asRoot;
import static dev.sandbox4j.exec.SandboxBuilderTest.asUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupUnavailableException;
import dev.sandbox4j.cgroup.CpusetLimit;
import dev.sandbox4j.cgroup.IoLimit;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Further cgroup limits through the builder: held by a cgroup, or refused; never dropped. */
class CgroupLimitConfigTest {
    private static final IoLimit IO =
            IoLimit.builder().device(254, 0).writeBytesPerSecond(1 << 20).build();

    @Test
    void privilegedRunsCarryTheLimitIntoTheirCgroup() {
        SandboxConfig c = asRoot(SandboxConfig.builder().memoryLimit(64L << 20).cgroupLimit(IO));
        assertThat(c.cgroupLimits())
                .hasValue(
                        CgroupConfig.builder().memoryBytes(64L << 20).limit(IO).build());
    }

    @Test
    void unprivilegedRunsRefuseItNamingTheLimitAndTheRemedy() {
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().cgroupLimit(IO)))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("IoLimit[254:0 wbps=1048576]")
                .hasMessageContaining("unprivileged mode creates no cgroups")
                .hasMessageContaining("privileged mode");
    }

    @Test
    void automaticModeRefusesWhenTheControllerIsUnusableInsteadOfFallingBack() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of("cpuset", "no cpuset controller here"));
        assertThatThrownBy(() -> SandboxConfig.builder()
                        .memoryLimit(64L << 20)
                        .cgroupLimit(CpusetLimit.cpus("0"))
                        .build(ROOT, PRIVILEGED_HOST, host))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("no cpuset controller here");
    }

    @Test
    void aBadLimitFailsAtTheSetter() {
        assertThatThrownBy(() -> SandboxConfig.builder().pidsLimit(10).cgroupLimit(CpusetLimit.cpus("1-0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("descending");
    }
}
