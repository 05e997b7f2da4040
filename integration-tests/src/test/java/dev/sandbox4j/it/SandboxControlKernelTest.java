package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.ActiveRun;
import dev.sandbox4j.exec.RunUsage;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.UsageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Sandbox-level control: the runs in flight, their live usage, killing one or all without closing the sandbox. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SandboxControlKernelTest {
    private static Sandbox sandbox(String id) {
        return Sandbox.create(
                SandboxConfig.builder().id(id).timeout(Duration.ofSeconds(60)).build());
    }

    @Test
    void runsAreListedWithTheirIdsAndPidsAndKilledOneOrAllWhileTheSandboxStaysOpen() throws Exception {
        try (Sandbox sandbox = sandbox("ctl")) {
            assertThat(sandbox.isBusy()).isFalse();
            assertThat(sandbox.runs()).isEmpty();
            Instant before = Instant.now();
            List<SandboxProcess> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                started.add(sandbox.start(List.of("sleep", "6" + i)));
            }
            try {
                List<ActiveRun> runs = sandbox.runs();
                assertThat(sandbox.isBusy()).isTrue();
                assertThat(runs).hasSize(3);
                assertThat(runs)
                        .extracting(ActiveRun::id)
                        .doesNotHaveDuplicates()
                        .allMatch(id -> id.startsWith("ctl-"));
                assertThat(runs)
                        .extracting(ActiveRun::command)
                        .containsExactly(List.of("sleep", "60"), List.of("sleep", "61"), List.of("sleep", "62"));
                for (ActiveRun run : runs) {
                    assertThat(run.startTime()).isBetween(before.minusMillis(1), Instant.now());
                    long host = run.hostPid().orElseThrow();
                    // The host pid is the program itself, a child of the run's init; inside its PID namespace it is
                    // init's first child.
                    assertThat(Files.readString(Path.of("/proc/" + host + "/cmdline")))
                            .startsWith("sleep\0" + run.command().get(1));
                    assertThat(ProcessHandle.of(host)
                                    .orElseThrow()
                                    .parent()
                                    .orElseThrow()
                                    .pid())
                            .isEqualTo(run.initHostPid());
                    assertThat(run.pid()).hasValue(2);
                    assertThat(run.isAlive()).isTrue();
                }

                assertThat(sandbox.kill(runs.get(1).id())).isTrue();
                assertThat(started.get(1).waitFor(Duration.ofSeconds(1)))
                        .as("kill(id) returns once the run is collected")
                        .hasValueSatisfying(r -> assertThat(r.signalName()).hasValue("SIGKILL"));
                assertThat(ProcessHandle.of(runs.get(1).hostPid().orElseThrow()))
                        .isEmpty();
                assertThat(sandbox.runs())
                        .extracting(ActiveRun::id)
                        .containsExactly(runs.get(0).id(), runs.get(2).id());
                assertThat(sandbox.kill(runs.get(1).id())).as("gone already").isFalse();
                assertThat(sandbox.kill("no-such-run")).isFalse();

                assertThat(sandbox.killAll()).isEqualTo(2);
                assertThat(sandbox.isBusy()).isFalse();
                assertThat(sandbox.runs()).isEmpty();
                for (SandboxProcess p : started) {
                    assertThat(p.isAlive()).isFalse();
                    assertThat(p.waitFor().signalName()).hasValue("SIGKILL");
                }
                assertThat(sandbox.run(List.of("echo", "still open")).stdoutText())
                        .isEqualTo("still open\n");
            } finally {
                for (SandboxProcess p : started) {
                    p.close();
                }
            }
        }
    }

    @Test
    void killAllEndsBlockingRunsOfOtherThreadsWithTheirResults() throws Exception {
        try (Sandbox sandbox = sandbox("ctl-run")) {
            List<CompletableFuture<SandboxResult>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return sandbox.run(List.of("/bin/sh", "-c", "sleep 60 & sleep 60"));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            awaitTrue(() -> sandbox.runs().size() == 2, "both runs listed");
            assertThat(sandbox.killAll()).isEqualTo(2);
            for (CompletableFuture<SandboxResult> r : results) {
                assertThat(r.get(10, TimeUnit.SECONDS).signalName()).hasValue("SIGKILL");
            }
            assertThat(sandbox.isBusy()).isFalse();
        }
    }

    @Test
    void liveUsageGrowsWithTheProgramsCpuAndMemory() throws Exception {
        try (Sandbox sandbox = sandbox("ctl-usage");
                SandboxProcess burner = sandbox.start(List.of("/bin/sh", "-c", "while :; do :; done"));
                SandboxProcess holder = sandbox.start(List.of(
                        "/bin/sh", "-c", "x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo ready; sleep 60"))) {
            ActiveRun burning = sandbox.runs().get(0);
            ActiveRun holding = sandbox.runs().get(1);
            assertThat(burning.command()).contains("while :; do :; done");
            awaitTrue(() -> burning.usage().cpuTime().compareTo(Duration.ofMillis(300)) > 0, "CPU time counted");
            RunUsage burn = burning.usage();
            UsageSource expected = KernelTestSupport.euid() == 0 ? UsageSource.CGROUP : UsageSource.RUSAGE;
            assertThat(burn.source()).isEqualTo(expected);
            assertThat(burn.processes()).as("init and the shell").isGreaterThanOrEqualTo(2);
            awaitTrue(() -> holding.usage().memoryBytes().orElse(0) > 30_000_000L, "30 MB held by the shell counted");
            assertThat(holding.usage().cpuTime()).isLessThan(burning.usage().cpuTime());
            assertThat(sandbox.killAll()).isEqualTo(2);
            assertThat(burning.isAlive()).isFalse();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as(what + " within 30 s").isTrue();
            Thread.sleep(20);
        }
    }
}
