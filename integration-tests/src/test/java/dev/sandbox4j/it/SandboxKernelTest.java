package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.IdMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sandbox against the real kernel, as whoever runs the JVM: root in CI, and uid 65534 through
 * {@link UnprivilegedKernelTest}, which runs this very class again in a child JVM.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SandboxKernelTest {
    private static Sandbox sandbox;
    private static long euid;

    /** Whether this run of the suite gets launchers from the fork server (the default) or one per run. */
    static boolean forkServer = true;

    /** Every sandbox of the suite is built from this, so that {@link DirectLauncherKernelTest} can rerun it all. */
    static SandboxBuilder builder() {
        return SandboxConfig.builder().forkServer(forkServer);
    }

    @BeforeAll
    static void start() throws Exception {
        euid = KernelTestSupport.euid();
        sandbox = Sandbox.create(
                builder().id("kernel-test").timeout(Duration.ofSeconds(20)).build());
        requireRunnable(sandbox, "user namespaces (all seven namespaces for an unprivileged user)");
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private static SandboxResult sh(String script) throws InterruptedException {
        return sandbox.run(List.of("/bin/sh", "-c", script));
    }

    @Test
    void echoOutputArrivesUnchangedWithRusage() throws Exception {
        SandboxResult r = sandbox.run(List.of("echo", "hello", "wörld"));
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("hello wörld\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.signal()).isEmpty();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.maxRssBytes()).isPositive();
        assertThat(r.wallTime()).isPositive();
        assertThat(r.mode()).isEqualTo(euid == 0 ? PrivilegeMode.PRIVILEGED : PrivilegeMode.UNPRIVILEGED);
    }

    @Test
    void exitCodesComeBack() throws Exception {
        for (int code : new int[] {0, 1, 42, 255}) {
            assertThat(sh("exit " + code).exitCode()).hasValue(code);
        }
    }

    @Test
    void cpuTimeIsTheWorkloads() throws Exception {
        SandboxResult r = sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
        assertThat(r.userTime().plus(r.systemTime())).isGreaterThan(Duration.ofMillis(20));
        if (r.cpuTimeSource() == dev.sandbox4j.exec.UsageSource.CGROUP) {
            // The cgroup counts every process of the sandbox, init too: never less.
            assertThat(r.cpuTime()).isGreaterThanOrEqualTo(r.userTime().plus(r.systemTime()));
        } else {
            assertThat(r.cpuTime()).isEqualTo(r.userTime().plus(r.systemTime()));
        }
    }

    @Test
    void signalDeathIsReportedAsTheSignal() throws Exception {
        SandboxResult killed = sh("kill -KILL $$");
        assertThat(killed.signal()).hasValue(9);
        assertThat(killed.signalName()).hasValue("SIGKILL");
        assertThat(killed.exitCode()).isEmpty();
        SandboxResult segv = sh("kill -SEGV $$");
        assertThat(segv.signalName()).hasValue("SIGSEGV");
        assertThat(segv.coreDumped()).as("core size is 0 by default").isFalse();
        assertThat(segv.seccompViolation()).isFalse();
    }

    @Test
    void timeoutKillsATreeThatIgnoresSigtermAndForks() throws Exception {
        try (Sandbox quick =
                Sandbox.create(builder().timeout(Duration.ofSeconds(1)).build())) {
            long t0 = System.nanoTime();
            SandboxResult r = quick.run(List.of(
                    "/bin/sh",
                    "-c",
                    "trap '' TERM; (trap '' TERM; sleep 987) & (exec >&- 2>&-; sleep 986) & sleep 985"));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).isLessThan(Duration.ofSeconds(3));
            assertThat(r.timedOut()).isTrue();
            assertThat(r.success()).isFalse();
            assertThat(r.signalName()).hasValue("SIGKILL");
            assertThat(r.wallTime()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
        }
        assertThat(ProcessHandle.allProcesses()
                        .map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.contains("sleep 98")))
                .as("leftover sleeps")
                .isEmpty();
    }

    @Test
    void withoutAPidNamespaceTheTimeoutStillKillsTheWholeTree() throws Exception {
        SandboxConfig noPidNs = builder()
                .timeout(Duration.ofSeconds(1))
                .namespaces(
                        dev.sandbox4j.namespace.NamespaceConfig.all().without(dev.sandbox4j.namespace.Namespace.PID))
                .build();
        try (Sandbox quick = Sandbox.create(noPidNs)) {
            long t0 = System.nanoTime();
            // setsid escapes the process group; only the subreaper's bookkeeping still finds it.
            SandboxResult r = quick.run(List.of(
                    "/bin/sh",
                    "-c",
                    "trap '' TERM; setsid sh -c 'trap \"\" TERM; sleep 979' & (exec >&- 2>&-; sleep 978) & sleep 977"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(r.timedOut()).isTrue();
            // A workload that ends by itself takes its background children with it, too.
            SandboxResult quickExit = quick.run(List.of("/bin/sh", "-c", "setsid sleep 976 & exit 3"));
            assertThat(quickExit.exitCode()).hasValue(3);
        }
        assertThat(ProcessHandle.allProcesses()
                        .map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.matches(".*sleep 97[6-9].*")))
                .as("leftover sleeps")
                .isEmpty();
    }

    @Test
    void timeoutReturnsPromptlyWhenTheWorkloadClosesItsOutput() throws Exception {
        try (Sandbox quick =
                Sandbox.create(builder().timeout(Duration.ofMillis(500)).build())) {
            long t0 = System.nanoTime();
            SandboxResult r = quick.run(List.of("/bin/sh", "-c", "exec >&- 2>&- <&-; sleep 984"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(r.timedOut()).isTrue();
        }
    }

    @Test
    void missingAndNonExecutableProgramsAreDistinct(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> sandbox.run(List.of("no-such-program-sandbox4j")))
                .isInstanceOfSatisfying(
                        ProgramNotRunnableException.class,
                        e -> assertThat(e.reason()).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND));
        Path plain = Files.writeString(dir.resolve("plain.sh"), "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> sandbox.run(List.of(plain.toString())))
                .isInstanceOfSatisfying(
                        ProgramNotRunnableException.class,
                        e -> assertThat(e.reason()).isEqualTo(ProgramNotRunnableException.Reason.NOT_EXECUTABLE));
        // Found and executable, but its interpreter is missing: only execve can tell, inside the sandbox.
        Path orphan = Files.writeString(dir.resolve("orphan.sh"), "#!/nonexistent/interpreter\n");
        Files.setPosixFilePermissions(orphan, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> sandbox.run(List.of(orphan.toString())))
                .isInstanceOfSatisfying(ProgramNotRunnableException.class, e -> {
                    assertThat(e.step()).isEqualTo("execve");
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.reason()).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND);
                });
    }

    @Test
    void aFailedSetupStepIsATypedExceptionNamingTheStep() throws Exception {
        try (Sandbox bad =
                Sandbox.create(builder().cwd(Path.of("/nonexistent/dir")).build())) {
            assertThatThrownBy(() -> bad.run(List.of("/bin/true")))
                    .isInstanceOfSatisfying(SandboxSetupException.class, e -> {
                        assertThat(e).isNotInstanceOf(ProgramNotRunnableException.class);
                        assertThat(e.step()).isEqualTo("chdir");
                        assertThat(e.errnoName()).isEqualTo("ENOENT");
                        assertThat(e.detail()).isEqualTo("/nonexistent/dir");
                    });
        }
    }

    @Test
    void aUidMapTheKernelRefusesIsASetupError() throws Exception {
        // Without CAP_SETUID in the parent namespace the kernel accepts only a map of the caller's own uid,
        // so uid+1 is refused. Root may write any map: there the two-range map must be honoured instead.
        IdMap map =
                euid == 0 ? IdMap.of(IdMap.range(0, 65534, 1), IdMap.range(1, 65535, 1)) : IdMap.single(0, euid + 1);
        SandboxConfig config = builder().uidMap(map).build();
        if (euid == 0) {
            // Root may write that map, so there is no failure to see: it must simply work.
            try (Sandbox ok = Sandbox.create(config)) {
                assertThat(ok.run(List.of("cat", "/proc/self/uid_map")).stdoutText())
                        .contains("65535");
            }
            return;
        }
        try (Sandbox bad = Sandbox.create(config)) {
            assertThatThrownBy(() -> bad.run(List.of("/bin/true")))
                    .isInstanceOfSatisfying(SandboxSetupException.class, e -> {
                        assertThat(e.step()).isEqualTo("write uid_map");
                        assertThat(e.errnoName()).isEqualTo("EPERM");
                    });
        }
    }

    @Test
    void theWorkloadSeesItsOwnPidNetUtsAndIds() throws Exception {
        try (Sandbox named = Sandbox.create(builder().hostname("inner-box").build())) {
            SandboxResult r = named.run(List.of(
                    "/bin/sh",
                    "-c",
                    "echo pid=$$; echo host=$(cat /proc/sys/kernel/hostname); echo uid=$(id -u) gid=$(id -g);"
                            + " echo map=$(cat /proc/self/uid_map);"
                            + " echo procs=$(ls /proc | grep -c '^[0-9]');"
                            + " echo ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ');"
                            + " echo loflags=$(cat /sys/class/net/lo/flags 2>/dev/null);"
                            + " for n in ipc mnt net uts pid user cgroup; do echo ns-$n=$(readlink /proc/self/ns/$n); done;"
                            + " grep -E '^Cap(Eff|Prm|Bnd|Amb)|^Sig(Blk|Ign)|^NoNewPrivs' /proc/self/status"));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
            List<String> lines = r.stdoutText().lines().collect(Collectors.toList());
            assertThat(lines)
                    .contains(
                            "host=inner-box",
                            "uid=0 gid=0",
                            "ifaces=lo",
                            "CapEff:\t0000000000000000",
                            "CapPrm:\t0000000000000000",
                            "CapBnd:\t0000000000000000",
                            "CapAmb:\t0000000000000000",
                            "NoNewPrivs:\t1",
                            "SigBlk:\t0000000000000000",
                            "SigIgn:\t0000000000000000");
            int pid = Integer.parseInt(value(lines, "pid"));
            assertThat(pid).as("a small pid in its own PID namespace").isLessThanOrEqualTo(3);
            assertThat(Integer.parseInt(value(lines, "procs")))
                    .as("no host processes in /proc")
                    .isLessThan(6);
            assertThat(value(lines, "map").trim()).isEqualTo("0 " + (euid == 0 ? 65534 : euid) + " 1");
            for (String ns : List.of("ipc", "mnt", "net", "uts", "pid", "user", "cgroup")) {
                String host =
                        Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString();
                assertThat(value(lines, "ns-" + ns))
                        .as(ns + " namespace")
                        .isNotEmpty()
                        .isNotEqualTo(host);
            }
        }
    }

    @Test
    void loopbackIsUpAndNothingElseIsReachable() throws Exception {
        // /proc/net/if_inet6 and route are per network namespace; an UP lo has 127.0.0.1 on it.
        SandboxResult r = sh("cat /proc/net/fib_trie | grep -c '127.0.0.1'; cat /proc/net/route | wc -l");
        List<String> lines = r.stdoutText().lines().collect(Collectors.toList());
        assertThat(Integer.parseInt(lines.get(0).trim()))
                .as("127.0.0.1 configured, i.e. lo is up")
                .isPositive();
        assertThat(lines.get(1).trim()).as("no routes beyond lo (header only)").isEqualTo("1");
    }

    @Test
    void filesCreatedInsideBelongToAnUnprivilegedHostUid(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path created = dir.resolve("made-inside");
        SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "touch " + created + "; cat /etc/shadow"));
        assertThat(r.exitCode()).as("/etc/shadow must not be readable").isNotEqualTo(java.util.OptionalInt.of(0));
        assertThat(r.stderrText()).contains("Permission denied");
        int owner = (Integer) Files.getAttribute(created, "unix:uid");
        assertThat(owner).isEqualTo(euid == 0 ? 65534 : (int) euid).isNotZero();
    }

    @Test
    void theWorkloadHoldsNoCapabilityAsSeenFromTheHost() throws Exception {
        try (Sandbox streaming =
                Sandbox.create(builder().timeout(Duration.ofSeconds(10)).build())) {
            SandboxProcess p = streaming.start(List.of("sleep", "983"));
            ProcessHandle sleeper = null;
            for (int i = 0; i < 200 && sleeper == null; i++) {
                sleeper = ProcessHandle.current()
                        .descendants()
                        .filter(h -> h.info().commandLine().orElse("").contains("983"))
                        .findFirst()
                        .orElse(null);
                Thread.sleep(10);
            }
            assertThat(sleeper).as("the workload among the JVM's descendants").isNotNull();
            List<String> status = Files.readAllLines(Path.of("/proc/" + sleeper.pid() + "/status"));
            assertThat(status).contains("CapEff:\t0000000000000000", "CapPrm:\t0000000000000000");
            String uidLine = status.stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .findFirst()
                    .orElseThrow();
            assertThat(uidLine.split("\\s+")[1]).isEqualTo(euid == 0 ? "65534" : Long.toString(euid));
            assertThat(Files.readSymbolicLink(Path.of("/proc/" + sleeper.pid() + "/ns/user")))
                    .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/user")));
            p.destroyForcibly();
            SandboxResult r = p.waitFor();
            assertThat(r.signalName()).hasValue("SIGKILL");
            assertThat(r.timedOut()).isFalse();
        }
    }

    @Test
    void destroyForwardsSigtermToTheWorkload() throws Exception {
        SandboxProcess p = sandbox.start(List.of("sleep", "982"));
        assertThat(p.isAlive()).isTrue();
        assertThat(p.waitFor(Duration.ofMillis(100))).isEmpty();
        p.destroy();
        SandboxResult r = p.waitFor(Duration.ofSeconds(5)).orElseThrow();
        assertThat(r.signalName()).hasValue("SIGTERM");
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void pipedStreamsWorkWithStart() throws Exception {
        try (Sandbox piped = Sandbox.create(
                builder().stdin(Input.pipe()).stdout(Output.pipe()).build())) {
            SandboxProcess p = piped.start(List.of("tr", "a-z", "A-Z"));
            try (var in = p.stdin()) {
                in.write("shout\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("SHOUT\n");
            assertThat(p.waitFor().exitCode()).hasValue(0);
        }
    }

    @Test
    void pipedOutputOfAProgramThatExitedAtOnceIsStillThere() throws Exception {
        // The result's collection used to close the streams: read after the end, they threw "Stream closed".
        try (Sandbox piped = Sandbox.create(
                builder().stdout(Output.pipe()).stderr(Output.pipe()).build())) {
            for (int i = 0; i < 20; i++) {
                try (SandboxProcess p =
                        piped.start(List.of("/bin/sh", "-c", "echo out" + i + "; echo err" + i + " >&2; exit 3"))) {
                    assertThat(p.waitFor().exitCode()).hasValue(3);
                    assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("out" + i + "\n");
                    assertThat(new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("err" + i + "\n");
                }
            }
        }
    }

    @Test
    void tenMebibytesThroughAPipeAreAllReadableAfterTheProgramEnded() throws Exception {
        int size = 10 << 20;
        try (Sandbox piped = Sandbox.create(builder()
                        .stdout(Output.pipe())
                        .timeout(Duration.ofSeconds(30))
                        .build());
                SandboxProcess p =
                        piped.start(List.of("/bin/sh", "-c", "head -c " + size + " /dev/zero | tr '\\0' x"))) {
            SandboxResult r = p.waitFor(Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("the program waited for a reader: its output was not kept"));
            assertThat(r.exitCode()).hasValue(0);
            byte[] out = p.stdout().readAllBytes();
            assertThat(out.length).isEqualTo(size);
            assertThat(out[0]).isEqualTo((byte) 'x');
            assertThat(out[size - 1]).isEqualTo((byte) 'x');
        }
    }

    @Test
    void slowReadersOfBothStreamsGetEveryByteInOrder() throws Exception {
        // Numbered lines on both streams, read a little at a time with pauses, on two threads, while the program
        // runs and after it has ended.
        String script = "i=0; while [ $i -lt 20000 ]; do echo \"o$i\"; echo \"e$i\" >&2; i=$((i+1)); done";
        try (Sandbox piped = Sandbox.create(builder()
                        .stdout(Output.pipe())
                        .stderr(Output.pipe())
                        .timeout(Duration.ofSeconds(60))
                        .build());
                SandboxProcess p = piped.start(List.of("/bin/sh", "-c", script))) {
            ExecutorService readers = Executors.newFixedThreadPool(2);
            try {
                Future<String> out = readers.submit(() -> slowly(p.stdout()));
                Future<String> err = readers.submit(() -> slowly(p.stderr()));
                assertThat(p.waitFor().exitCode()).hasValue(0);
                String o = out.get();
                String e = err.get();
                assertThat(o.lines().count()).isEqualTo(20000);
                assertThat(e.lines().count()).isEqualTo(20000);
                assertThat(o).startsWith("o0\no1\n").endsWith("o19999\n");
                assertThat(e).startsWith("e0\ne1\n").endsWith("e19999\n");
                assertThat(o.lines()
                                .map(l -> l.substring(1))
                                .mapToInt(Integer::parseInt)
                                .toArray())
                        .isEqualTo(java.util.stream.IntStream.range(0, 20000).toArray());
            } finally {
                readers.shutdown();
            }
        }
    }

    private static String slowly(java.io.InputStream in) throws Exception {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        byte[] small = new byte[4096];
        int reads = 0;
        for (int n; (n = in.read(small)) >= 0; ) {
            all.write(small, 0, n);
            if (++reads % 8 == 0) {
                Thread.sleep(2);
            }
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFullPipeBufferMakesTheProgramWaitAndDropsNothing() throws Exception {
        int size = 1 << 20;
        try (Sandbox piped = Sandbox.create(builder()
                        .stdout(Output.pipe(64 << 10))
                        .timeout(Duration.ofSeconds(30))
                        .build());
                SandboxProcess p = piped.start(List.of("head", "-c", Integer.toString(size), "/dev/zero"))) {
            // 64 KiB held in the JVM and another pipe's worth in the kernel: the program cannot finish unread.
            assertThat(p.waitFor(Duration.ofMillis(500)))
                    .as("the program waits for its reader")
                    .isEmpty();
            assertThat(p.stdout().readAllBytes()).hasSize(size);
            assertThat(p.waitFor().exitCode()).hasValue(0);
        }
    }

    @Test
    void closingTheProcessEndsTheProgramAndItsUnreadOutput() throws Exception {
        try (Sandbox piped =
                Sandbox.create(builder().stdout(Output.pipe(64 << 10)).build())) {
            SandboxProcess p = piped.start(List.of("yes"));
            assertThat(p.stdout().read()).isEqualTo('y');
            p.close();
            assertThat(p.isAlive()).isFalse();
            assertThatThrownBy(() -> p.stdout().read()).hasMessage("Stream closed");
        }
    }

    /** x86_64 only: kill the process on uname(2) (63), allow everything else; checks the arch first. */
    static byte[] killUnameFilter() {
        int[][] prog = {
            {0x20, 0, 0, 4}, // ld arch
            {0x15, 1, 0, 0xC000003E}, // jeq AUDIT_ARCH_X86_64, skip 1
            {0x06, 0, 0, 0x80000000}, // ret KILL_PROCESS
            {0x20, 0, 0, 0}, // ld nr
            {0x15, 0, 1, 63}, // jeq uname
            {0x06, 0, 0, 0x80000000}, // ret KILL_PROCESS
            {0x06, 0, 0, 0x7FFF0000}, // ret ALLOW
        };
        ByteBuffer b = ByteBuffer.allocate(prog.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] i : prog) {
            b.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt(i[3]);
        }
        return b.array();
    }

    @Test
    void seccompKillsABlockedCallAndTheResultSaysSo() throws Exception {
        requireFeature(System.getProperty("os.arch").equals("amd64"), "x86_64 for the hand-assembled filter");
        try (Sandbox filtered = Sandbox.create(builder()
                .seccompProgram(dev.sandbox4j.seccomp.BpfProgram.fromBytes(killUnameFilter()))
                .build())) {
            SandboxResult blocked = filtered.run(List.of("uname", "-a"));
            assertThat(blocked.seccompViolation()).isTrue();
            assertThat(blocked.signalName()).hasValue("SIGSYS");
            assertThat(blocked.blockedSyscall()).isEmpty();
            SandboxResult allowed = filtered.run(List.of("echo", "fine"));
            assertThat(allowed.seccompViolation()).isFalse();
            assertThat(allowed.stdoutText()).isEqualTo("fine\n");
        }
    }

    @Test
    void theMinimalProfileKillsAForbiddenCallAndLeavesAllowedProgramsAlone(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (Sandbox minimal = Sandbox.create(
                builder().seccomp(dev.sandbox4j.seccomp.SeccompProfile.MINIMAL).build())) {
            SandboxResult echo = minimal.run(List.of("echo", "allowed"));
            assertThat(echo.stdoutText()).isEqualTo("allowed\n");
            assertThat(echo.seccompViolation()).isFalse();
            assertThat(minimal.run(List.of("ls", "/")).success()).isTrue();
            // Creating a directory is IO_HEAVY: under MINIMAL the kernel kills mkdir(2)/mkdirat(2).
            SandboxResult mkdir =
                    minimal.run(List.of("mkdir", dir.resolve("forbidden").toString()));
            assertThat(mkdir.seccompViolation()).isTrue();
            assertThat(mkdir.signalName()).hasValue("SIGSYS");
            assertThat(dir.resolve("forbidden")).doesNotExist();
        }
    }

    @Test
    void theEnvironmentIsCleanUnlessPassed() throws Exception {
        assertThat(System.getenv("SANDBOX4J_TEST_SECRET"))
                .as("set by the surefire configuration")
                .isNotNull();
        String clean = sandbox.run(List.of("env")).stdoutText();
        assertThat(clean)
                .doesNotContain("SANDBOX4J_TEST_SECRET")
                .contains("PATH=/usr/local/sbin:", "HOME=/", "LANG=C.UTF-8");
        try (Sandbox passing = Sandbox.create(
                builder().passEnv("SANDBOX4J_TEST_SECRET").env("X", "1").build())) {
            assertThat(passing.run(List.of("env")).stdoutText()).contains("SANDBOX4J_TEST_SECRET=do-not-leak", "X=1");
        }
    }

    @Test
    void theJvmsDescriptorsAreNotVisible() throws Exception {
        String fds = sandbox.run(List.of("ls", "/proc/self/fd")).stdoutText();
        Set<String> seen =
                Arrays.stream(fds.split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        // 0-2 and the directory ls itself is reading
        assertThat(seen).isSubsetOf("0", "1", "2", "3");
    }

    @Test
    void stdinFromBytesAndFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThat(sandbox.run(List.of("cat"), Input.text("abc")).stdoutText()).isEqualTo("abc");
        assertThat(sandbox.run(List.of("cat")).stdoutText())
                .as("no stdin by default")
                .isEmpty();
        Path file = Files.writeString(dir.resolve("in.txt"), "from a file");
        assertThat(sandbox.run(List.of("cat"), Input.file(file)).stdoutText()).isEqualTo("from a file");
        // A program that never reads its input must not hang the run.
        assertThat(sandbox.run(List.of("/bin/true"), Input.bytes(new byte[1 << 20]))
                        .success())
                .isTrue();
    }

    @Test
    void outputBeyondTheLimitIsDroppedAndFlagged() throws Exception {
        try (Sandbox limited =
                Sandbox.create(builder().stdout(Output.capture(1000)).build())) {
            SandboxResult r = limited.run(List.of("head", "-c", "5000000", "/dev/zero"));
            assertThat(r.stdout()).hasSize(1000);
            assertThat(r.stdoutTruncated()).isTrue();
            assertThat(r.stderrTruncated()).isFalse();
            assertThat(r.exitCode()).hasValue(0);
        }
    }

    @Test
    void aProcessLeftRunningDiesWithTheSandboxBeforeTheResultReturns() throws Exception {
        // The launcher reports the program's exit before init has taken the namespaces down; the result must still
        // wait for that: the background sleep (which holds stdout) is gone, and its cgroup with it, on return.
        try (Sandbox limited = Sandbox.create(builder().memoryLimit(64L << 20).build())) {
            SandboxResult r = limited.run(List.of("/bin/sh", "-c", "sleep 964 & echo started"));
            assertThat(r.exitCode()).hasValue(0);
            assertThat(r.stdoutText()).isEqualTo("started\n");
            assertThat(sleepers("964")).as("the background process, at once").isEmpty();
            assertThat(KernelTestSupport.ownSandboxCgroups())
                    .as("the run's cgroups, at once")
                    .isEmpty();
        }
    }

    @Test
    void outputThatComesLateAndInBulkIsCapturedWhole() throws Exception {
        // Quiet at first, so that captured pipes are looked at less and less often, then far more than a pipe
        // holds, on both streams: nothing may be lost, and the program must not wait for its reader for long
        // (3 MB at one pipe's worth per look would take over two seconds).
        SandboxResult r = sandbox.run(List.of(
                "/bin/sh", "-c", "sleep 0.3; head -c 3000000 /dev/zero; head -c 200000 /dev/zero >&2; echo end"));
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.stdout()).hasSize(3_000_004);
        assertThat(r.stdoutText()).endsWith("end\n");
        assertThat(r.stderr()).hasSize(200_000);
        assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void rlimitsAreLoweredForTheWorkload() throws Exception {
        try (Sandbox limited = Sandbox.create(builder()
                .memoryLimit(64L << 20)
                .rlimits(dev.sandbox4j.cgroup.RlimitConfig.builder()
                        .openFiles(64)
                        .build())
                .build())) {
            String out = limited.run(List.of("/bin/sh", "-c", "ulimit -n; ulimit -d; ulimit -c"))
                    .stdoutText();
            // Memory is an rlimit (DATA) only where no memory cgroup holds it.
            String data =
                    limited.config().memoryLimitMechanism().orElseThrow() == dev.sandbox4j.exec.LimitMechanism.RLIMIT
                            ? Long.toString(64 << 10)
                            : "unlimited";
            assertThat(out.lines()).containsExactly("64", data, "0");
        }
    }

    @Test
    void manySequentialAndConcurrentRunsLeaveNothingBehind() throws Exception {
        for (int i = 0; i < 200; i++) {
            assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<SandboxResult>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                results.add(pool.submit(() -> sandbox.run(List.of("/bin/sh", "-c", "echo " + n + "; exit " + n))));
            }
            for (int i = 0; i < 20; i++) {
                SandboxResult r = results.get(i).get();
                assertThat(r.exitCode()).hasValue(i);
                assertThat(r.stdoutText()).isEqualTo(i + "\n");
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void theSandboxDiesWithItsJvm() throws Exception {
        Process jvm = new ProcessBuilder(
                        KernelTestSupport.javaMain(StartAndHang.class, "975", Boolean.toString(forkServer)))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<ProcessHandle> launchers;
        try (var out = new java.io.BufferedReader(
                new java.io.InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("started");
            assertThat(sleepers("975")).as("the sandboxed sleep runs").isNotEmpty();
            // The fork server and the run's launcher (or only the launcher, without a fork server).
            launchers = jvm.descendants()
                    .filter(p -> p.info().command().orElse("").contains("sandbox4j-launcher"))
                    .toList();
            assertThat(launchers).as("the JVM's launchers").isNotEmpty();
            assertThat(launchers.stream()
                            .anyMatch(p -> p.info()
                                    .arguments()
                                    .map(a -> a[0].equals("--serve"))
                                    .orElse(false)))
                    .as("a fork server among them")
                    .isEqualTo(forkServer);
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            jvm.waitFor();
        }
        // The launcher notices at once (control socket EOF), but reaping init and exiting takes it a moment:
        // wait for it rather than catch it orphaned mid-exit on a loaded machine.
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while ((!sleepers("975").isEmpty() || launchers.stream().anyMatch(ProcessHandle::isAlive))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sleepers("975"))
                .as("launcher, init and workload are gone with the JVM")
                .isEmpty();
        assertThat(launchers.stream().filter(ProcessHandle::isAlive))
                .as("no orphaned fork server or launcher")
                .isEmpty();
        KernelTestSupport.assertTheNextJvmCleansUpAfter(jvm.pid());
    }

    private static List<String> sleepers(String marker) {
        return ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("sleep " + marker))
                .collect(Collectors.toList());
    }

    @Test
    void anInterruptedRunKillsItsSandboxAndThrows() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                sandbox.run(List.of("sleep", "974"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        runner.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sleepers("974").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        runner.interrupt();
        runner.join(3000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(sleepers("974")).isEmpty();
    }

    @Test
    void closeKillsWhatStillRuns() throws Exception {
        Sandbox closing = Sandbox.create(builder().build());
        SandboxProcess p = closing.start(List.of("sleep", "981"));
        closing.close();
        assertThat(p.isAlive()).isFalse();
        // Not a SIGKILL result, which would blame the program: the sandbox's own close ended it, and says so.
        assertThatThrownBy(p::waitFor)
                .isInstanceOf(dev.sandbox4j.exec.RunAbortedException.class)
                .satisfies(e -> assertThat(((dev.sandbox4j.exec.RunAbortedException) e).reason())
                        .isEqualTo(dev.sandbox4j.exec.RunAbortedException.Reason.SANDBOX_CLOSED));
        assertThatThrownBy(() -> closing.run(List.of("/bin/true"))).isInstanceOf(IllegalStateException.class);
    }

    private static String value(List<String> lines, String key) {
        return lines.stream()
                .filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in " + lines));
    }
}
