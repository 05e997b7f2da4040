package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.asRoot;
import static dev.sandbox4j.exec.SandboxBuilderTest.asUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.RlimitConfig.Resource;
import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request over a sandbox: what it may change, what it may not, and what a run then gets. */
class RunRequestTest {
    private static final long MIB = 1L << 20;
    private static final List<String> CMD = List.of("true");

    private static SandboxBuilder policy() {
        return SandboxConfig.builder()
                .timeout(Duration.ofSeconds(10))
                .cpuTimeLimit(Duration.ofSeconds(5))
                .memoryLimit(256 * MIB)
                .pidsLimit(64)
                .env("A", "sandbox");
    }

    @Test
    void aRequestLowersTheSandboxsLimitsAndAddsToItsEnvironment() {
        SandboxConfig config = asRoot(policy());
        RunSettings run = RunSettings.of(
                config,
                RunRequest.builder(CMD)
                        .timeout(Duration.ofSeconds(2))
                        .cpuTimeLimit(Duration.ofMillis(1500))
                        .memoryLimit(32 * MIB)
                        .pidsLimit(8)
                        .env("B", "run")
                        .env("A", "run")
                        .cwd(Path.of("/tmp/../work"))
                        .build(),
                false);
        assertThat(run.timeout).isEqualTo(Duration.ofSeconds(2));
        assertThat(run.cpuTimeLimit).isEqualTo(Duration.ofMillis(1500));
        assertThat(run.cpuTimeMechanism).isEqualTo(LimitMechanism.CGROUP);
        assertThat(run.limits.cgroup())
                .isEqualTo(
                        CgroupConfig.builder().memoryBytes(32 * MIB).maxPids(8).build());
        assertThat(run.rlimits)
                .as("the cgroup holds the CPU time: no RLIMIT_CPU")
                .isEqualTo(RlimitConfig.defaults());
        assertThat(run.environment).containsEntry("A", "run").containsEntry("B", "run");
        assertThat(run.cwd).isEqualTo(Path.of("/work"));
        assertThat(config.environment())
                .as("the sandbox's own stays")
                .containsEntry("A", "sandbox")
                .doesNotContainKey("B");
    }

    @Test
    void whatARequestLeavesOutComesFromTheSandbox() {
        SandboxConfig config = asRoot(policy().killGrace(Duration.ofSeconds(1)));
        RunSettings run = RunSettings.of(config, RunRequest.of(CMD), false);
        assertThat(run.timeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(run.cpuTimeLimit).isEqualTo(Duration.ofSeconds(5));
        assertThat(run.killGrace).isEqualTo(Duration.ofSeconds(1));
        assertThat(run.limits).isSameAs(config.limitPlan());
        assertThat(run.memoryLimit).hasValue(256 * MIB);
    }

    @Test
    void aRequestThatRaisesALimitIsRefusedNamingTheSetting() {
        SandboxConfig config = asRoot(policy());
        assertThatThrownBy(() -> RunSettings.of(
                        config, RunRequest.builder(CMD).memoryLimit(512 * MIB).build(), false))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("memory limit")
                .hasMessageContaining("512")
                .hasMessageContaining("256");
        assertThatThrownBy(() -> RunSettings.of(
                        config, RunRequest.builder(CMD).pidsLimit(65).build(), false))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("pids limit")
                .hasMessageContaining("65");
        assertThatThrownBy(() -> RunSettings.of(
                        config,
                        RunRequest.builder(CMD).timeout(Duration.ofSeconds(11)).build(),
                        false))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> RunSettings.of(
                        config,
                        RunRequest.builder(CMD)
                                .cpuTimeLimit(Duration.ofSeconds(6))
                                .build(),
                        false))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("cpu time limit");
    }

    @Test
    void aSandboxWithoutALimitLetsARequestSetOne() {
        SandboxConfig config = asRoot(SandboxConfig.builder());
        RunSettings run = RunSettings.of(
                config,
                RunRequest.builder(CMD)
                        .memoryLimit(64 * MIB)
                        .timeout(Duration.ofDays(1))
                        .build(),
                false);
        assertThat(run.limits.memory()).isEqualTo(LimitMechanism.CGROUP);
        assertThat(run.timeout).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void withoutACgroupTheCpuTimeLimitIsRlimitCpuInWholeSecondsKillingASecondLaterNeverAboveAnExplicitOne() {
        SandboxConfig config = asUser(SandboxConfig.builder().cpuTimeLimit(Duration.ofMillis(1200)));
        assertThat(config.cpuTimeLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(config.effectiveRlimits().limits().get(Resource.CPU))
                .extracting(RlimitConfig.Limit::soft, RlimitConfig.Limit::hard)
                .containsExactly(2L, 3L);
        RunSettings run = RunSettings.of(
                config,
                RunRequest.builder(CMD).cpuTimeLimit(Duration.ofMillis(300)).build(),
                false);
        assertThat(run.rlimits.limits().get(Resource.CPU))
                .extracting(RlimitConfig.Limit::soft, RlimitConfig.Limit::hard)
                .containsExactly(1L, 2L);
        SandboxConfig explicit = asUser(SandboxConfig.builder()
                .cpuTimeLimit(Duration.ofSeconds(30))
                .rlimits(RlimitConfig.builder().cpuTime(Duration.ofSeconds(3)).build()));
        assertThat(explicit.effectiveRlimits().limits().get(Resource.CPU).hard())
                .isEqualTo(3);
    }

    @Test
    void runTurnsASandboxsPipeDefaultIntoCaptureAndRefusesARequestedPipe() {
        SandboxConfig config =
                asRoot(SandboxConfig.builder().stdout(Output.pipe()).stdin(Input.pipe()));
        RunSettings run = RunSettings.of(config, RunRequest.of(CMD), false);
        assertThat(run.stdout.kind).isEqualTo(Output.Kind.CAPTURE);
        assertThat(run.stdin.kind).isEqualTo(Input.Kind.NONE);
        assertThat(RunSettings.of(config, RunRequest.of(CMD), true).stdout.kind).isEqualTo(Output.Kind.PIPE);
        assertThatThrownBy(() -> RunSettings.of(
                        config, RunRequest.builder(CMD).stderr(Output.pipe()).build(), false))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("stderr")
                .hasMessageContaining("Sandbox.start(request)");
    }

    @Test
    void badValuesAreRefusedWhenSet() {
        assertThatThrownBy(() -> RunRequest.builder(List.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("command");
        assertThatThrownBy(() -> RunRequest.builder(CMD).timeout(Duration.ZERO)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> RunRequest.builder(CMD).cpuTimeLimit(Duration.ofSeconds(-1)))
                .hasMessageContaining("cpu time limit");
        assertThatThrownBy(() -> RunRequest.builder(CMD).killGrace(Duration.ofSeconds(-1)))
                .hasMessageContaining("kill grace");
        assertThatThrownBy(() -> RunRequest.builder(CMD).pidsLimit(0)).hasMessageContaining("pids limit");
        assertThatThrownBy(() -> RunRequest.builder(CMD).memoryLimit(1)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> RunRequest.builder(CMD).env("A=B", "x")).hasMessageContaining("A=B");
        assertThatThrownBy(() -> RunRequest.builder(CMD).cwd(Path.of("rel"))).hasMessageContaining("absolute");
    }

    @Test
    void aSwapLimitGoesOnTopOfTheCgroupsMemoryLimitAndIsRefusedWithoutOne() {
        SandboxConfig c = asRoot(SandboxConfig.builder().swapLimit(16 * MIB).memoryLimit(64 * MIB));
        assertThat(c.resourceLimits().swapBytes()).hasValue(16 * MIB);
        assertThat(c.cgroupLimits().orElseThrow().swapBytes()).hasValue(16 * MIB);
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder().swapLimit(16 * MIB)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("swap limit")
                .hasMessageContaining("needs a memory limit");
        assertThatThrownBy(() ->
                        asUser(SandboxConfig.builder().memoryLimit(64 * MIB).swapLimit(16 * MIB)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("swap limit")
                .hasMessageContaining("RLIMIT_DATA");
        assertThatThrownBy(() -> SandboxConfig.builder().swapLimit(-1)).hasMessageContaining("swap limit");
    }
}
