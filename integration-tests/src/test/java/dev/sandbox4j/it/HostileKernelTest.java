package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The adversarial suite: real attack programs ({@code hostile/attack.c}) against the sandbox. Each attack is first
 * calibrated, shown to work where that is safe (on the host as this JVM's user, in a private mount or UTS namespace
 * of the host, or in a deliberately weaker sandbox), so that a refusal inside means the sandbox refused it; then
 * it is run inside and must be refused (the program's status 3, or a seccomp kill), with the host checked where the
 * attack would have changed it. Runs as root and, through {@link UnprivilegedKernelTest}, as uid 65534, where the
 * calibrations that need root are left out and the containment is still asserted.
 *
 * <p>Each attack here is first shown to work outside the sandbox; the newer surfaces have suites of their own
 * ({@link NetworkHostileKernelTest}, {@link NetworkGuardKernelTest}, {@link PrewarmHostileKernelTest},
 * {@link SeccompLearnHostileKernelTest}).
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class HostileKernelTest {
    static HostileFixture fx;
    /** Set in this JVM's environment by the build (surefire's configuration), and so in its fork server's. */
    static final String SECRET_VARIABLE = "SANDBOX4J_TEST_SECRET";

    @BeforeAll
    static void setUp() throws Exception {
        try (Sandbox probe = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(probe, "user namespaces (all seven namespaces for an unprivileged user)");
        }
        assertThat(System.getenv(SECRET_VARIABLE))
                .as("set by the surefire configuration")
                .isNotNull();
        fx = HostileFixture.create();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (fx != null) {
            fx.close();
        }
    }

    /** The sandbox an attack runs in. */
    enum Setting {
        /** The strict preset's shape: the default view, MINIMAL seccomp, memory and pids limits. */
        STRICT,
        /** The same view and limits without seccomp: namespaces, capabilities and mounts alone must hold. */
        NAMESPACES,
        /** The NETWORK profile (sockets allowed) in the default view. */
        NETWORK,
        /** The weakest documented view: the host's files as the sandbox's host uid sees them, no seccomp. */
        HOST_FILES
    }

    static SandboxBuilder builder(Setting setting) {
        SandboxBuilder b =
                SandboxConfig.builder().timeout(Duration.ofSeconds(30)).memoryLimit(256L << 20);
        if (setting != Setting.HOST_FILES) {
            b.filesystem(FilesystemView.defaults()
                    .roBind(fx.binDir, Path.of("/attack"))
                    .roBind(fx.data, Path.of("/data"))
                    .bind(fx.work, Path.of("/work"))
                    .build());
        }
        if (setting == Setting.STRICT) {
            b.seccomp(SeccompProfile.MINIMAL);
        } else if (setting == Setting.NETWORK) {
            b.seccomp(SeccompProfile.NETWORK);
        }
        return b;
    }

    /** Paths and ids as an attack sees them: on the host for a calibration, inside for the real run. */
    record Where(String bin, String secret, String marker, String data, String work, String tmp, String init) {
        static Where host() {
            return new Where(
                    fx.bin.toString(),
                    fx.secret.toString(),
                    fx.secretText,
                    fx.calib.toString(),
                    fx.calib.toString(),
                    fx.calib.toString(),
                    Long.toString(fx.sleeperPid));
        }

        static Where inside(Setting setting) {
            if (setting == Setting.HOST_FILES) {
                return new Where(
                        fx.bin.toString(),
                        fx.secret.toString(),
                        fx.secretText,
                        fx.data.toString(),
                        fx.work.toString(),
                        "/tmp",
                        "1");
            }
            return new Where("/attack/attack", fx.secret.toString(), fx.secretText, "/data", "/work", "/tmp", "1");
        }
    }

    /** How an attack is shown to work before it is shown not to. */
    interface Calibration {
        /** Runs the attack where it must succeed; null when this caller cannot (a calibration that needs root). */
        Outcome run(Attack attack) throws Exception;
    }

    record Outcome(int status, String output) {}

    /** What the run inside must come to, beyond "not escaped". */
    interface Containment {
        void check(SandboxResult result, String output) throws Exception;
    }

    record Attack(
            String name,
            Setting setting,
            Function<Where, List<String>> args,
            Calibration calibration,
            Containment containment,
            UnaryOperator<SandboxBuilder> tune) {
        Attack {
            containment = containment == null ? Attack::refused : containment;
            tune = tune == null ? UnaryOperator.identity() : tune;
        }

        /** The attack said it was refused (status 3), or seccomp killed it: anything else fails. */
        static void refused(SandboxResult r, String output) {
            if (r.seccompViolation()) {
                return;
            }
            assertThat(r.exitCode())
                    .as("the attack's status (0 escaped, 3 refused, 4 broken): " + output + r)
                    .hasValue(3);
        }

        Attack containedWhen(Containment check) {
            return new Attack(name, setting, args, calibration, check, tune);
        }

        Attack tuned(UnaryOperator<SandboxBuilder> how) {
            return new Attack(name, setting, args, calibration, containment, how);
        }
    }

    private static Attack attack(
            String name, Setting setting, Calibration calibration, Function<Where, List<String>> args) {
        return new Attack(name, setting, args, calibration, null, null);
    }

    private static List<String> cmd(Where w, String... args) {
        List<String> command = new ArrayList<>();
        command.add(w.bin());
        command.addAll(List.of(args));
        return command;
    }

    // --- calibrations ---

    /** On the host, as this JVM's user. */
    static Calibration onHost() {
        return a -> hostRun(a.args().apply(Where.host()), Map.of());
    }

    /** On the host as root (a calibration only a root caller can make). */
    static Calibration onHostAsRoot() {
        return a -> fx.root ? hostRun(a.args().apply(Where.host()), Map.of()) : null;
    }

    /** As root in new namespaces of the host ({@code unshare} options), after an optional shell preparation. */
    static Calibration inUnshare(String options, String preparation) {
        return a -> {
            if (!fx.root) {
                return null;
            }
            String attack = String.join(" ", a.args().apply(Where.host()));
            return hostRun(
                    List.of(
                            "unshare",
                            options,
                            "/bin/sh",
                            "-c",
                            (preparation.isEmpty() ? "" : preparation + " && ") + "exec " + attack),
                    Map.of());
        };
    }

    /** In a sandbox of a weaker setting (or the same one tuned weaker): shows what the stronger one takes away. */
    static Calibration inSandbox(Setting weaker, UnaryOperator<SandboxBuilder> tune) {
        return a -> {
            SandboxResult r = runInside(a, weaker, tune);
            return new Outcome(r.exitCode().orElse(128 + r.signal().orElse(0)), r.stdoutText() + r.stderrText());
        };
    }

    static Outcome hostRun(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(command + " ended").isTrue();
        return new Outcome(p.exitValue(), out);
    }

    static SandboxResult runInside(Attack a, Setting setting, UnaryOperator<SandboxBuilder> tune) throws Exception {
        try (Sandbox sandbox = Sandbox.create(tune.apply(builder(setting)).build())) {
            return sandbox.run(a.args().apply(Where.inside(setting)));
        }
    }

    // --- the attacks ---

    static List<Attack> attacks() {
        List<Attack> all = new ArrayList<>();
        Setting ns = Setting.NAMESPACES;
        Setting strict = Setting.STRICT;
        UnaryOperator<SandboxBuilder> same = UnaryOperator.identity();

        // Escaping the mount view.
        all.add(attack(
                "proc-pid-root-of-init",
                ns,
                onHostAsRoot(),
                w -> cmd(w, "readfile", "/proc/" + w.init() + "/root" + w.secret(), w.marker())));
        all.add(attack("proc-root-cwd-and-fd-links", ns, onHost(), w -> cmd(w, "proclinks", w.secret(), w.marker())));
        all.add(attack("chroot-breakout", ns, onHostAsRoot(), w -> cmd(w, "chroot", w.tmp(), w.secret(), w.marker())));
        all.add(attack("mount-tmpfs-or-bind-root", ns, inUnshare("-m", ""), w -> cmd(w, "mount", w.tmp())));
        all.add(attack("umount-to-uncover-the-host", ns, inUnshare("-m", ""), w -> cmd(w, "umount")));
        all.add(attack(
                "pivot-root",
                ns,
                inUnshare("-m", "mount --bind " + fx.calib + " " + fx.calib),
                w -> cmd(w, "pivotroot", w.tmp().equals("/tmp") ? "/" : w.tmp())));
        all.add(attack(
                        "remount-read-only-bind-writable",
                        ns,
                        inUnshare("-m", "mount --bind -o ro " + fx.calib + " " + fx.calib),
                        w -> cmd(w, "remount", w.data()))
                .containedWhen((r, out) -> {
                    Attack.refused(r, out);
                    assertThat(fx.data.resolve("written-after-remount")).doesNotExist();
                }));
        all.add(attack("new-mount-api-fsopen", ns, onHostAsRoot(), w -> cmd(w, "fsopen")));
        all.add(attack("open-by-handle-shocker", ns, onHostAsRoot(), w -> cmd(w, "handleopen", handle(), w.marker())));
        all.add(attack(
                "symlink-to-a-host-file", ns, onHost(), w -> cmd(w, "symlink", w.secret(), w.tmp(), w.marker())));
        all.add(attack(
                        "hard-link-out-of-a-read-only-bind",
                        ns,
                        onHost(),
                        w -> cmd(w, "hardlink", w.data() + "/victim", w.work()))
                .containedWhen(HostileKernelTest::victimIntact));
        all.add(attack(
                "dot-dot-through-a-bind",
                ns,
                onHost(),
                w -> cmd(w, "readfile", w.data() + "/../../../../../.." + w.secret(), w.marker())));
        all.add(attack(
                        "write-chmod-chown-rename-a-read-only-bind",
                        ns,
                        onHost(),
                        w -> cmd(w, "writero", w.data() + "/victim"))
                .containedWhen(HostileKernelTest::victimIntact));

        // Host processes.
        all.add(attack("see-a-host-process", ns, onHost(), w -> cmd(w, "findproc", "sleep " + fx.sleeperMarker)));
        all.add(attack(
                        "signal-a-host-process-and-kill-minus-one",
                        ns,
                        onHost(),
                        w -> w.init().equals("1")
                                ? cmd(w, "signal", Long.toString(fx.sleeperPid), "killall")
                                : cmd(w, "signal", Long.toString(fx.sleeperPid)))
                .containedWhen((r, out) -> {
                    Attack.refused(r, out);
                    assertThat(fx.sleeperAlive())
                            .as("the host process of the sandbox's own uid")
                            .isTrue();
                }));
        all.add(attack("ptrace-init", ns, onHost(), w -> cmd(w, "ptrace", w.init())));
        all.add(attack(
                "ptrace-the-fork-server",
                ns,
                onHost(),
                w -> cmd(w, "ptrace", w.init().equals("1") ? Long.toString(forkServerPid()) : w.init())));
        all.add(attack("write-init-memory", ns, onHost(), w -> cmd(w, "procmem", w.init())));
        all.add(attack(
                "read-the-jvms-secrets-from-environments",
                ns,
                a -> hostRun(a.args().apply(Where.host()), Map.of(SECRET_VARIABLE, System.getenv(SECRET_VARIABLE))),
                w -> cmd(w, "environ", System.getenv(SECRET_VARIABLE))));
        all.add(attack(
                "descriptors-leaked-from-the-jvm",
                ns,
                a -> hostRun(List.of("/bin/sh", "-c", "exec 7</dev/null; exec " + fx.bin + " fdscan"), Map.of()),
                w -> cmd(w, "fdscan")));

        // Sockets and the network.
        all.add(attack("connect-to-the-control-socket", Setting.NETWORK, onHost(), w -> cmd(w, "control", w.init())));
        all.add(attack(
                "host-abstract-unix-socket",
                Setting.NETWORK,
                onHost(),
                w -> cmd(w, "connectunix", "@" + fx.abstractSocket)));
        all.add(attack(
                "host-loopback-tcp-service",
                Setting.NETWORK,
                onHost(),
                w -> cmd(w, "connecttcp", "127.0.0.1", Integer.toString(fx.port), "HOST-OK")));
        all.add(attack("raw-packet-socket", ns, onHostAsRoot(), w -> cmd(w, "packet")));

        // Namespaces.
        all.add(attack("setns-into-other-namespaces", ns, onHostAsRoot(), w -> cmd(w, "setns", w.init())));
        all.add(attack("nested-user-namespace-by-unshare", strict, inSandbox(ns, same), w -> cmd(w, "unshareuser")));
        all.add(attack("nested-user-namespace-by-clone", strict, inSandbox(ns, same), w -> cmd(w, "clonenewuser")));
        all.add(attack("nested-user-namespace-by-clone3", strict, inSandbox(ns, same), w -> cmd(w, "clone3newuser")));

        // Capabilities.
        all.add(attack("capset-raise", ns, onHostAsRoot(), w -> cmd(w, "capset")));
        all.add(attack("ambient-capability-prctl", ns, onHostAsRoot(), w -> cmd(w, "ambient")));

        // Kernel surface the profiles close.
        all.add(attack("tioclinux", strict, inSandbox(ns, same), w -> cmd(w, "tioclinux")));
        all.add(attack("io-uring", strict, onHost(), w -> cmd(w, "iouring")));
        all.add(attack("userfaultfd", strict, onHost(), w -> cmd(w, "userfaultfd")));
        all.add(attack("bpf", strict, onHostAsRoot(), w -> cmd(w, "bpf")));
        all.add(attack("perf-event-open", strict, onHost(), w -> cmd(w, "perf")));
        all.add(attack("keyring", strict, onHost(), w -> cmd(w, "keyring")));
        all.add(attack("personality-aslr-off", strict, onHost(), w -> cmd(w, "personality")));
        all.add(attack("x32-system-call", strict, inSandbox(ns, same), w -> cmd(w, "x32"))
                .containedWhen(
                        (r, out) -> assertThat(r.seccompViolation()).as(out + r).isTrue()));
        all.add(attack("int-0x80-32-bit-mkdir", strict, onHost(), w -> cmd(w, "int80", w.tmp() + "/int80-dir"))
                .containedWhen(
                        (r, out) -> assertThat(r.seccompViolation()).as(out + r).isTrue()));

        // Privileged kernel operations (each probes past the permission check only).
        // This kernel may lack kexec and modules (ENOSYS): the calibration shows the call reaches the kernel.
        all.add(attack("kexec-load", strict, inSandbox(ns, same), w -> cmd(w, "kexec")));
        all.add(attack("reboot", ns, onHostAsRoot(), w -> cmd(w, "reboot")));
        all.add(attack("load-a-kernel-module", strict, inSandbox(ns, same), w -> cmd(w, "module")));
        all.add(attack("read-the-kernel-log", ns, onHostAsRoot(), w -> cmd(w, "syslog")));
        all.add(attack("swapoff", ns, onHostAsRoot(), w -> cmd(w, "swapoff")));
        all.add(attack("process-accounting", ns, onHostAsRoot(), w -> cmd(w, "acct")));
        all.add(attack("set-the-clock", ns, onHostAsRoot(), w -> cmd(w, "clock")));
        all.add(attack(
                "host-device-files",
                ns,
                onHostAsRoot(),
                w -> cmd(w, "openany", "/dev/kmsg", "/dev/vda", "/dev/sda", "/dev/mem", "/dev/port")));
        all.add(attack("mknod-a-device", ns, onHostAsRoot(), w -> cmd(w, "mknod", w.tmp())));
        all.add(attack(
                "write-core-pattern",
                Setting.HOST_FILES,
                onHostAsRoot(),
                w -> cmd(w, "writeback", "/proc/sys/kernel/core_pattern")));
        all.add(attack(
                "write-sysfs",
                Setting.HOST_FILES,
                onHostAsRoot(),
                w -> cmd(w, "writeback", "/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan")));
        all.add(attack("move-into-the-root-cgroups", Setting.HOST_FILES, onHostAsRoot(), w -> cmd(w, "cgroupprocs")));
        all.add(attack(
                        "hostname-leaking-to-the-host",
                        ns,
                        inUnshare("-u", ""),
                        w -> cmd(w, "hostname", "pwned-" + fx.unique))
                .containedWhen((r, out) -> {
                    Attack.refused(r, out);
                    assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")))
                            .doesNotContain("pwned");
                }));

        // Resources: each bomb is bounded, and the calibration shows the limit, not the bomb, stops it.
        all.add(attack(
                        "fork-bomb-under-a-pids-limit",
                        ns,
                        inSandbox(ns, b -> b.pidsLimit(1024)),
                        w -> cmd(w, "bombpids", "200"))
                .tuned(b -> b.pidsLimit(32)));
        all.add(attack(
                        "memory-bomb-under-a-memory-limit",
                        ns,
                        inSandbox(ns, b -> b.memoryLimit(1L << 30)),
                        w -> cmd(w, "bombmem", "384"))
                .tuned(b -> b.memoryLimit(64L << 20))
                .containedWhen((r, out) -> {
                    if (r.signal().isPresent()) {
                        assertThat(r.signalName()).as(out + r).hasValue("SIGKILL");
                        assertThat(r.oomKilled())
                                .as("killed by the OOM killer, not something else: " + r)
                                .isTrue();
                    } else {
                        Attack.refused(r, out);
                    }
                }));
        all.add(attack(
                        "disk-fill-under-a-file-size-limit",
                        ns,
                        inSandbox(ns, same),
                        w -> cmd(w, "bombdisk", w.work() + "/fill", "32"))
                .tuned(b -> b.rlimits(RlimitConfig.builder().fileSize(4L << 20).build())));

        // Outliving the run, and the run's own machinery.
        String daemon = "901." + fx.unique;
        all.add(attack(
                        "daemon-outliving-the-run",
                        ns,
                        a -> {
                            Outcome o = hostRun(a.args().apply(Where.host()), Map.of());
                            boolean survived = awaitProcesses("sleep " + daemon, true);
                            HostileFixture.processesWith("sleep " + daemon).forEach(ProcessHandle::destroyForcibly);
                            return new Outcome(survived ? o.status() : 99, o.output() + " survived=" + survived);
                        },
                        w -> cmd(w, "daemon", daemon))
                .containedWhen((r, out) -> {
                    assertThat(r.exitCode()).as(out).hasValue(0);
                    assertThat(awaitProcesses("sleep " + daemon, false))
                            .as("the daemon is gone with the run")
                            .isTrue();
                }));
        String sabotage = "902." + fx.unique;
        all.add(attack(
                        "kill-the-timeout-machinery",
                        ns,
                        a -> {
                            Process sh = new ProcessBuilder(
                                            "/bin/sh",
                                            "-c",
                                            String.join(" ", a.args().apply(Where.host())) + "; echo survived")
                                    .redirectErrorStream(true)
                                    .start();
                            boolean parentKilled = sh.waitFor(10, TimeUnit.SECONDS) && sh.exitValue() == 128 + 9;
                            sh.getInputStream().close();
                            awaitProcesses("antitimeout " + sabotage, true);
                            HostileFixture.processesWith(sabotage).forEach(ProcessHandle::destroyForcibly);
                            return new Outcome(parentKilled ? 0 : 1, "parent killed: " + parentKilled);
                        },
                        w -> w.init().equals("1")
                                ? cmd(w, "antitimeout", sabotage, "1")
                                : cmd(w, "antitimeout", sabotage))
                .tuned(b -> b.timeout(Duration.ofSeconds(2)))
                .containedWhen((r, out) -> {
                    assertThat(r.timedOut())
                            .as("the timeout still fired: " + out + r)
                            .isTrue();
                    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(8));
                    assertThat(awaitProcesses(sabotage, false))
                            .as("nothing of it left")
                            .isTrue();
                }));

        if (fx.root) {
            // A root caller can make setuid-root and file-capability programs; an unprivileged one cannot.
            all.add(attack(
                    "setuid-root-program",
                    ns,
                    asNobody("suid-attack"),
                    w -> List.of("/attack/suid-attack", "privread", "/data/rootonly", fx.secretText)));
            all.add(attack(
                    "file-capability-program",
                    ns,
                    asNobody("fcap-attack"),
                    w -> List.of("/attack/fcap-attack", "privread", "/data/rootonly", fx.secretText)));
        }
        return all;
    }

    /** Calibration of a privileged program: run by uid 65534 on the host, it reads the root-only file. */
    static Calibration asNobody(String program) {
        return a -> hostRun(
                List.of(
                        "setpriv",
                        "--reuid=" + HostileFixture.NOBODY,
                        "--regid=" + HostileFixture.NOBODY,
                        "--clear-groups",
                        fx.binDir.resolve(program).toString(),
                        "privread",
                        fx.data + "/rootonly",
                        fx.secretText),
                Map.of());
    }

    static void prepareSetuidPrograms() throws Exception {
        if (!fx.root || Files.exists(fx.binDir.resolve("suid-attack"))) {
            return;
        }
        Files.writeString(fx.data.resolve("rootonly"), fx.secretText);
        Files.setPosixFilePermissions(
                fx.data.resolve("rootonly"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path suid = Files.copy(fx.bin, fx.binDir.resolve("suid-attack"));
        HostileFixture.run(List.of("chmod", "4755", suid.toString()));
        Path fcap = Files.copy(fx.bin, fx.binDir.resolve("fcap-attack"));
        Files.setPosixFilePermissions(fcap, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        HostileFixture.run(List.of(fx.bin.toString(), "setfcap", fcap.toString()));
    }

    private static String handle;

    /** The file handle of the secret, taken on the host (root may; the "shocker" attack replays it inside). */
    static synchronized String handle() {
        if (handle == null) {
            try {
                handle = fx.root
                        ? HostileFixture.run(List.of(fx.bin.toString(), "handlegen", fx.secret.toString()))
                        : "1:0000000000000000";
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return handle;
    }

    static long forkServerPid() {
        return ForkServerProbe.server().map(ProcessHandle::pid).orElse(1L);
    }

    static void victimIntact(SandboxResult r, String out) throws IOException {
        Attack.refused(r, out);
        assertThat(fx.victim).exists();
        assertThat(Files.readString(fx.victim)).isEqualTo("ORIGINAL");
        assertThat(Files.getPosixFilePermissions(fx.victim))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    /** Waits up to 3 s for processes with {@code marker} to exist ({@code present}) or to be gone. */
    static boolean awaitProcesses(String marker, boolean present) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (HostileFixture.processesWith(marker).isEmpty() != present) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @TestFactory
    Stream<DynamicTest> everyAttackIsCalibratedThenContained() throws Exception {
        prepareSetuidPrograms();
        List<Attack> all = attacks();
        assertThat(all.stream().map(Attack::name).distinct().count())
                .as("distinct attacks")
                .isGreaterThanOrEqualTo(fx.root ? 57 : 55);
        return all.stream()
                .map(a -> DynamicTest.dynamicTest(a.name(), () -> {
                    Outcome calibration = a.calibration().run(a);
                    if (calibration != null) {
                        assertThat(calibration.status())
                                .as("calibration: the attack works outside: " + calibration.output())
                                .isZero();
                    }
                    SandboxResult r = runInside(a, a.setting(), a.tune());
                    System.out.println("[hostile] " + a.name()
                            + (calibration == null ? " (not calibrated by this user)" : "") + ": "
                            + (r.stdoutText() + r.stderrText()).strip() + " " + r.exitCode() + r.signalName());
                    a.containment().check(r, r.stdoutText() + r.stderrText());
                }));
    }

    // --- through sandbox-ctl ---

    /** sandbox-ctl's own command line for {@code args}, in a JVM of its own. */
    static List<String> sandboxCtl(String... args) {
        return SandboxCtlProcess.command(List.of(args));
    }

    /**
     * Runs {@code command} on a terminal of its own ({@code script}), as a user's shell would run sandbox-ctl: the
     * sandbox inherits the terminal, and TIOCSTI would type into it.
     */
    static Outcome onATerminal(List<String> command) throws Exception {
        StringBuilder quoted = new StringBuilder();
        for (String arg : command) {
            quoted.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        Process p = new ProcessBuilder("script", "-qec", quoted.toString().strip(), "/dev/null")
                .directory(fx.binDir.toFile())
                .redirectErrorStream(true)
                .start();
        String out;
        try (OutputStream keepOpen = p.getOutputStream();
                InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), out);
    }

    @Test
    void terminalInjectionThroughSandboxCtlIsRefusedAlsoWithHighBitsOnTheRequest() throws Exception {
        KernelTestSupport.requireFeature(Files.isExecutable(Path.of("/usr/bin/script")), "script (util-linux)");
        for (String variant : List.of("plain", "highbits")) {
            Outcome host = onATerminal(List.of(fx.bin.toString(), "tiocsti", variant));
            assertThat(host.output())
                    .as("calibration: TIOCSTI types into a terminal outside")
                    .contains("ESCAPED");
            Outcome inside = onATerminal(
                    sandboxCtl("--ro-bind", fx.binDir.toString(), "--", fx.bin.toString(), "tiocsti", variant));
            assertThat(inside.output())
                    .as("sandbox-ctl, strict preset")
                    .contains("REFUSED: TIOCSTI")
                    .doesNotContain("ESCAPED");
            assertThat(inside.status()).isEqualTo(3);
        }
    }

    @Test
    void sandboxCtlsPresetsContainProcessAndSocketAttacks() throws Exception {
        // The CLI binds nothing unasked: the fixture's directory, where the program is, is bound read-only.
        for (List<String> attack : List.of(
                List.of("findproc", "sleep " + fx.sleeperMarker),
                List.of("proclinks", fx.secret.toString(), fx.secretText),
                List.of("control", "1"),
                List.of("signal", Long.toString(fx.sleeperPid), "killall"))) {
            for (String preset : List.of("strict", "moderate")) {
                List<String> command = new ArrayList<>(
                        List.of("-P", preset, "--ro-bind", fx.binDir.toString(), "--", fx.bin.toString()));
                command.addAll(attack);
                Outcome r = runCli(command);
                assertThat(r.output())
                        .as(preset + " " + attack)
                        .contains("REFUSED")
                        .doesNotContain("ESCAPED");
                assertThat(r.status()).isEqualTo(3);
            }
        }
        assertThat(fx.sleeperAlive()).isTrue();
    }

    static Outcome runCli(List<String> args) throws Exception {
        Process p = new ProcessBuilder(sandboxCtl(args.toArray(String[]::new)))
                .directory(fx.binDir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), out);
    }
}
