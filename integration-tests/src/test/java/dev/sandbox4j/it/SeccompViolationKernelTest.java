package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompViolation;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named violations against the real kernel: the launcher supervises the filter's user notifications, names the
 * first refused call of any process of the sandbox, and carries out the profile's answer. Runs as root, and as
 * uid 65534 through {@link UnprivilegedKernelTest}.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SeccompViolationKernelTest {
    private static final Set<String> MKDIR = Set.of("mkdir", "mkdirat");
    private static final int EPERM = 1;

    @TempDir
    Path dir;

    @BeforeAll
    static void supervisionWorksHere() throws Exception {
        requireFeature(
                SystemCapabilities.detect().seccompUserNotification().available(),
                "seccomp user notification (Linux 5.0+)");
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(sandbox, "sandboxes (user namespaces)");
        }
    }

    @AfterEach
    void switchBack() {
        System.clearProperty("sandbox4j.seccomp.supervisor");
    }

    private Path writableDir() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    private static SandboxResult run(SeccompFilter filter, String... command) throws Exception {
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(filter)
                .timeout(Duration.ofSeconds(30))
                .build();
        assertThat(config.seccompSupervised()).isTrue();
        try (Sandbox sandbox = Sandbox.create(config)) {
            return sandbox.run(List.of(command));
        }
    }

    @Test
    void theProgramsOwnRefusedCallIsNamedAndReportedAsTheKernelsSeccompKill() throws Exception {
        Path target = writableDir().resolve("forbidden");
        SandboxResult r = run(SeccompProfile.MINIMAL.filter(), "mkdir", target.toString());

        assertThat(r.signalName()).as(r.toString()).hasValue("SIGSYS");
        assertThat(r.seccompViolation()).isTrue();
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        SeccompViolation v = r.violation().orElseThrow();
        assertThat(v.arch())
                .isEqualTo(dev.sandbox4j.seccomp.Architecture.current().kernelName());
        assertThat(v.number())
                .isEqualTo(
                        dev.sandbox4j.seccomp.Architecture.current().syscalls().numberOf(v.syscall()));
        assertThat(v.arguments())
                .as("no rule of minimal looks at mkdir's arguments")
                .isEmpty();
        assertThat(v.action()).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(v.programProcess()).isTrue();
        assertThat(v.permittedBy()).hasValue(SeccompProfile.IO_HEAVY);
        assertThat(target).doesNotExist();
    }

    @Test
    void aThreadsRefusedCallKillsItsWholeProcessAsTheProgramsSeccompKill() throws Exception {
        Path target = writableDir().resolve("forbidden");
        String script = "import os, threading, time\n"
                + "t = threading.Thread(target=lambda: os.mkdir('" + target + "'))\n"
                + "t.start(); t.join(); time.sleep(5); print('survived')\n";
        SandboxResult r = run(SeccompProfile.MINIMAL.filter(), "python3", "-c", script);

        assertThat(r.signalName()).as(r + r.stderrText()).hasValue("SIGSYS");
        assertThat(r.stdoutText()).isEmpty();
        assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(5));
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        assertThat(r.violation().orElseThrow().programProcess())
                .as("a thread of the program's own process")
                .isTrue();
        assertThat(target).doesNotExist();
    }

    @Test
    void aChildKilledInsideAShellThatGoesOnIsReported() throws Exception {
        Path target = writableDir().resolve("forbidden");
        SandboxResult r = run(SeccompProfile.MINIMAL.filter(), "/bin/sh", "-c", "mkdir " + target + "; echo after");

        assertThat(r.exitCode()).as(r.toString()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("after\n");
        assertThat(r.seccompViolation()).isTrue();
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        assertThat(r.violation().orElseThrow().programProcess()).isFalse();
        assertThat(r.violation().orElseThrow().action()).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(target).doesNotExist();
    }

    @Test
    void theArgumentsTheRulesLookAtAreReported() throws Exception {
        // setarch -R asks for ADDR_NO_RANDOMIZE (0x0040000): minimal permits only personality(0) and the query.
        SandboxResult r = run(SeccompProfile.MINIMAL.filter(), "setarch", "-R", "/bin/true");

        assertThat(r.signalName()).as(r.toString()).hasValue("SIGSYS");
        SeccompViolation v = r.violation().orElseThrow();
        assertThat(v.syscall()).isEqualTo("personality");
        assertThat(v.arguments()).containsOnlyKeys(0);
        assertThat(v.arguments().get(0) & 0x0040000L).isEqualTo(0x0040000L);
        assertThat(v.permittedBy()).hasValue(SeccompProfile.UNRESTRICTED);
    }

    @Test
    void anErrnoProfileAnswersTheCallWithItsErrnoAndNamesIt() throws Exception {
        Path target = writableDir().resolve("refused");
        SeccompFilter eperm = SeccompProfile.MINIMAL.filter().toBuilder()
                .defaultAction(SeccompAction.errno(EPERM))
                .build();
        SandboxResult r = run(eperm, "/bin/sh", "-c", "mkdir " + target + " 2>&1; echo status=$?");

        assertThat(r.exitCode()).as(r.toString()).hasValue(0);
        assertThat(r.stdoutText()).contains("Operation not permitted").endsWith("status=1\n");
        assertThat(r.seccompViolation()).isTrue();
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        assertThat(r.violation().orElseThrow().action()).isEqualTo(SeccompAction.errno(EPERM));
        assertThat(target).doesNotExist();
    }

    @Test
    void aFloodOfRefusedCallsFromManyProcessesIsAnsweredAndTheRunEnds() throws Exception {
        Path base = writableDir();
        // 400 processes at once, each killed for its mkdir, while the shell waits for them all.
        String script =
                "i=0; while [ $i -lt 400 ]; do mkdir " + base + "/f$i 2>/dev/null & i=$((i+1)); done; wait; echo done";
        long t0 = System.nanoTime();
        SandboxResult r = run(SeccompProfile.MINIMAL.filter(), "/bin/sh", "-c", script);

        assertThat(r.exitCode()).as(r.toString()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("done\n");
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        try (var listing = Files.list(base)) {
            assertThat(listing).isEmpty();
        }
        System.out.printf(
                "flood of 400 killed processes: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @Test
    void aFloodOfRefusedCallsFromManyThreadsIsAnsweredAndTheSupervisorStaysResponsive() throws Exception {
        Path base = writableDir();
        SeccompFilter eperm = SeccompProfile.MINIMAL.filter().toBuilder()
                .defaultAction(SeccompAction.errno(EPERM))
                .build();
        // 16 threads making 250 refused calls each, all answered EPERM by the supervisor: a burst of 1000 at once,
        // then one a millisecond (it runs outside the run's cgroup, so a flood must not buy CPU from it).
        String counted = "import os, threading\n"
                + "n = [0]\n"
                + "lock = threading.Lock()\n"
                + "def flood(t):\n"
                + "    for i in range(250):\n"
                + "        try:\n"
                + "            os.mkdir('" + base + "/t%d-%d' % (t, i))\n"
                + "        except PermissionError:\n"
                + "            with lock: n[0] += 1\n"
                + "ts = [threading.Thread(target=flood, args=(t,)) for t in range(16)]\n"
                + "[t.start() for t in ts]\n"
                + "[t.join() for t in ts]\n"
                + "print(n[0])\n";
        long t0 = System.nanoTime();
        SandboxResult r = run(eperm, "python3", "-c", counted);
        long floodMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.exitCode()).as(r + r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("4000\n");
        assertThat(r.blockedSyscall())
                .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
        assertThat(floodMillis)
                .as("3000 answers beyond the burst, at most about one a millisecond")
                .isGreaterThan(2000);
        System.out.printf("flood of 4000 refused calls from 16 threads: %d ms%n", floodMillis);

        // A flood that never stops: the timeout still ends it on time, with nothing left behind.
        String endless = "import os, threading\n"
                + "def flood():\n"
                + "    while True:\n"
                + "        try: os.mkdir('/x')\n"
                + "        except OSError: pass\n"
                + "for t in range(16): threading.Thread(target=flood).start()\n";
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(eperm)
                .timeout(Duration.ofSeconds(2))
                .build();
        long t1 = System.nanoTime();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult timed = sandbox.run(List.of("python3", "-c", endless));
            assertThat(timed.timedOut()).as(timed.toString()).isTrue();
            assertThat(timed.blockedSyscall()).hasValue("mkdir");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void withoutAPidNamespaceAChildsViolationIsNamedAndTheShellGoesOn() throws Exception {
        Path target = writableDir().resolve("forbidden");
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .namespaces(
                        dev.sandbox4j.namespace.NamespaceConfig.all().without(dev.sandbox4j.namespace.Namespace.PID))
                .timeout(Duration.ofSeconds(30))
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "mkdir " + target + "; echo after"));
            assertThat(r.exitCode()).as(r.toString()).hasValue(0);
            assertThat(r.stdoutText()).isEqualTo("after\n");
            assertThat(r.blockedSyscall())
                    .hasValueSatisfying(name -> assertThat(name).isIn(MKDIR));
            assertThat(r.violation().orElseThrow().programProcess()).isFalse();
        }
        assertThat(target).doesNotExist();
    }

    @Test
    void noProcessOfTheSandboxHoldsTheListener() throws Exception {
        // The workload lists every descriptor it can see in its PID namespace: its own, and its children's.
        SandboxResult r = run(
                SeccompProfile.MINIMAL.filter(),
                "/bin/sh",
                "-c",
                "ls -l /proc/[0-9]*/fd/ 2>&1; sleep 0.1 & ls -l /proc/self/fd/ /proc/$!/fd/");
        // Not the exit status: ls exits 1 when a descriptor it listed is gone before it reads the link, which
        // happens under load. What matters is that the listing ran to its end and no link is the listener.
        assertThat(r.signal()).as(r.toString()).isEmpty();
        assertThat(r.stdoutText())
                .contains("/proc/1/fd/")
                .as("init is not dumpable")
                .contains("Permission denied")
                .contains("/proc/self/fd/")
                .doesNotContain("seccomp");
    }

    @Test
    void withoutSupervisionTheKernelStillKillsAndNothingIsNamed() throws Exception {
        System.setProperty("sandbox4j.seccomp.supervisor", "false");
        Path target = writableDir().resolve("forbidden");
        SandboxConfig config =
                SandboxConfig.builder().seccomp(SeccompProfile.MINIMAL).build();
        assertThat(config.seccompSupervised()).isFalse();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult top = sandbox.run(List.of("mkdir", target.toString()));
            assertThat(top.signalName()).hasValue("SIGSYS");
            assertThat(top.seccompViolation()).isTrue();
            assertThat(top.blockedSyscall()).isEmpty();
            // a child's death is only its parent's business: the kernel tells nobody else
            SandboxResult child = sandbox.run(List.of("/bin/sh", "-c", "mkdir " + target + "; echo after"));
            assertThat(child.exitCode()).hasValue(0);
            assertThat(child.seccompViolation()).isFalse();
        }
        assertThat(target).doesNotExist();
    }

    @Test
    void theCommandLineNamesTheCallInItsMessageAndReport() throws Exception {
        SandboxCtlProcess.Result r = SandboxCtlProcess.of(
                        "--report", "-", "-s", "minimal", "--", "sh", "-c", "mkdir /tmp/x")
                .deadline(Duration.ofSeconds(60))
                .run();
        List<String> lines = r.stderrLines();
        // Debian's sh forks mkdir and says "Killed" about it; a shell that exec'd it would say nothing.
        assertThat(lines.size()).as(String.join("\n", lines)).isBetween(2, 3);
        String report = lines.get(lines.size() - 1);
        String message = lines.get(lines.size() - 2);
        String name = report.contains("\"blockedSyscall\":\"mkdirat\"") ? "mkdirat" : "mkdir";
        assertThat(report)
                .contains("\"seccompViolation\":true,\"blockedSyscall\":\"" + name + "\",\"violation\":{"
                        + "\"syscall\":\"" + name + "\",\"number\":"
                        + dev.sandbox4j.seccomp.Architecture.current()
                                .syscalls()
                                .numberOf(name) + ",\"arch\":\""
                        + dev.sandbox4j.seccomp.Architecture.current().kernelName()
                        + "\",\"args\":{},\"action\":\"KILL_PROCESS\"");
        assertThat(report).contains("\"permittedBy\":\"io-heavy\"}");
        boolean program = report.contains("\"process\":\"program\"");
        if (program) { // the shell exec'd mkdir in its own place
            assertThat(r.status()).isEqualTo(128 + 31);
            assertThat(message)
                    .isEqualTo("sandbox-ctl: 'sh' was killed by the seccomp filter: it called " + name
                            + ", which profile minimal does not permit (io-heavy is the first profile that permits it; "
                            + "'sandbox-ctl seccomp minimal' lists what it permits; -s chooses another profile)");
        } else {
            assertThat(r.status()).isEqualTo(128 + 9); // the shell's own status for its child's SIGKILL
            assertThat(message)
                    .isEqualTo("sandbox-ctl: the seccomp filter killed a process of 'sh' that called " + name
                            + ", which profile minimal does not permit (io-heavy is the first profile that permits it; "
                            + "'sandbox-ctl seccomp minimal' lists what it permits; -s chooses another profile)");
        }
    }
}
