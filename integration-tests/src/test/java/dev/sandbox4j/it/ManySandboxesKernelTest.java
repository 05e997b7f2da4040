package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many sandboxes running at once in one JVM hold no thread each: their control connections, timers and output
 * pipes are driven by a fixed few threads, and timeouts, captured output and kills still hold for every one.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class ManySandboxesKernelTest {
    private static final int COUNT = 120;

    @Test
    void runningSandboxesShareAFewThreads() throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            int before = Thread.activeCount();
            List<SandboxProcess> running = new ArrayList<>();
            try {
                for (int i = 0; i < COUNT; i++) {
                    running.add(sandbox.start(List.of("sleep", "60")));
                }
                Thread.sleep(300); // past the time a run's output is polled by its driver
                assertThat(running).allMatch(SandboxProcess::isAlive);
                assertThat(Thread.activeCount() - before)
                        .as("threads for %d running sandboxes", COUNT)
                        .isLessThanOrEqualTo(6);
                assertThat(KernelTestSupport.sandboxThreads())
                        .as("no thread named for one run")
                        .allMatch(n -> !n.contains("-monitor-") && !n.endsWith("-stdout") && !n.endsWith("-stderr"));
            } finally {
                for (SandboxProcess p : running) {
                    p.destroyForcibly();
                }
                for (SandboxProcess p : running) {
                    p.close();
                }
            }
            assertThat(running).noneMatch(SandboxProcess::isAlive);
        }
    }

    @Test
    void timeoutsGraceAndCapturedOutputHoldForEveryConcurrentSandbox() throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            List<SandboxProcess> running = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    // Output after the first polls, more than a pipe holds, then a SIGTERM it answers, in its grace.
                    running.add(sandbox.start(RunRequest.builder(List.of(
                                    "sh",
                                    "-c",
                                    "trap 'echo term-" + i
                                            + "; exit 3' TERM; sleep 0.2; head -c 200000 /dev/zero | tr '\\0' x;"
                                            + " echo; while :; do sleep 0.05; done"))
                            .timeout(Duration.ofMillis(1500))
                            .killGrace(Duration.ofSeconds(5))
                            .build()));
                }
                for (int i = 0; i < running.size(); i++) {
                    SandboxResult r = running.get(i).waitFor();
                    assertThat(r.status()).as("run %d", i).isEqualTo(RunStatus.TIMEOUT);
                    assertThat(r.exitCode())
                            .as("run %d answered the SIGTERM", i)
                            .hasValue(3);
                    String out = new String(r.stdout(), StandardCharsets.US_ASCII);
                    assertThat(out)
                            .as("run %d's output", i)
                            .startsWith("x".repeat(200_000) + "\n")
                            .endsWith("term-" + i + "\n");
                }
            } finally {
                for (SandboxProcess p : running) {
                    p.close();
                }
            }
        }
    }
}
