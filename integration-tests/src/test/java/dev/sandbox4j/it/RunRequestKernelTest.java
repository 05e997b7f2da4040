package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Per-run requests over one sandbox, the one verdict of each run, the CPU-time limit and the timeout's grace,
 * against the real kernel, in whatever mode this caller gets (privileged as root: a cgroup per run; unprivileged
 * as uid 65534: rlimits).
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class RunRequestKernelTest {
    private static final long MIB = 1L << 20;
    /** Two busy processes: the tree's CPU time grows twice as fast as either's. */
    private static final List<String> TWO_BUSY = List.of("sh", "-c", "while :; do :; done & while :; do :; done");

    private static final List<String> BUSY = List.of("sh", "-c", "while :; do :; done");

    private static Sandbox sandbox() {
        return Sandbox.create(SandboxConfig.builder()
                .timeout(Duration.ofSeconds(30))
                .memoryLimit(256 * MIB)
                .pidsLimit(64)
                .filesystem(FilesystemView.defaults().build())
                .build());
    }

    @Test
    void oneSandboxRunsRequestsWithTheirOwnInputEnvironmentDirectoryAndLimits() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of("sh", "-c", "pwd; echo $WHO; cat"))
                    .stdin(Input.text("from stdin\n"))
                    .env("WHO", "request")
                    .cwd(Path.of("/tmp"))
                    .timeout(Duration.ofSeconds(5))
                    .memoryLimit(64 * MIB)
                    .build());
            assertThat(r.status()).isEqualTo(RunStatus.EXITED);
            assertThat(r.stdoutText()).isEqualTo("/tmp\nrequest\nfrom stdin\n");
            SandboxResult plain = sandbox.run(List.of("sh", "-c", "pwd; echo \"[$WHO]\""));
            assertThat(plain.stdoutText())
                    .as("the next run has the sandbox's own settings")
                    .isEqualTo("/\n[]\n");
            assertThatThrownBy(() -> sandbox.run(RunRequest.builder(List.of("true"))
                            .memoryLimit(512 * MIB)
                            .build()))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("memory limit")
                    .hasMessageContaining("above the sandbox's");
        }
    }

    @Test
    void aRequestsLowerMemoryLimitHolds() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of(CgroupLimitsKernelTest.touch(100)))
                    .memoryLimit(32 * MIB)
                    .build());
            System.out.printf("[measured] 100 MiB under a request's 32 MiB (%s): %s, %s%n", r.mode(), r.status(), r);
            assertThat(r.stdoutText()).as("never got its memory").isEmpty();
            if (r.memoryLimitMechanism().orElseThrow() == LimitMechanism.CGROUP) {
                assertThat(r.status()).isEqualTo(RunStatus.MEMORY_LIMIT);
            } else { // RLIMIT_DATA: the allocation fails, perl dies of it
                assertThat(r.status()).isIn(RunStatus.EXITED, RunStatus.SIGNALED);
                assertThat(r.exitCode()).isNotEqualTo(java.util.OptionalInt.of(0));
            }
        }
    }

    @Test
    void theCpuTimeLimitEndsABusyTreeLongBeforeItsTimeout() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            boolean cgroup = sandbox.config().mode() == PrivilegeMode.PRIVILEGED;
            SandboxResult r = sandbox.run(RunRequest.builder(cgroup ? TWO_BUSY : BUSY)
                    .cpuTimeLimit(Duration.ofMillis(1000))
                    .build());
            System.out.printf(
                    "[measured] cpu time limit 1 s (%s): %s, cpu %d ms, wall %d ms%n",
                    r.cpuTimeLimitMechanism().orElseThrow(),
                    r.status(),
                    r.cpuTime().toMillis(),
                    r.wallTime().toMillis());
            assertThat(r.status()).isEqualTo(RunStatus.CPU_TIME_LIMIT);
            assertThat(r.cpuTimeLimitMechanism()).hasValue(cgroup ? LimitMechanism.CGROUP : LimitMechanism.RLIMIT);
            assertThat(r.timedOut()).isFalse();
            // The cgroup's figure is what the watch compared; rusage splits the kernel's own count by ticks.
            assertThat(r.cpuTime()).isGreaterThanOrEqualTo(Duration.ofMillis(cgroup ? 980 : 500));
            assertThat(r.wallTime()).as("far from the 30 s timeout").isLessThan(Duration.ofSeconds(20));
            assertThat(r.toJson()).endsWith(",\"status\":\"cpu_time_limit\"}");
        }
    }

    @Test
    void aProgramWithinItsCpuTimeExits() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of("sleep", "0.3"))
                    .cpuTimeLimit(Duration.ofMillis(500))
                    .build());
            assertThat(r.status()).isEqualTo(RunStatus.EXITED);
            assertThat(r.exitCode()).hasValue(0);
        }
    }

    @Test
    void aTimeoutWithGraceLetsTheProgramHandleSigtermAndWithoutGraceKills() throws Exception {
        List<String> trapping =
                List.of("sh", "-c", "trap 'echo term; exit 3' TERM; echo up; " + "while :; do sleep 0.05; done");
        try (Sandbox sandbox = sandbox()) {
            SandboxResult graceful = sandbox.run(RunRequest.builder(trapping)
                    .timeout(Duration.ofMillis(700))
                    .killGrace(Duration.ofSeconds(5))
                    .build());
            assertThat(graceful.status()).isEqualTo(RunStatus.TIMEOUT);
            assertThat(graceful.exitCode()).as(graceful.toString()).hasValue(3);
            assertThat(graceful.stdoutText()).isEqualTo("up\nterm\n");
            assertThat(graceful.wallTime())
                    .as("ended by its own exit, not the grace's end")
                    .isLessThan(Duration.ofSeconds(4));

            SandboxResult killed = sandbox.run(
                    RunRequest.builder(trapping).timeout(Duration.ofMillis(700)).build());
            assertThat(killed.status()).isEqualTo(RunStatus.TIMEOUT);
            assertThat(killed.signalName()).hasValue("SIGKILL");
            assertThat(killed.stdoutText()).isEqualTo("up\n");
        }
        try (Sandbox sandbox = sandbox()) {
            SandboxResult stubborn =
                    sandbox.run(RunRequest.builder(List.of("sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"))
                            .timeout(Duration.ofMillis(500))
                            .killGrace(Duration.ofMillis(500))
                            .build());
            assertThat(stubborn.status()).isEqualTo(RunStatus.TIMEOUT);
            assertThat(stubborn.signalName()).as("SIGKILL after the grace").hasValue("SIGKILL");
            assertThat(stubborn.wallTime()).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        }
    }

    @Test
    void signalsExitsAndViolationsHaveTheirOwnStatus() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            assertThat(sandbox.run(List.of("sh", "-c", "exit 7")).status()).isEqualTo(RunStatus.EXITED);
            assertThat(sandbox.run(List.of("sh", "-c", "kill -SEGV $$")).status())
                    .isEqualTo(RunStatus.SIGNALED);
        }
        try (Sandbox strict = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .timeout(Duration.ofSeconds(30))
                .build())) {
            SandboxResult r = strict.run(
                    List.of("mkdir", "/tmp/x-" + ProcessHandle.current().pid()));
            assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.SECCOMP_VIOLATION);
        }
    }

    @Test
    void runOnAPipeSandboxCapturesAndStartStreamsWhatTheRequestAsksFor() throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .stdout(Output.pipe())
                .timeout(Duration.ofSeconds(30))
                .build())) {
            SandboxResult r = sandbox.run(List.of("echo", "captured"));
            assertThat(r.stdoutText()).isEqualTo("captured\n");
            try (SandboxProcess p = sandbox.start(List.of("echo", "streamed"))) {
                assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("streamed\n");
                assertThat(p.waitFor().status()).isEqualTo(RunStatus.EXITED);
            }
        }
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(30)).build())) {
            try (SandboxProcess p = sandbox.start(RunRequest.builder(List.of("echo", "streamed"))
                    .stdout(Output.pipe())
                    .build())) {
                assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("streamed\n");
            }
            try (SandboxProcess p = sandbox.start(List.of("echo", "captured"))) {
                assertThatThrownBy(p::stdout)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("Output.pipe()");
                assertThat(p.waitFor().stdoutText()).isEqualTo("captured\n");
            }
        }
    }

    @Test
    void usageShowsTheLiveMemoryCpuAndTasksOfARunningSandbox() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            boolean cgroup = sandbox.config().mode() == PrivilegeMode.PRIVILEGED;
            try (SandboxProcess p = sandbox.start(RunRequest.builder(List.of(
                            "perl",
                            "-e",
                            "$| = 1; my $x = ''; vec($x, (48 << 20) - 1, 8) = 1; my $i = 0; $i++ while $i < 3e6; "
                                    + "print qq(ready\\n); sleep 30"))
                    .stdout(Output.pipe())
                    .build())) {
                java.io.BufferedReader out =
                        new java.io.BufferedReader(new java.io.InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("ready");
                dev.sandbox4j.exec.Usage u = p.usage();
                System.out.printf(
                        "[measured] live usage of a 48 MiB perl (%s): %s%n",
                        sandbox.config().mode(), u);
                assertThat(u.source())
                        .isEqualTo(
                                cgroup ? dev.sandbox4j.exec.UsageSource.CGROUP : dev.sandbox4j.exec.UsageSource.PROC);
                assertThat(u.memoryCurrentBytes().orElseThrow()).isBetween(40 * MIB, 256 * MIB);
                assertThat(u.pids().orElseThrow()).as("init and perl").isGreaterThanOrEqualTo(2);
                assertThat(u.cpuTime()).isPositive();
                if (cgroup) {
                    assertThat(u.memoryPeakBytes().orElseThrow())
                            .isGreaterThanOrEqualTo(u.memoryCurrentBytes().getAsLong());
                }
                p.destroyForcibly();
                assertThat(p.waitFor().status()).isEqualTo(RunStatus.SIGNALED);
            }
        }
    }

    @Test
    void aRequestCanSendOutputToAHostFileWithOrWithoutTheForkServer(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        for (boolean forkServer : new boolean[] {true, false}) {
            Path out = dir.resolve("out-" + forkServer + ".txt");
            Files.writeString(out, "old content that is longer than the new\n");
            try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                    .forkServer(forkServer)
                    .timeout(Duration.ofSeconds(30))
                    .build())) {
                SandboxResult r = sandbox.run(RunRequest.builder(List.of("sh", "-c", "echo to the file; echo kept >&2"))
                        .stdout(Output.file(out))
                        .build());
                assertThat(r.status()).isEqualTo(RunStatus.EXITED);
                assertThat(r.stdoutText()).as("nothing of it in the result").isEmpty();
                assertThat(r.stderrText()).isEqualTo("kept\n");
            }
            assertThat(Files.readString(out)).as("truncated, then written").isEqualTo("to the file\n");
        }
    }
}
