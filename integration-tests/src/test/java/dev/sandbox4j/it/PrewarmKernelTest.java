package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-warmed sandboxes ({@link Sandbox#prewarm(int)}) against the real kernel, in whatever mode this caller gets:
 * a run takes a sandbox made before its request, and finds it exactly as a cold run finds its own: fresh /tmp, no
 * process and no environment of the run before, the configuration's limits, counters from zero.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class PrewarmKernelTest {
    private static final long MIB = 1L << 20;
    /** What a program can tell about its sandbox from inside, printed in one go (sh's builtins where it can). */
    private static final List<String> INSIDE = List.of(
            "sh",
            "-c",
            "id; pwd; env | sort; ulimit -a; "
                    + "grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp)' /proc/self/status; cat /proc/self/uid_map "
                    + "/proc/self/gid_map /proc/sys/kernel/hostname; echo /proc/[0-9]*; ls -A /tmp; readlink /proc/self/ns/net");

    private static SandboxConfig config() {
        return SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .memoryLimit(64 * MIB)
                .pidsLimit(32)
                .timeout(Duration.ofSeconds(3))
                .filesystem(FilesystemView.defaults().build())
                .build();
    }

    /** Seconds since boot, as /proc/uptime says. */
    private static double uptime() throws Exception {
        return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }

    @Test
    void aRunTakesASandboxMadeBeforeItsRequest() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(2)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 2);
            Thread.sleep(500);
            double requested = uptime();
            // Field 22 of /proc/1/stat: when the sandbox's init started, in clock ticks (100 per second) since boot.
            SandboxResult r = sandbox.run(List.of("sh", "-c", "cut -d' ' -f22 /proc/1/stat"));
            assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.EXITED);
            double initStarted = Long.parseLong(r.stdoutText().trim()) / 100.0;
            System.out.printf("[measured] init started %.2f s before the request%n", requested - initStarted);
            assertThat(initStarted).as("init existed before the request").isLessThan(requested - 0.3);
        }
    }

    @Test
    void aPrewarmedRunSeesWhatAColdRunSeesAndNothingOfTheRunBefore() throws Exception {
        try (Sandbox cold = Sandbox.create(config());
                Sandbox warm = Sandbox.create(config()).prewarm(2)) {
            KernelTestSupport.awaitPrewarmed(warm, 2);
            // The run before leaves a file in /tmp, a process behind, and has its own environment.
            SandboxResult before =
                    warm.run(RunRequest.builder(List.of("sh", "-c", "echo x > /tmp/left; (sleep 30 &); echo ok"))
                            .env("SECRET", "from-the-run-before")
                            .build());
            assertThat(before.stdoutText()).isEqualTo("ok\n");
            KernelTestSupport.awaitPrewarmed(warm, 2);
            SandboxResult expected = cold.run(INSIDE);
            SandboxResult taken = warm.run(INSIDE);
            assertThat(taken.status()).as(taken.toString()).isEqualTo(RunStatus.EXITED);
            System.out.printf("[measured] inside a pre-warmed sandbox:%n%s", taken.stdoutText());
            String[] got = taken.stdoutText().split("\n");
            String[] want = expected.stdoutText().split("\n");
            // All equal but the last line, each sandbox's own network namespace.
            assertThat(List.of(got).subList(0, got.length - 1))
                    .isEqualTo(List.of(want).subList(0, want.length - 1));
            assertThat(got[got.length - 1]).startsWith("net:[").isNotEqualTo(want[want.length - 1]);
            assertThat(taken.stdoutText())
                    .doesNotContain("SECRET")
                    .doesNotContain("left")
                    .contains("/proc/1 /proc/2\n"); // init and this sh: nothing of the run before
            assertThat(taken.stdoutText())
                    .contains("NoNewPrivs:\t1")
                    .contains("Seccomp:\t2")
                    .contains("CapEff:\t0000000000000000");
        }
    }

    @Test
    void aTakenSandboxHoldsTheConfigurationsLimitsWithCountersFromZero() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult heavy = sandbox.run(List.of(CgroupLimitsKernelTest.touch(40)));
            assertThat(heavy.stdoutText()).isEqualTo((40 << 20) + "\n");
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult light = sandbox.run(List.of("true"));
            System.out.printf(
                    "[measured] memory peak after a 40 MiB run: %.1f MiB (%s), then %.1f MiB (%s)%n",
                    heavy.memoryPeakBytes() / (double) MIB,
                    heavy.memoryPeakSource(),
                    light.memoryPeakBytes() / (double) MIB,
                    light.memoryPeakSource());
            assertThat(heavy.memoryPeakBytes()).isGreaterThan(40 * MIB);
            assertThat(light.memoryPeakBytes())
                    .as("nothing of the run before counts")
                    .isLessThan(20 * MIB);

            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult over = sandbox.run(List.of(CgroupLimitsKernelTest.touch(100)));
            System.out.printf("[measured] 100 MiB under 64 MiB in a pre-warmed sandbox (%s): %s%n", over.mode(), over);
            assertThat(over.stdoutText()).as("never got its memory").isEmpty();
            if (over.memoryLimitMechanism().orElseThrow() == LimitMechanism.CGROUP) {
                assertThat(over.status()).isEqualTo(RunStatus.MEMORY_LIMIT);
            } else {
                assertThat(over.exitCode()).isNotEqualTo(java.util.OptionalInt.of(0));
            }
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            // 32 pids: a loop of sleeps in the background cannot pass them.
            SandboxResult forks = sandbox.run(List.of(
                    "sh", "-c", "n=0; while [ $n -lt 60 ]; do sleep 5 & n=$((n+1)); done 2>/dev/null; echo started"));
            if (sandbox.config().mode() == PrivilegeMode.PRIVILEGED) {
                assertThat(forks.pidsPeak().orElseThrow()).as(forks.toString()).isBetween(3L, 32L);
            }
        }
    }

    @Test
    void aRefusedCallInAPrewarmedSandboxIsNamedAsInAColdOne() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            assertThat(sandbox.config().seccompSupervised()).isTrue();
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult r = sandbox.run(List.of("mkdir", "/tmp/forbidden"));
            assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.SECCOMP_VIOLATION);
            assertThat(r.blockedSyscall())
                    .hasValueSatisfying(name -> assertThat(name).isIn("mkdir", "mkdirat"));
        }
    }

    @Test
    void aLauncherPerRunByProcessBuilderIsPrewarmedToo() throws Exception {
        try (Sandbox sandbox =
                Sandbox.create(config().toBuilder().forkServer(false).build()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            Thread.sleep(300);
            double requested = uptime();
            SandboxResult r = sandbox.run(RunRequest.builder(List.of("sh", "-c", "cut -d' ' -f22 /proc/1/stat; pwd"))
                    .cwd(Path.of("/tmp"))
                    .build());
            String[] lines = r.stdoutText().split("\n");
            assertThat(Long.parseLong(lines[0]) / 100.0)
                    .as("init existed before the request")
                    .isLessThan(requested - 0.2);
            assertThat(lines[1]).isEqualTo("/tmp");
        }
    }

    @Test
    void theTimeoutCountsFromTheTakeNotFromTheWarmUp() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            Thread.sleep(3500); // longer than the 3 s timeout
            SandboxResult r = sandbox.run(List.of("sleep", "0.5"));
            assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.EXITED);
            SandboxResult slow = sandbox.run(List.of("sleep", "10"));
            assertThat(slow.status()).isEqualTo(RunStatus.TIMEOUT);
        }
    }

    @Test
    void requestsWithTheirOwnSettingsRunColdAndBadCommandsFailWithoutUsingASandbox() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult own = sandbox.run(RunRequest.builder(List.of("sh", "-c", "cat; pwd"))
                    .stdin(dev.sandbox4j.exec.Input.text("in\n"))
                    .cwd(Path.of("/tmp"))
                    .build());
            assertThat(own.stdoutText()).isEqualTo("in\n/tmp\n");
            assertThatThrownBy(() -> sandbox.run(List.of("/no/such/program")))
                    .isInstanceOf(dev.sandbox4j.exec.ProgramNotRunnableException.class);
            assertThat(sandbox.prewarmed()).as("neither took the held one").isEqualTo(1);
            SandboxResult env = sandbox.run(RunRequest.builder(List.of("sh", "-c", "pwd; echo $A"))
                    .env("A", "b")
                    .cwd(Path.of("/tmp"))
                    .build());
            assertThat(env.stdoutText()).isEqualTo("/tmp\nb\n");
        }
    }

    @Test
    void startTakesAPrewarmedSandboxToo() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            Thread.sleep(300);
            double requested = uptime();
            dev.sandbox4j.exec.SandboxProcess process =
                    sandbox.start(RunRequest.builder(List.of("sh", "-c", "cut -d' ' -f22 /proc/1/stat; echo $A"))
                            .env("A", "b")
                            .build());
            assertThat(sandbox.prewarmed())
                    .as("taken, replaced only once its run has ended")
                    .isZero();
            SandboxResult r = process.waitFor();
            String[] lines = r.stdoutText().split("\n");
            assertThat(Long.parseLong(lines[0]) / 100.0)
                    .as("init existed before the request")
                    .isLessThan(requested - 0.2);
            assertThat(lines[1]).isEqualTo("b");
            process.close();
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
        }
    }

    @Test
    void configurationsThatBindStreamsPerRunAreRefusedAndSizesAreBounded(@TempDir Path dir) throws Exception {
        SandboxConfig toFile =
                SandboxConfig.builder().stdout(Output.file(dir.resolve("out"))).build();
        try (Sandbox sandbox = Sandbox.create(toFile)) {
            assertThatThrownBy(() -> sandbox.prewarm(1))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("Output.file")
                    .hasMessageContaining("without prewarm");
        }
        try (Sandbox sandbox = Sandbox.create(config())) {
            assertThatThrownBy(() -> sandbox.prewarm(0))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("1 to 64");
            assertThatThrownBy(() -> sandbox.prewarm(65)).isInstanceOf(InvalidConfigException.class);
        }
    }

    @Test
    void callersThatOutpaceTheRefillsRunAndClosingWhileSeveralAreMadeLeavesNothing() throws Exception {
        Sandbox sandbox = Sandbox.create(config()).prewarm(6);
        KernelTestSupport.awaitPrewarmed(sandbox, 6);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<SandboxResult>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 24; i++) {
                runs.add(callers.submit(() -> sandbox.run(List.of("true"))));
            }
            for (var run : runs) {
                SandboxResult r = run.get();
                assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.EXITED);
                assertThat(r.exitCode()).hasValue(0);
            }
            KernelTestSupport.awaitPrewarmed(sandbox, 6); // made again, several at a time
            for (int i = 0; i < 6; i++) {
                runs.set(i, callers.submit(() -> sandbox.run(List.of("true"))));
            }
            for (int i = 0; i < 6; i++) {
                assertThat(runs.get(i).get().exitCode()).hasValue(0);
            }
        } finally {
            callers.shutdown();
            assertThat(callers.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
        }
        // Their replacements are being made now: close() waits for each and kills it with the held ones. The leak
        // check then finds no launcher, init, workload, cgroup or refill thread left.
        sandbox.close();
        assertThat(sandbox.prewarmed()).isZero();
    }

    @Test
    void theRestOfThePlanGoesFromThisJvmStraightToTheHeldWorkload() throws Exception {
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            java.util.Map<String, Integer> ours =
                    pipeModes(ProcessHandle.current().pid());
            boolean heldWorkloadFound = false;
            for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
                for (var end : pipeModes(p.pid()).entrySet()) {
                    if (ours.getOrDefault(end.getKey(), 0) == 1) {
                        // A pipe this JVM writes to: nobody else may (no launcher relaying the program to run).
                        assertThat(end.getValue())
                                .as("pid %d's end of %s", p.pid(), end.getKey())
                                .isZero();
                        heldWorkloadFound = true;
                    }
                }
            }
            if (KernelTestSupport.euid() == 0) {
                // As root the held init and workload show their descriptors (they are not dumpable): the workload
                // reads its program from a pipe only this JVM writes to.
                assertThat(heldWorkloadFound)
                        .as("a held workload reading a pipe of this JVM")
                        .isTrue();
            }
            SandboxResult r = sandbox.run(List.of("true"));
            assertThat(r.exitCode()).as(r.toString()).hasValue(0);
        }
    }

    /** Each pipe a process holds ("pipe:[inode]") and how: 0 read, 1 write; empty when its fds cannot be read. */
    private static java.util.Map<String, Integer> pipeModes(long pid) {
        java.util.Map<String, Integer> modes = new java.util.HashMap<>();
        Path fds = Path.of("/proc", Long.toString(pid), "fd");
        try (var list = Files.list(fds)) {
            for (Path fd : list.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.startsWith("pipe:")) {
                        continue;
                    }
                    String info = Files.readString(Path.of(
                            "/proc",
                            Long.toString(pid),
                            "fdinfo",
                            fd.getFileName().toString()));
                    for (String line : info.split("\n")) {
                        if (line.startsWith("flags:")) {
                            int mode = Integer.parseInt(line.substring(6).trim(), 8) & 3;
                            modes.merge(target, mode, Math::max);
                        }
                    }
                } catch (java.io.IOException gone) {
                    // closed meanwhile
                }
            }
        } catch (java.io.IOException | SecurityException notOurs) {
            // a process that is not dumpable, or has exited
        }
        return modes;
    }

    @Test
    void closingASandboxKillsItsHeldOnesAndALaterRunIsRefused() throws Exception {
        Sandbox sandbox = Sandbox.create(config()).prewarm(3);
        KernelTestSupport.awaitPrewarmed(sandbox, 3);
        sandbox.close(); // the leak check then finds no launcher, init, workload, cgroup or thread left
        assertThatThrownBy(() -> sandbox.run(List.of("true"))).isInstanceOf(IllegalStateException.class);
        assertThat(sandbox.prewarmed()).isZero();
    }

    @Test
    void aJvmKilledWhileHoldingSandboxesTakesThemWithIt() throws Exception {
        Process jvm = new ProcessBuilder(KernelTestSupport.javaMain(PrewarmAndHang.class, "3"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<ProcessHandle> descendants;
        try (var out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("held");
            descendants = jvm.descendants().toList();
            // The fork server, and per held sandbox its launcher, init and the waiting workload.
            assertThat(descendants)
                    .as("the fork server and the held sandboxes' launchers")
                    .hasSizeGreaterThan(3);
            if (KernelTestSupport.euid() == 0) {
                assertThat(KernelTestSupport.sandboxCgroupsOf(jvm.pid()))
                        .as("their cgroups")
                        .isNotEmpty();
            }
        } finally {
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            jvm.waitFor();
            jvm.getOutputStream().close();
        }
        assertThat(CrashKernelTest.awaitDead(descendants))
                .as("the killed JVM's launchers, inits and workloads")
                .isEmpty();
        KernelTestSupport.assertTheNextJvmCleansUpAfter(jvm.pid());
    }
}
