package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.RunAbortedException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JVM's fork server against the real kernel: many runs at once through one server, a server that dies
 * between runs or under a running sandbox, and a server that is left without children. Runs as root and, through
 * {@link UnprivilegedKernelTest}, as uid 65534. (That a SIGKILLed JVM takes its server and sandboxes with it is
 * {@link SandboxKernelTest#theSandboxDiesWithItsJvm()}.)
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class ForkServerKernelTest {
    private static Sandbox sandbox;

    @BeforeAll
    static void start() throws Exception {
        sandbox = Sandbox.create(SandboxConfig.builder()
                .id("fork-server-test")
                .timeout(Duration.ofSeconds(20))
                .build());
        requireRunnable(sandbox, "user namespaces (all seven namespaces for an unprivileged user)");
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private static ProcessHandle server() {
        return ForkServerProbe.server().orElseThrow(() -> new AssertionError("no fork server runs"));
    }

    @Test
    void eightThreadsShareOneServerAndEveryResultIsItsOwn() throws Exception {
        sandbox.run(List.of("/bin/true"));
        long serverPid = server().pid();
        int threads = 8;
        int runsEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = 0; i < runsEach; i++) {
                        int code = (thread * runsEach + i) % 100;
                        String marker = "t" + thread + "-r" + i;
                        SandboxResult r = sandbox.run(List.of(
                                "/bin/sh", "-c", "echo " + marker + "; echo err-" + marker + " >&2; exit " + code));
                        if (r.exitCode().orElse(-1) != code
                                || !r.stdoutText().equals(marker + "\n")
                                || !r.stderrText().equals("err-" + marker + "\n")) {
                            wrong.add(marker + ": " + r);
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<List<String>> f : futures) {
                assertThat(f.get(5, TimeUnit.MINUTES))
                        .as("runs with a wrong result")
                        .isEmpty();
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(server().pid()).as("the same server served every run").isEqualTo(serverPid);
        assertThat(launchersAfterTheirExit())
                .as("the server's launchers once every run has ended")
                .isEmpty();
        assertThat(server().children().count())
                .as("the server's children: at most its spare")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void aPlanTooLargeForTheSparesSocketStillRuns() throws Exception {
        // Four 100 KiB variables: a plan of about 400 KiB, more than a socketpair takes in one message (~208 KiB
        // by default), so the server forks a launcher that has the plan instead of handing it to the spare.
        var builder = SandboxConfig.builder().id("fork-server-large-plan").timeout(Duration.ofSeconds(20));
        String value = "x".repeat(100 * 1024);
        for (int i = 0; i < 4; i++) {
            builder.env("BIG" + i, value);
        }
        try (Sandbox large = Sandbox.create(builder.build())) {
            for (int i = 0; i < 2; i++) {
                SandboxResult r = large.run(List.of("/bin/sh", "-c", "printf %s \"$BIG3\" | wc -c"));
                assertThat(r.exitCode()).hasValue(0);
                assertThat(r.stdoutText().strip()).isEqualTo(Integer.toString(100 * 1024));
            }
        }
        assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue(); // and a new spare serves the next run
    }

    @Test
    void aKilledServerIsReplacedByTheNextRun() throws Exception {
        assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
        ProcessHandle old = server();
        old.destroyForcibly();
        old.onExit().get(10, TimeUnit.SECONDS);
        SandboxResult r = sandbox.run(List.of("echo", "again"));
        assertThat(r.stdoutText()).isEqualTo("again\n");
        assertThat(server().pid()).as("a new server").isNotEqualTo(old.pid());
        assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
    }

    @Test
    void aKilledSpareIsReplacedAndRunsGoOn() throws Exception {
        assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
        ProcessHandle spare = awaitSpare(null);
        spare.destroyForcibly();
        spare.onExit().get(10, TimeUnit.SECONDS);
        ProcessHandle next = awaitSpare(spare);
        assertThat(next.pid()).as("a new spare").isNotEqualTo(spare.pid());
        assertThat(sandbox.run(List.of("echo", "spare")).stdoutText()).isEqualTo("spare\n");
    }

    /** The server's spare, once there is one other than {@code not}. */
    private static ProcessHandle awaitSpare(ProcessHandle not) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            var spare = server().children()
                    .filter(ForkServerProbe::isSpare)
                    .filter(p -> not == null || p.pid() != not.pid())
                    .findFirst();
            if (spare.isPresent()) {
                return spare.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the fork server has no spare launcher");
    }

    @Test
    void aRunInFlightWhenTheServerIsKilledEndsKilledAndLeavesNothing() throws Exception {
        SandboxProcess p = sandbox.start(List.of("sleep", "971"));
        ProcessHandle old = server();
        old.destroyForcibly();
        // Not a SIGKILL result, which would blame the program: sandbox4j's own failure, said so.
        assertThatThrownBy(() -> p.waitFor(Duration.ofSeconds(10)))
                .isInstanceOf(RunAbortedException.class)
                .hasMessageContaining("the launchers' fork server died")
                .satisfies(e -> assertThat(((RunAbortedException) e).reason())
                        .isEqualTo(RunAbortedException.Reason.FORK_SERVER_DIED));
        assertThat(p.isAlive()).isFalse();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!sleepers("971").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sleepers("971"))
                .as("the sandbox of the killed server's launcher")
                .isEmpty();
        assertThat(sandbox.run(List.of("/bin/true")).success())
                .as("the next run gets a new server")
                .isTrue();
    }

    @Test
    void closingTheSandboxUnderARunEndsItAsAbortedNotAsKilled() throws Exception {
        Sandbox closing = Sandbox.create(SandboxConfig.builder()
                .id("fork-server-closing")
                .timeout(Duration.ofSeconds(20))
                .build());
        SandboxProcess p = closing.start(List.of("sleep", "972"));
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<SandboxResult> run = runner.submit(() -> closing.run(List.of("sleep", "973")));
            while (sleepers("973").isEmpty()) {
                Thread.sleep(5);
            }
            closing.close();
            assertThatThrownBy(p::waitFor)
                    .isInstanceOf(RunAbortedException.class)
                    .satisfies(e -> assertThat(((RunAbortedException) e).reason())
                            .isEqualTo(RunAbortedException.Reason.SANDBOX_CLOSED));
            assertThatThrownBy(() -> run.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(RunAbortedException.class)
                    .hasMessageContaining("the sandbox was closed while it ran");
        } finally {
            runner.shutdown();
            assertThat(runner.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        // What the caller kills, or what ends on its own, keeps its ordinary result.
        SandboxProcess killed = sandbox.start(List.of("sleep", "974"));
        killed.destroyForcibly();
        assertThat(killed.waitFor().signalName()).hasValue("SIGKILL");
    }

    @Test
    void aLauncherKilledUnderARunEndsItAsAborted() throws Exception {
        SandboxProcess p = sandbox.start(List.of("sleep", "975"));
        // The sleeper's parent is the sandbox's init, whose parent is the run's launcher.
        ProcessHandle sleeper = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains("sleep 975"))
                .findFirst()
                .orElseThrow();
        ProcessHandle launcher = sleeper.parent().flatMap(ProcessHandle::parent).orElseThrow();
        assertThat(ForkServerProbe.launchers()).contains(launcher);
        launcher.destroyForcibly();
        assertThatThrownBy(p::waitFor)
                .isInstanceOf(RunAbortedException.class)
                .satisfies(e -> assertThat(((RunAbortedException) e).reason())
                        .isEqualTo(RunAbortedException.Reason.LAUNCHER_DIED));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!sleepers("975").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sleepers("975")).isEmpty();
    }

    @Test
    void aPlanOverTheFrameLimitIsRefusedAndTheRunsBesideItGoOn() throws Exception {
        SandboxProcess beside = sandbox.start(List.of("sleep", "976"));
        var builder = SandboxConfig.builder().id("fork-server-huge-plan").timeout(Duration.ofSeconds(20));
        builder.env("HUGE", "x".repeat(5 << 20));
        try (Sandbox huge = Sandbox.create(builder.build())) {
            assertThatThrownBy(() -> huge.run(List.of("/bin/true")))
                    .isInstanceOf(SandboxSetupException.class)
                    .hasMessageContaining(" bytes (arguments 10, environment ")
                    .hasMessageContaining("more than the launcher's limit of 4194186 bytes")
                    .satisfies(e ->
                            assertThat(((SandboxSetupException) e).errnoName()).isEqualTo("E2BIG"));
        }
        assertThat(beside.isAlive()).as("the run beside it").isTrue();
        beside.sendSignal(15);
        assertThat(beside.waitFor().signalName())
                .as("ended by our SIGTERM, not by a server crash")
                .hasValue("SIGTERM");
        assertThat(sandbox.run(List.of("echo", "on")).stdoutText()).isEqualTo("on\n");
    }

    @Test
    void theServerHasNoChildrenAfterRunsThatFailedOrWereKilled() throws Exception {
        assertThat(sandbox.run(List.of("/bin/sh", "-c", "exit 3")).exitCode()).hasValue(3);
        try {
            sandbox.run(List.of("/nonexistent/program"));
        } catch (SandboxException expected) {
            // not runnable: a setup error, after which the launcher must still be reaped
        }
        SandboxProcess p = sandbox.start(List.of("sleep", "970"));
        p.destroyForcibly();
        assertThat(p.waitFor().signalName()).hasValue("SIGKILL");
        assertThat(launchersAfterTheirExit()).isEmpty();
    }

    @Test
    void runsBackToBackLeaveNoLauncherBehind() throws Exception {
        // A result comes back as soon as the launcher has reported the sandbox's end, before the launcher has
        // exited and been reaped: none of those launchers may pile up or outlive its run by more than a moment.
        int runs = 100;
        for (int i = 0; i < runs; i++) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "echo " + i));
            assertThat(r.stdoutText()).isEqualTo(i + "\n");
            assertThat(ForkServerProbe.launchers().size())
                    .as("launchers alive after run " + i)
                    .isLessThanOrEqualTo(4);
        }
        assertThat(launchersAfterTheirExit())
                .as("launchers after " + runs + " runs")
                .isEmpty();
    }

    /**
     * The server's launchers, once those that are on their way out have exited and been reaped: a run returns
     * when its launcher has reported the end, which is the last thing the launcher does before it exits.
     */
    private static List<ProcessHandle> launchersAfterTheirExit() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!ForkServerProbe.launchers().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return ForkServerProbe.launchers();
    }

    private static List<String> sleepers(String marker) {
        return ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("sleep " + marker))
                .toList();
    }
}
