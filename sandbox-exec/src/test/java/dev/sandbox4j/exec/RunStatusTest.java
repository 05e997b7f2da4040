package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.CgroupStats;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxSetupException;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** One verdict per run, by the documented precedence, and the report that carries it. */
class RunStatusTest {
    private static SandboxResult.Builder base() {
        return SandboxResult.builder().id("sbx-test").mode(PrivilegeMode.PRIVILEGED);
    }

    private static CgroupStats stats(long cpuUs, long oomKills) {
        return new CgroupStats(
                OptionalLong.of(8 << 20), OptionalLong.of(cpuUs), OptionalLong.of(3), OptionalLong.of(oomKills));
    }

    @Test
    void theFirstThingThatHappenedInThePrecedenceWins() {
        assertThat(base().exitCode(0).build().status()).isEqualTo(RunStatus.EXITED);
        assertThat(base().exitCode(1).build().status()).isEqualTo(RunStatus.EXITED);
        assertThat(base().signal(11, false).build().status()).isEqualTo(RunStatus.SIGNALED);
        assertThat(base().signal(9, false).timedOut(true).build().status()).isEqualTo(RunStatus.TIMEOUT);
        assertThat(base().exitCode(143).timedOut(true).build().status())
                .as("ended by the grace's SIGTERM")
                .isEqualTo(RunStatus.TIMEOUT);
        assertThat(base().signal(9, false)
                        .timedOut(true)
                        .cgroupStats(stats(2_000_000, 0))
                        .cpuTimeLimit(Duration.ofSeconds(1), LimitMechanism.CGROUP, true)
                        .build()
                        .status())
                .isEqualTo(RunStatus.CPU_TIME_LIMIT);
        assertThat(base().signal(9, false)
                        .timedOut(true)
                        .cgroupStats(stats(2_000_000, 1))
                        .cpuTimeLimit(Duration.ofSeconds(1), LimitMechanism.CGROUP, true)
                        .build()
                        .status())
                .isEqualTo(RunStatus.MEMORY_LIMIT);
        assertThat(base().signal(31, false)
                        .seccompViolation(true)
                        .cgroupStats(stats(2_000_000, 1))
                        .timedOut(true)
                        .build()
                        .status())
                .isEqualTo(RunStatus.SECCOMP_VIOLATION);
    }

    @Test
    void aCpuTimeLimitCountsAsReachedByTheWatchOrByTheFinalFigure() {
        assertThat(base().exitCode(0)
                        .cgroupStats(stats(1_000_000, 0))
                        .cpuTimeLimit(Duration.ofSeconds(1), LimitMechanism.CGROUP, false)
                        .build()
                        .status())
                .as("ended between two looks, at the limit")
                .isEqualTo(RunStatus.CPU_TIME_LIMIT);
        assertThat(base().exitCode(0)
                        .cgroupStats(stats(999_000, 0))
                        .cpuTimeLimit(Duration.ofSeconds(1), LimitMechanism.CGROUP, false)
                        .build()
                        .status())
                .isEqualTo(RunStatus.EXITED);
    }

    @Test
    void rlimitCpuIsSigxcpuAtTheLimitOrSigkillASecondLater() {
        SandboxResult xcpu = base().signal(24, false)
                .cpu(1_800_000, 10_000)
                .cpuTimeLimit(Duration.ofMillis(1500), LimitMechanism.RLIMIT, false)
                .build();
        assertThat(xcpu.status()).isEqualTo(RunStatus.CPU_TIME_LIMIT);
        SandboxResult killed = base().signal(9, false)
                .cpu(2_995_000, 10_000)
                .cpuTimeLimit(Duration.ofMillis(1500), LimitMechanism.RLIMIT, false)
                .build();
        assertThat(killed.status())
                .as("ignored SIGXCPU, killed at the hard limit")
                .isEqualTo(RunStatus.CPU_TIME_LIMIT);
        assertThat(killed.cpuTimeLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(base().signal(9, false)
                        .cpu(300_000, 0)
                        .cpuTimeLimit(Duration.ofMillis(1500), LimitMechanism.RLIMIT, false)
                        .build()
                        .status())
                .as("a SIGKILL long before the limit is somebody else's")
                .isEqualTo(RunStatus.SIGNALED);
    }

    @Test
    void exceptionsMapToTheTwoStatusesAResultNeverHas() {
        assertThat(RunStatus.of(new SandboxSetupException("chdir", 2, "no"))).hasValue(RunStatus.SETUP_FAILED);
        assertThat(RunStatus.of(new ProgramNotRunnableException("execve", 2, "x")))
                .hasValue(RunStatus.SETUP_FAILED);
        assertThat(RunStatus.of(new RunAbortedException("s", RunAbortedException.Reason.LAUNCHER_DIED, null)))
                .hasValue(RunStatus.SANDBOX_FAILED);
        assertThat(RunStatus.of(new IllegalStateException())).isEmpty();
    }

    @Test
    void theReportEndsWithTheStatusAfterTheContractsFields() {
        String json = base().exitCode(0)
                .cgroupStats(stats(2_000_000, 0))
                .cpuTimeLimit(Duration.ofSeconds(1), LimitMechanism.CGROUP, true)
                .build()
                .toJson();
        assertThat(json)
                .startsWith("{\"id\":\"sbx-test\",\"mode\":\"privileged\",\"exitCode\":0,\"signal\":null,")
                .contains("\"oomKilled\":false,")
                .contains("\"cpuTimeUs\":2000000,")
                .endsWith(
                        ",\"setupError\":null,\"degradations\":[],\"refusedConnections\":null,\"status\":\"cpu_time_limit\"}");
        assertThat(SandboxReport.notRun(
                        java.util.Optional.of("a"),
                        java.util.Optional.empty(),
                        RunStatus.SANDBOX_FAILED,
                        "launcher",
                        java.util.Optional.empty(),
                        "gone"))
                .endsWith("\"setupError\":{\"step\":\"launcher\",\"errno\":null,\"message\":\"gone\"},"
                        + "\"degradations\":null,\"refusedConnections\":null,\"status\":\"sandbox_failed\"}");
    }
}
