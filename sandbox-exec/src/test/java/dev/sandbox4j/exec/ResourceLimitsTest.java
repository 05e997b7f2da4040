package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.PRIVILEGED_HOST;
import static dev.sandbox4j.exec.SandboxBuilderTest.ROOT;
import static dev.sandbox4j.exec.SandboxBuilderTest.asRoot;
import static dev.sandbox4j.exec.SandboxBuilderTest.asUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupUnavailableException;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.RlimitConfig.Resource;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which mechanism enforces each limit, decided at build(): cgroups when privileged, rlimits, or a refusal. */
class ResourceLimitsTest {
    private static final long MIB = 1L << 20;

    private static SandboxBuilder limited() {
        return SandboxConfig.builder().memoryLimit(64 * MIB).pidsLimit(32);
    }

    @Test
    void privilegedRunsPutEveryLimitIntoTheirCgroupAndNoneIntoRlimits() {
        SandboxConfig c = asRoot(limited().cpuPercent(20).cpuWeight(50));
        assertThat(c.cgroupLimits())
                .hasValue(CgroupConfig.builder()
                        .memoryBytes(64 * MIB)
                        .maxPids(32)
                        .cpuPercent(20)
                        .cpuWeight(50)
                        .build());
        assertThat(c.memoryLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        assertThat(c.pidsLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        assertThat(c.cpuPercent()).hasValue(20);
        assertThat(c.cpuLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        assertThat(c.effectiveRlimits())
                .as("an rlimit would fail the allocation before the cgroup's OOM killer")
                .isEqualTo(RlimitConfig.defaults());
    }

    @Test
    void privilegedRunsWithoutLimitsStillGetACgroupForTheirFigures() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of());
        SandboxConfig c = SandboxConfig.builder().build(ROOT, PRIVILEGED_HOST, host);
        assertThat(c.cgroupLimits()).hasValue(CgroupConfig.NONE);
        assertThat(c.cgroupHost()).isSameAs(host);
        assertThat(host.asked).as("nothing can be unavailable without limits").isEmpty();
        assertThat(c.memoryLimitMechanism()).isEmpty();
        assertThat(c.cpuLimitMechanism()).isEmpty();
    }

    @Test
    void unprivilegedMemoryIsRlimitDataAndPidsRlimitNprocNeverRaisingAnExplicitOne() {
        SandboxConfig c =
                asUser(limited().rlimits(RlimitConfig.builder().processes(10).build()));
        Map<Resource, RlimitConfig.Limit> rlimits = c.effectiveRlimits().limits();
        assertThat(rlimits.get(Resource.DATA).soft()).isEqualTo(64 * MIB);
        assertThat(rlimits.get(Resource.DATA).hard()).isEqualTo(64 * MIB);
        assertThat(rlimits).as("address space counts reservations, not use").doesNotContainKey(Resource.AS);
        assertThat(rlimits.get(Resource.NPROC).hard())
                .as("the explicit, lower limit wins")
                .isEqualTo(10);
        assertThat(rlimits.get(Resource.CORE).hard()).isZero();
        assertThat(c.rlimits().limits()).doesNotContainKey(Resource.DATA);
        assertThat(c.memoryLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(c.pidsLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(c.cpuLimitMechanism()).isEmpty();
        assertThat(c.cgroupLimits()).as("no cgroup at all").isEmpty();
        assertThat(c.cgroupHost()).isNull();
    }

    @Test
    void anUnprivilegedCpuLimitIsRefusedNamingTheValueAndTheWayOut() {
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().cpuPercent(20)))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith("cpu limit 20% (20000us per 100000us) is not available: unprivileged mode")
                .hasMessageContaining("privileged mode")
                .hasMessageContaining("timeout")
                .extracting(e -> ((FeatureUnavailableException) e).reason())
                .asString()
                .as("the reason alone, for front ends that word their own remedy")
                .startsWith("unprivileged mode creates no cgroups")
                .doesNotContain("timeout");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().cpuQuota(5_000, 1_000_000)))
                .hasMessageStartingWith("cpu limit 0.5% (5000us per 1000000us)");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().cpuWeight(300)))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith("cpu weight 300 is not available");
    }

    @Test
    void autoFallsBackPerControllerWhenOneIsUnusable() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of("memory", "cgroup v2: memory is not enabled for sub-cgroups"));
        SandboxConfig c = limited().build(ROOT, PRIVILEGED_HOST, host);
        assertThat(c.mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
        assertThat(c.memoryLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(c.effectiveRlimits().limits().get(Resource.DATA).hard()).isEqualTo(64 * MIB);
        assertThat(c.pidsLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        assertThat(c.effectiveRlimits().limits()).doesNotContainKey(Resource.NPROC);
        assertThat(c.cgroupLimits()).hasValue(CgroupConfig.builder().maxPids(32).build());
    }

    @Test
    void anExplicitlyPrivilegedSandboxFailsWhereAControllerItNeedsIsUnusable() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of("pids", "no write permission on /sys/fs/cgroup/pids"));
        assertThatThrownBy(
                        () -> limited().privilegeMode(PrivilegeMode.PRIVILEGED).build(ROOT, PRIVILEGED_HOST, host))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("pids: no write permission on /sys/fs/cgroup/pids");
    }

    @Test
    void aCpuLimitIsRefusedWhenTheCpuControllerIsUnusableEvenInAuto() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of("cpu", "cgroup v2: cpu is not enabled for sub-cgroups"));
        assertThatThrownBy(() -> SandboxConfig.builder().cpuPercent(20).build(ROOT, PRIVILEGED_HOST, host))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith(
                        "cpu limit 20% (20000us per 100000us) is not available: the cpu cgroup controller "
                                + "cannot be used here: cgroup v2: cpu is not enabled for sub-cgroups");
    }

    @Test
    void invalidLimitsAreRefusedAtTheSetterNamingTheValue() {
        SandboxBuilder b = SandboxConfig.builder();
        int max = 100 * Runtime.getRuntime().availableProcessors();
        assertThatThrownBy(() -> b.memoryLimit(0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("invalid memory limit '0': must be positive");
        assertThatThrownBy(() -> b.memoryLimit(-1)).hasMessageStartingWith("invalid memory limit '-1'");
        assertThatThrownBy(() -> b.memoryLimit(MIB))
                .hasMessageStartingWith("invalid memory limit '1048576': below the minimum of 4 MiB");
        assertThatThrownBy(() -> b.cpuPercent(0)).hasMessageStartingWith("invalid cpu limit '0'");
        assertThatThrownBy(() -> b.cpuPercent(-5)).hasMessageStartingWith("invalid cpu limit '-5'");
        assertThatThrownBy(() -> b.cpuPercent(max + 50))
                .hasMessageStartingWith("invalid cpu limit '" + (max + 50) + "'");
        assertThatThrownBy(() -> b.cpuPercent(0.5)).hasMessageContaining("below 1% of a CPU");
        assertThatThrownBy(() -> b.cpuPercent(Double.NaN)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> b.cpuQuota(500, 100_000)).hasMessageStartingWith("invalid cpu quota '500us'");
        assertThatThrownBy(() -> b.cpuWeight(0)).hasMessageStartingWith("invalid cpu weight '0'");
        assertThatThrownBy(() -> b.pidsLimit(0)).hasMessageStartingWith("invalid pids limit '0': must be positive");
        assertThatThrownBy(() -> b.pidsLimit(1))
                .hasMessageStartingWith("invalid pids limit '1': below the minimum of 3");
        assertThatThrownBy(() -> b.pidsLimit(2))
                .hasMessageStartingWith("invalid pids limit '2': below the minimum of 3");
        assertThatThrownBy(() -> b.pidsLimit(5_000_000_000L))
                .hasMessageStartingWith("invalid pids limit '5000000000': above the kernel's maximum");
        assertThatThrownBy(() -> b.id("-x")).isInstanceOf(InvalidConfigException.class);
        assertThat(b.cpuPercent(max).cpuPercent(1).memoryLimit(4 * MIB).pidsLimit(3))
                .isSameAs(b);
    }

    @Test
    void aRejectedValueLeavesTheEarlierOneInPlace() {
        SandboxBuilder b = SandboxConfig.builder().memoryLimit(64 * MIB);
        assertThatThrownBy(() -> b.memoryLimit(0)).isInstanceOf(InvalidConfigException.class);
        assertThat(asRoot(b).memoryLimit()).hasValue(64 * MIB);
        assertThat(asRoot(b).toString()).contains("cgroup=CgroupConfig[memory=64 MiB");
        assertThat(asRoot(b.cpuQuota(50_000, 200_000)).cpuPercent()).hasValue(25.0);
    }
}
