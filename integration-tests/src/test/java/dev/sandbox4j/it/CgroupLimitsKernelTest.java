package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.ownSandboxCgroups;
import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.UsageSource;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cgroup limits against the real kernel, in privileged mode (root with a writable memory, cpu and pids
 * hierarchy; the reference host is cgroup v1 + hybrid): they hold against workloads that try to exceed them,
 * the result reports what the cgroup saw, and no run leaves a cgroup behind (checked after every test by
 * {@link KernelTestSupport.LeakCheck}, and within the tests that kill). Under {@code CI=true} a host without
 * these fails the run.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CgroupLimitsKernelTest {
    private static final long MIB = 1L << 20;

    @BeforeAll
    static void privilegedWithCgroups() throws Exception {
        String problem = null;
        if (KernelTestSupport.euid() != 0) {
            problem = "root";
        } else {
            try {
                privileged().memoryLimit(64 * MIB).cpuPercent(50).pidsLimit(32).build();
            } catch (SandboxException e) {
                problem = e.getMessage();
            }
        }
        requireFeature(problem == null, "privileged mode with memory, cpu and pids cgroups (" + problem + ")");
    }

    private static SandboxBuilder privileged() {
        return SandboxConfig.builder().privilegeMode(PrivilegeMode.PRIVILEGED).timeout(Duration.ofSeconds(30));
    }

    private static SandboxResult run(SandboxBuilder builder, String... command) throws InterruptedException {
        try (Sandbox sandbox = Sandbox.create(builder.build())) {
            return sandbox.run(List.of(command));
        }
    }

    /**
     * Grows one string to {@code mib} MiB, which perl zero-fills, so every page is written (max RSS = mib + ~5 MiB;
     * {@code 'a' x n} would hold two copies), then prints its length.
     */
    static String[] touch(int mib) {
        return new String[] {
            "perl", "-e", "my $x = ''; vec($x, (" + mib + " << 20) - 1, 8) = 1; print length($x), qq(\\n);"
        };
    }

    @Test
    void touching200MiBUnderA64MiBLimitIsAnOomKill() throws Exception {
        SandboxResult r = run(privileged().memoryLimit(64 * MIB), touch(200));
        System.out.printf(
                "[measured] 200 MiB under 64 MiB: %s, oom kills %s, memory peak %.1f MiB, rusage max RSS %.1f MiB%n",
                r.signalName().orElse("exit " + r.exitCode().orElse(-1)),
                r.oomKills(),
                r.memoryPeakBytes() / (double) MIB,
                r.maxRssBytes() / (double) MIB);
        assertThat(r.signalName()).hasValue("SIGKILL");
        assertThat(r.oomKilled()).isTrue();
        assertThat(r.oomKills()).isPresent();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.stdoutText()).as("never got its memory").isEmpty();
        assertThat(r.memoryLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        assertThat(r.memoryPeakSource()).isEqualTo(UsageSource.CGROUP);
        assertThat(r.memoryPeakBytes()).isBetween(32 * MIB, 64 * MIB);
    }

    @Test
    void thirtyMiBUnderA64MiBLimitRunsNormallyWithAPlausiblePeak() throws Exception {
        SandboxResult r = run(privileged().memoryLimit(64 * MIB), touch(30));
        System.out.printf(
                "[measured] 30 MiB under 64 MiB: exit %s, memory peak %.1f MiB (cgroup), max RSS %.1f MiB%n",
                r.exitCode(), r.memoryPeakBytes() / (double) MIB, r.maxRssBytes() / (double) MIB);
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo((30 * MIB) + "\n");
        assertThat(r.oomKilled()).isFalse();
        assertThat(r.oomKills()).as("known to be none, not unknown").hasValue(0);
        assertThat(r.memoryPeakSource()).isEqualTo(UsageSource.CGROUP);
        assertThat(r.memoryPeakBytes()).isBetween(30 * MIB, 64 * MIB);
    }

    /**
     * Three busy loops side by side for 3 s of wall time: under cpu 20, under cpu 100, and without a quota as the
     * yardstick for what this shared machine can give a single thread right now (3 s when idle, 1 to 2 s at the
     * load averages of 7 to 17 seen here). The yardstick has a cpu cgroup too (default weight), so that all three
     * compete as equal scheduling entities: without one, a loop competes per task, not per group, and got up
     * to 1.8 times what the capped-at-100 loop got. 20 % of 3 s is 0.6 s, a hard ceiling.
     */
    @Test
    void aBusyLoopGetsItsCpuShareAndNoMore() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<Duration> at20 =
                    pool.submit(() -> busyFor3Seconds(privileged().cpuPercent(20)));
            Future<Duration> at100 =
                    pool.submit(() -> busyFor3Seconds(privileged().cpuPercent(100)));
            Future<Duration> unlimited =
                    pool.submit(() -> busyFor3Seconds(privileged().cpuWeight(100)));
            long ms20 = at20.get(1, TimeUnit.MINUTES).toMillis();
            long ms100 = at100.get(1, TimeUnit.MINUTES).toMillis();
            long msFree = unlimited.get(1, TimeUnit.MINUTES).toMillis();
            System.out.printf(
                    "[measured] busy loop, 3 s wall: cpu 20 -> %d ms CPU, cpu 100 -> %d ms, no quota (weight 100) -> %d ms"
                            + " (load average %s)%n",
                    ms20,
                    ms100,
                    msFree,
                    Files.readString(Path.of("/proc/loadavg")).strip());
            assertThat(ms20).isBetween(150L, 800L);
            assertThat(ms100).isLessThanOrEqualTo(3_300L).isGreaterThanOrEqualTo(msFree * 3 / 5);
            if (msFree > 1_200) { // with room to spare, the 20 % cap must show
                assertThat(ms100).isGreaterThan(ms20 * 3 / 2);
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
    }

    private static Duration busyFor3Seconds(SandboxBuilder limits) throws InterruptedException {
        SandboxResult r = run(limits.timeout(Duration.ofSeconds(3)), "/bin/sh", "-c", "while :; do :; done");
        assertThat(r.timedOut()).isTrue();
        assertThat(r.cpuTimeSource()).isEqualTo(UsageSource.CGROUP);
        return r.cpuTime();
    }

    @Test
    void aForkBombNeverExceedsItsPidsLimitAndDiesWithTheTimeout() throws Exception {
        forkBomb(NamespaceConfig.all(), "970");
    }

    @Test
    void withoutAPidNamespaceTheCgroupKillsTheForkBomb() throws Exception {
        forkBomb(NamespaceConfig.all().without(Namespace.PID), "969");
    }

    /** Every process forks forever, ignoring failures; only the pids limit bounds it, only the timeout ends it. */
    private static void forkBomb(NamespaceConfig namespaces, String marker) throws Exception {
        long t0 = System.nanoTime();
        SandboxResult r = run(
                privileged().namespaces(namespaces).pidsLimit(32).timeout(Duration.ofSeconds(2)),
                "perl",
                "-e",
                "while (1) { fork }",
                "fork-bomb-" + marker);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf(
                "[measured] fork bomb under pids 32 (%s): pids peak %s, returned after %d ms%n",
                namespaces.contains(Namespace.PID) ? "PID namespace" : "no PID namespace",
                r.pidsPeak(),
                took.toMillis());
        assertThat(r.timedOut()).isTrue();
        assertThat(r.signalName()).hasValue("SIGKILL");
        assertThat(r.pidsPeak()).isPresent();
        assertThat(r.pidsPeak().getAsLong()).as("tasks at once, init included").isBetween(16L, 32L);
        assertThat(took).isLessThan(Duration.ofSeconds(6));
        assertThat(ProcessHandle.allProcesses()
                        .map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.contains("fork-bomb-" + marker)))
                .as("bomb processes left")
                .isEmpty();
        assertThat(ownSandboxCgroups()).isEmpty();
    }

    @Test
    void aHundredConcurrentSandboxesLeaveNoCgroup() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(100);
        try (Sandbox sandbox =
                Sandbox.create(privileged().memoryLimit(64 * MIB).pidsLimit(32).build())) {
            List<Future<SandboxResult>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                results.add(pool.submit(() -> sandbox.run(List.of("/bin/sh", "-c", "sleep 0.5; echo " + n))));
            }
            for (int i = 0; i < 100; i++) {
                SandboxResult r = results.get(i).get(2, TimeUnit.MINUTES);
                assertThat(r.stdoutText()).isEqualTo(i + "\n");
                assertThat(r.memoryPeakSource()).isEqualTo(UsageSource.CGROUP);
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(ownSandboxCgroups()).isEmpty();
    }

    @Test
    void killedClosedInterruptedAndFailedRunsLeaveNoCgroup(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.create(privileged().memoryLimit(64 * MIB).build())) {
            SandboxProcess killed = sandbox.start(List.of("sleep", "968"));
            assertThat(ownSandboxCgroups())
                    .as("a running sandbox has its cgroups")
                    .isNotEmpty();
            killed.destroyForcibly();
            assertThat(killed.waitFor().signalName()).hasValue("SIGKILL");

            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread runner = new Thread(() -> {
                try {
                    sandbox.run(List.of("sleep", "967"));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            runner.start();
            while (ownSandboxCgroups().isEmpty() && runner.isAlive()) {
                Thread.sleep(5);
            }
            runner.interrupt();
            runner.join(5_000);
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat(ownSandboxCgroups()).isEmpty();
        }

        SandboxConfig missingCwd =
                privileged().memoryLimit(64 * MIB).cwd(dir.resolve("missing")).build();
        try (Sandbox sandbox = Sandbox.create(missingCwd)) {
            assertThatThrownBy(() -> sandbox.run(List.of("/bin/true"))).isInstanceOf(SandboxSetupException.class);
        }
        assertThat(ownSandboxCgroups()).isEmpty();

        Sandbox closing = Sandbox.create(privileged()
                .namespaces(NamespaceConfig.all().without(Namespace.PID))
                .build());
        SandboxProcess running = closing.start(List.of("sleep", "966"));
        closing.close();
        assertThatThrownBy(running::waitFor)
                .isInstanceOf(dev.sandbox4j.exec.RunAbortedException.class)
                .hasMessageContaining("the sandbox was closed while it ran");
        assertThat(ownSandboxCgroups()).isEmpty();
    }

    /**
     * A JVM killed with SIGKILL cannot remove its sandbox's cgroups (its workload dies with it, through the
     * launcher); the next JVM's first sandbox removes them, and only those of dead owners.
     */
    @Test
    void theCgroupsOfAKilledJvmAreRemovedByTheNextOne() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classPath = System.getProperty("java.class.path");
        Process jvm = new ProcessBuilder(java.toString(), "-cp", classPath, StartAndHang.class.getName(), "965")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<Path> left;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("started");
            left = KernelTestSupport.sandboxCgroupsOf(jvm.pid());
            assertThat(left).as("the running sandbox's cgroups").isNotEmpty();
            jvm.destroyForcibly();
            jvm.waitFor();
        }
        assertThat(left).as("nothing removes them when their JVM dies").allMatch(Files::isDirectory);

        Process next = new ProcessBuilder(java.toString(), "-cp", classPath, RunOneSandbox.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(next.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(next.exitValue()).isZero();
        assertThat(left).as("removed by the next JVM's first sandbox").noneMatch(Files::exists);
    }
}
