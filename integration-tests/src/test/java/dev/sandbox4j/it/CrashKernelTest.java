package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 where it hurts. A JVM killed with several sandboxes running takes every sandbox process, its fork server
 * and launchers with it, leaves no file in the launcher's run directory or /tmp, and the cgroups it leaves are
 * removed by the next JVM's first sandbox (what the library promises for a JVM that could not clean up). A fork
 * server killed under several runs ends every one of them (as killed, or with an error that says so), leaves no
 * process, and the same JVM's later runs get a new server and work. Repeated to catch what only shows the second
 * time. Runs as root and, through {@link UnprivilegedKernelTest}, as uid 65534.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CrashKernelTest {
    private static final Duration GONE_WITHIN = Duration.ofSeconds(5);

    @Test
    void aJvmKilledWithSandboxesRunningLeavesNoProcessCgroupOrFile() throws Exception {
        try (Sandbox probe = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(probe, "user namespaces (all seven namespaces for an unprivileged user)");
        }
        for (int round = 0; round < 2; round++) {
            String marker = "95" + ProcessHandle.current().pid() % 1000 + round;
            int runs = 6;
            Process jvm = new ProcessBuilder(
                            KernelTestSupport.javaMain(RunManyAndHang.class, marker, Integer.toString(runs)))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            List<ProcessHandle> descendants;
            Optional<Path> runDirectory;
            try (var out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).isEqualTo("started");
                assertThat(awaitCount("sleep " + marker, 2 * runs))
                        .as("every run's two sleeps")
                        .isTrue();
                descendants = jvm.descendants().toList();
                runDirectory = descendants.stream()
                        .flatMap(p -> p.info().arguments().stream())
                        .flatMap(args -> args.length == 2 && args[0].equals("--serve")
                                ? Stream.of(Path.of(args[1]).getParent())
                                : Stream.empty())
                        .findFirst();
                assertThat(runDirectory)
                        .as("the killed JVM's fork server and its socket")
                        .isPresent();
                if (KernelTestSupport.euid() == 0) {
                    assertThat(KernelTestSupport.sandboxCgroupsOf(jvm.pid()))
                            .as("the runs' cgroups")
                            .isNotEmpty();
                }
                jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                jvm.waitFor();
            }
            assertThat(HostileKernelTest.awaitProcesses("sleep " + marker, false))
                    .as("every sandbox process")
                    .isTrue();
            assertThat(awaitDead(descendants))
                    .as("the fork server, launchers and inits of the killed JVM")
                    .isEmpty();
            assertThat(entriesOf(runDirectory.get(), jvm.pid()))
                    .as("its files in " + runDirectory.get())
                    .isEmpty();
            assertThat(entriesOf(Path.of("/tmp"), jvm.pid()))
                    .as("its files in /tmp")
                    .isEmpty();
            KernelTestSupport.assertTheNextJvmCleansUpAfter(jvm.pid());
        }
    }

    @Test
    void aForkServerKilledUnderRunsEndsThemAllAndLaterRunsWork() throws Exception {
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(30)).build())) {
            requireRunnable(sandbox, "user namespaces (all seven namespaces for an unprivileged user)");
            for (int round = 0; round < 3; round++) {
                String marker = "94" + ProcessHandle.current().pid() % 1000 + round;
                List<SandboxProcess> inFlight = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    inFlight.add(sandbox.start(List.of("/bin/sh", "-c", "sleep " + marker + " & sleep " + marker)));
                }
                assertThat(awaitCount("sleep " + marker, 8))
                        .as("every run's two sleeps")
                        .isTrue();
                ProcessHandle server = ForkServerProbe.server().orElseThrow();
                List<ProcessHandle> launchers = server.descendants().toList();
                server.destroyForcibly();
                for (SandboxProcess p : inFlight) {
                    try {
                        SandboxResult r = p.waitFor(Duration.ofSeconds(10))
                                .orElseThrow(() -> new AssertionError("a run did not end with its server"));
                        assertThat(r.signalName()).as("ended as killed").hasValue("SIGKILL");
                    } catch (SandboxException saysSo) {
                        // also what the library may promise: an error naming the server's death
                    }
                    assertThat(p.isAlive()).isFalse();
                }
                assertThat(HostileKernelTest.awaitProcesses("sleep " + marker, false))
                        .as("every sandbox process")
                        .isTrue();
                assertThat(awaitDead(launchers))
                        .as("the killed server's launchers and inits")
                        .isEmpty();
                for (int i = 0; i < 10; i++) {
                    SandboxResult r = sandbox.run(List.of("echo", "after-" + round + "-" + i));
                    assertThat(r.stdoutText()).isEqualTo("after-" + round + "-" + i + "\n");
                }
                assertThat(ForkServerProbe.server().orElseThrow().pid())
                        .as("a new server")
                        .isNotEqualTo(server.pid());
            }
        }
    }

    /** Waits for {@code count} processes with {@code marker} in their command line. */
    static boolean awaitCount(String marker, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (HostileFixture.processesWith(marker).size() >= count) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Those of {@code processes} still alive after {@link #GONE_WITHIN}. */
    static List<String> awaitDead(List<ProcessHandle> processes) throws InterruptedException {
        long deadline = System.nanoTime() + GONE_WITHIN.toNanos();
        while (System.nanoTime() < deadline && processes.stream().anyMatch(ProcessHandle::isAlive)) {
            Thread.sleep(20);
        }
        return processes.stream()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }

    /** Entries of {@code dir} named after process {@code pid}. */
    static List<String> entriesOf(Path dir, long pid) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches(".*(^|\\D)" + pid + "(\\D|$).*"))
                    .toList();
        }
    }
}
