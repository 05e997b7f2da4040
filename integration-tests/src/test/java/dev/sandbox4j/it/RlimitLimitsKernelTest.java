package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.UsageSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Limits in unprivileged mode, where no cgroup exists and memory and pids become rlimits: they still stop a
 * workload, the result says that an rlimit did it, and a cpu limit, which no rlimit can hold, is refused. Runs
 * as the build's user (as root, in explicitly unprivileged mode) and again as uid 65534 through
 * {@link UnprivilegedKernelTest}.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class RlimitLimitsKernelTest {
    private static final long MIB = 1L << 20;

    @BeforeAll
    static void userNamespaces() throws Exception {
        try (Sandbox sandbox = Sandbox.create(unprivileged().build())) {
            requireRunnable(sandbox, "user namespaces (unprivileged mode)");
        }
    }

    private static SandboxBuilder unprivileged() {
        return SandboxConfig.builder().privilegeMode(PrivilegeMode.UNPRIVILEGED).timeout(Duration.ofSeconds(30));
    }

    private static SandboxResult run(SandboxBuilder builder, String... command) throws InterruptedException {
        try (Sandbox sandbox = Sandbox.create(builder.build())) {
            return sandbox.run(List.of(command));
        }
    }

    @Test
    void theMemoryLimitIsRlimitDataAndFailsA200MiBAllocation() throws Exception {
        SandboxResult r = run(unprivileged().memoryLimit(64 * MIB), CgroupLimitsKernelTest.touch(200));
        System.out.printf(
                "[measured] unprivileged, 200 MiB under 64 MiB (RLIMIT_DATA): exit %s, stderr %s, max RSS %.1f MiB%n",
                r.exitCode(), r.stderrText().strip(), r.maxRssBytes() / (double) MIB);
        assertThat(r.memoryLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(r.exitCode()).as("perl's malloc got NULL and gave up").hasValue(1);
        assertThat(r.stderrText()).contains("Out of memory");
        assertThat(r.stdoutText()).isEmpty();
        assertThat(r.oomKilled()).isFalse();
        assertThat(r.oomKills())
                .as("no cgroup: unknowable, and an rlimit never OOM-kills")
                .isEmpty();
        assertThat(r.memoryPeakSource()).isEqualTo(UsageSource.RUSAGE);
        assertThat(r.maxRssBytes()).isLessThan(64 * MIB);
    }

    @Test
    void thirtyMiBFitsUnderTheSameRlimit() throws Exception {
        SandboxResult r = run(unprivileged().memoryLimit(64 * MIB), CgroupLimitsKernelTest.touch(30));
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo((30 * MIB) + "\n");
        assertThat(r.memoryPeakBytes()).isEqualTo(r.maxRssBytes()).isBetween(30 * MIB, 64 * MIB);
        assertThat(r.cpuTimeSource()).isEqualTo(UsageSource.RUSAGE);
    }

    @Test
    void thePidsLimitIsRlimitNprocAndStopsForks() throws Exception {
        // Forks 100 sleepers unless refused, then reports how many it got; the sandbox kills them at the end.
        SandboxResult r = run(
                unprivileged().pidsLimit(16),
                "perl",
                "-e",
                "my $n = 0; for (1 .. 100) { my $p = fork; last unless defined $p; if (!$p) { sleep 30; exit 0 } $n++ }"
                        + " print qq($n\\n);");
        System.out.printf(
                "[measured] unprivileged, 100 forks under pids 16 (RLIMIT_NPROC): %s succeeded%n",
                r.stdoutText().strip());
        assertThat(r.exitCode()).hasValue(0);
        assertThat(Integer.parseInt(r.stdoutText().strip()))
                .as("children forked")
                .isBetween(1, 15);
        assertThat(r.pidsPeak()).isEmpty();
    }

    @Test
    void aCpuLimitIsRefusedAtBuildNamingTheValueAndTheWayOut() {
        assertThatThrownBy(() -> unprivileged().cpuPercent(20).build())
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith("cpu limit 20% (20000us per 100000us) is not available")
                .hasMessageContaining("privileged mode")
                .hasMessageContaining("timeout");
    }
}
