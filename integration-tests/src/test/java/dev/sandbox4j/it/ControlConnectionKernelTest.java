package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.LauncherProbe;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cross-sandbox takeover of a run's control connection, attacked for real: a process of the caller's uid that
 * is not the JVM (another run's workload, or anything else of that user) finds a control socket and connects
 * first. Against the old mechanism (the JVM listening and taking the first connection) it read the launch plan,
 * secrets included; now the launcher and the fork server hang up on anybody but their parent, forked launchers
 * get their connection as a descriptor with no name at all, and the run directory is out of every sandbox's
 * sight.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class ControlConnectionKernelTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SECRET = "SANDBOX4J_TEST_SECRET=do-not-leak";

    /**
     * The attacker: "once PATH" connects to PATH and prints what it reads ("eof N" when the peer hung up after N
     * bytes, "open N" when the connection was kept open, then the bytes); "watch DIR SECONDS MARK" connects to
     * every socket whose name contains MARK (this JVM's: other JVMs of the user are none of this test's business)
     * that appears in DIR meanwhile and prints "connects N bytes M".
     */
    private static final String ATTACKER = String.join(
            "\n",
            "import os, socket, stat, sys, time",
            "def grab(path, wait):",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.settimeout(wait)",
            "    s.connect(path)",
            "    data, state = b'', 'open'",
            "    try:",
            "        while True:",
            "            b = s.recv(65536)",
            "            if not b:",
            "                state = 'eof'",
            "                break",
            "            data += b",
            "    except (socket.timeout, ConnectionResetError):",
            "        pass",
            "    s.close()",
            "    return state, data",
            "if sys.argv[1] == 'first':",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.connect(sys.argv[2])",
            "    print('connected', flush=True)",
            "    s.settimeout(5.0)",
            "    b = s.recv(65536)",
            "    sys.stdout.write('eof 0 ' if not b else 'read %d %s' % (len(b), b.decode('latin-1')))",
            "elif sys.argv[1] == 'once':",
            "    state, data = grab(sys.argv[2], 2.0)",
            "    sys.stdout.write('%s %d %s' % (state, len(data), data.decode('latin-1')))",
            "else:",
            "    end, connects, got = time.time() + float(sys.argv[3]), 0, 0",
            "    while time.time() < end:",
            "        for name in os.listdir(sys.argv[2]):",
            "            if sys.argv[4] not in name:",
            "                continue",
            "            p = os.path.join(sys.argv[2], name)",
            "            try:",
            "                if not stat.S_ISSOCK(os.lstat(p).st_mode):",
            "                    continue",
            "                state, data = grab(p, 0.2)",
            "                connects += 1",
            "                got += len(data)",
            "            except OSError:",
            "                pass",
            "    sys.stdout.write('connects %d bytes %d' % (connects, got))");

    @Test
    void aStrangerWhoConnectsToALaunchersSocketFirstGetsNothing() throws Exception {
        requireFeature(Files.isExecutable(PYTHON), "python3 for the attacking process");
        // Calibration: the old mechanism, a listener of the JVM taking the first connection and sending the plan.
        Path old = socketPath("old-");
        try (ServerSocketChannel jvm = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            jvm.bind(UnixDomainSocketAddress.of(old));
            Process attacker = attacker("once", old.toString());
            try (SocketChannel first = jvm.accept()) {
                first.write(ByteBuffer.wrap(("plan: " + SECRET).getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(output(attacker))
                    .as("the attack works against a listener that takes anyone")
                    .startsWith("eof")
                    .contains(SECRET);
        } finally {
            Files.deleteIfExists(old);
        }

        // The launcher started per run listens and takes only its parent: the stranger is hung up on.
        Path socket = socketPath("att-");
        Process launcher = new ProcessBuilder(LauncherProbe.launcher().toString(), "--echo", socket.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            awaitSocket(socket, launcher);
            Process attacker = attacker("once", socket.toString());
            assertThat(output(attacker)).as("what the stranger read").isEqualTo("eof 0 ");
            assertThat(launcher.isAlive())
                    .as("the launcher still waits for its parent")
                    .isTrue();
            // The JVM, its parent, is served: a plan of an unknown version is refused in a setup error frame.
            try (SocketChannel jvm = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ByteBuffer plan = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                plan.putInt(4).putShort((short) 1).putShort((short) 0x7fff).flip();
                jvm.write(plan);
                ByteBuffer header = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
                while (header.hasRemaining() && jvm.read(header) >= 0) {
                    // until the frame header is in
                }
                assertThat(header.getShort(4)).as("SETUP_ERROR").isEqualTo((short) 18);
            }
            assertThat(launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            launcher.destroyForcibly().waitFor();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void aStrangerAtTheListenerOfAForkedLaunchersPairIsHungUpOn() throws Exception {
        requireFeature(Files.isExecutable(PYTHON), "python3 for the attacking process");
        Process[] attacker = new Process[1];
        // The stranger connects while the pair's listener lives (for microseconds in real life), before the JVM.
        long peer = LauncherProbe.pairWithStranger(socket -> {
            try {
                attacker[0] = attacker("first", socket.toString());
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(
                                attacker[0].getInputStream(), StandardCharsets.ISO_8859_1))
                        .readLine();
                assertThat(line).as("the stranger is queued first").isEqualTo("connected");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(peer)
                .as("the launcher's end is connected to this JVM, not to the stranger")
                .isEqualTo(ProcessHandle.current().pid());
        assertThat(output(attacker[0])).as("what the stranger read").isEqualTo("eof 0 ");
    }

    @Test
    void aStrangerCannotTakeTheForkServersOneConnection() throws Exception {
        requireFeature(Files.isExecutable(PYTHON), "python3 for the attacking process");
        Path socket = socketPath("fs-att-");
        Process server = new ProcessBuilder(LauncherProbe.launcher().toString(), "--serve", socket.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            awaitSocket(socket, server);
            // A server that took it would keep the connection open, waiting for SPAWN requests from it.
            assertThat(output(attacker("once", socket.toString())))
                    .as("what the stranger got")
                    .isEqualTo("eof 0 ");
            try (SocketChannel jvm = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(socket)
                        .as("unlinked once the server has its parent's connection")
                        .doesNotExist();
                assertThat(server.isAlive()).isTrue();
            }
            // It ends with that connection, as it does when the JVM goes away.
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isZero();
        } finally {
            server.destroyForcibly().waitFor();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void aProcessWatchingTheRunDirectoryReadsNothingOfConcurrentRuns() throws Exception {
        requireFeature(Files.isExecutable(PYTHON), "python3 for the attacking process");
        Process attacker = attacker(
                "watch",
                LauncherProbe.runDirectory().toString(),
                "4",
                "-" + ProcessHandle.current().pid() + "-");
        for (boolean forkServer : new boolean[] {true, false}) {
            try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                    .forkServer(forkServer)
                    .env("VICTIM_SECRET", "do-not-leak")
                    .timeout(Duration.ofSeconds(20))
                    .build())) {
                requireRunnable(sandbox, "user namespaces");
                for (int i = 0; i < 20; i++) {
                    SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "echo \"$VICTIM_SECRET\""));
                    assertThat(r.exitCode()).hasValue(0);
                    assertThat(r.stdoutText()).isEqualTo("do-not-leak\n");
                }
            }
        }
        String report = output(attacker);
        System.out.println("run-directory watcher: " + report);
        assertThat(report).matches("connects \\d+ bytes 0");
    }

    @Test
    void theCacheAndRunDirectoriesAreOutOfSightInsideASandbox() throws Exception {
        Path cache = LauncherProbe.privateDirectory();
        Path parent = cache.getParent();
        try (Stream<Path> entries = Files.list(cache)) {
            assertThat(entries.count())
                    .as("outside: the launcher and the run directory")
                    .isPositive();
        }
        Path marker = Files.createTempFile(parent, "visible-", ".txt");
        try {
            // The host's tree, with a mount namespace of its own (the default), and a view binding the parent.
            Path inView = Path.of("/parent");
            List<List<Object>> cases = List.of(
                    List.of(SandboxConfig.builder().build(), parent),
                    List.of(
                            SandboxConfig.builder()
                                    .filesystem(FilesystemView.defaults()
                                            .roBind(parent, inView)
                                            .build())
                                    .build(),
                            inView));
            for (List<Object> c : cases) {
                Path seenParent = (Path) c.get(1);
                String script = "ls -A "
                        + seenParent.resolve(cache.getFileName().toString()) + " 2>/dev/null | wc -l; " + "test -e "
                        + seenParent.resolve(marker.getFileName().toString()) + " && echo marker; true";
                try (Sandbox sandbox = Sandbox.create((SandboxConfig) c.get(0))) {
                    SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", script));
                    List<String> lines = r.stdoutText().lines().toList();
                    assertThat(lines.get(0))
                            .as("entries of " + cache + " seen inside")
                            .isEqualTo("0");
                    if (KernelTestSupport.euid() != 0) {
                        // Calibration, where the workload has the caller's rights: the parent itself is in view.
                        assertThat(lines).as("the marker beside the cache").contains("marker");
                    }
                }
            }
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    /**
     * A root caller's program runs as 65534 on the host: the sandbox4j cache of a user with that uid (here
     * /tmp/sandbox4j-65534) is writable to it, and a launcher planted there would run as that user's next sandbox.
     */
    @Test
    void theCachesOfTheWorkloadsOwnHostUidAreOutOfSightToo() throws Exception {
        if (KernelTestSupport.euid() != 0) {
            return; // the workload of a caller that is not root has the caller's own uid: nothing more to hide
        }
        Path nobodysCache = Path.of("/tmp", "sandbox4j-65534");
        boolean made = !Files.exists(nobodysCache);
        if (made) {
            Files.createDirectories(nobodysCache);
            Files.setOwner(
                    nobodysCache,
                    nobodysCache.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("65534"));
        }
        Path marker = nobodysCache.resolve(
                "marker-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.writeString(marker, "x");
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            // Calibration: the directory and the marker are there, for the host's processes.
            assertThat(marker).exists();
            SandboxResult r = sandbox.run(List.of(
                    "/bin/sh",
                    "-c",
                    "id -u; ls -A " + nobodysCache + " | wc -l; " + "touch " + nobodysCache
                            + "/planted 2>/dev/null && echo planted; true"));
            List<String> lines = r.stdoutText().lines().toList();
            assertThat(lines).as(r.toString()).startsWith("0", "0").doesNotContain("planted");
            assertThat(nobodysCache.resolve("planted")).doesNotExist();
        } finally {
            Files.deleteIfExists(marker);
            if (made) {
                Files.deleteIfExists(nobodysCache);
            }
        }
    }

    private static Path socketPath(String prefix) {
        return LauncherProbe.runDirectory()
                .resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static Process attacker(String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON.toString(), "-c", ATTACKER));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        p.getInputStream().close();
        p.getOutputStream().close();
        p.getErrorStream().close();
        assertThat(p.exitValue())
                .as("the attacker's exit status (output: " + out + ")")
                .isZero();
        return out;
    }

    private static void awaitSocket(Path socket, Process owner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            assertThat(owner.isAlive()).as("the launcher is running").isTrue();
            assertThat(System.nanoTime() < deadline).as("the launcher listens").isTrue();
            Thread.sleep(2);
        }
    }
}
