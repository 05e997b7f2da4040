package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks that once succeeded against sandbox4j (cross-run control sockets, unbounded tmpfs, bind sources swapped
 * after validation, oversized plans, infrastructure deaths that looked like SIGKILL, piped output lost at exit):
 * each failed before its fix and must keep passing. As root here and as uid 65534 through
 * {@link UnprivilegedKernelTest}. The path-socket attack lives in PathSocketKernelTest: a bound directory's
 * sockets stay reachable by design, and nothing is bound unasked.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class HostileRegressionKernelTest {
    static HostileFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        try (Sandbox probe = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(probe, "user namespaces (all seven namespaces for an unprivileged user)");
        }
        fx = HostileFixture.create();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private static HostileKernelTest.Outcome host(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(fx.bin.toString()));
        command.addAll(List.of(args));
        return HostileKernelTest.hostRun(command, Map.of());
    }

    private static void refused(SandboxResult r) {
        String out = r.stdoutText() + r.stderrText();
        assertThat(out).doesNotContain("ESCAPED");
        if (!r.seccompViolation()) {
            assertThat(r.exitCode()).as(out + r).hasValue(3);
        }
    }

    /**
     * Cross-sandbox takeover: a workload that sees the caller's run directory (the Java API's default view is the
     * host's files) watches it for other runs' control sockets while a victim runs again and again with a secret in
     * its environment. No connection may succeed.
     */
    @Test
    void aWorkloadCannotConnectToAnotherRunsControlSocket() throws Exception {
        List<String> watch = new ArrayList<>(List.of(fx.bin.toString(), "takeover", "8"));
        ForkServerProbe.ensureRunning();
        ForkServerProbe.server().flatMap(s -> s.info().arguments()).ifPresent(args -> {
            for (String arg : args) {
                if (arg.startsWith("/")) {
                    watch.add(Path.of(arg).getParent().toString()); // where the JVM binds its control sockets
                }
            }
        });
        try (Sandbox attacker = Sandbox.create(
                        SandboxConfig.builder().timeout(Duration.ofSeconds(20)).build());
                Sandbox victim = Sandbox.create(SandboxConfig.builder()
                        .env("VICTIM_SECRET", "victim-" + fx.unique)
                        .timeout(Duration.ofSeconds(20))
                        .build())) {
            SandboxProcess attack = attacker.start(watch);
            List<String> wrong = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(7).toNanos();
            while (System.nanoTime() < deadline && attack.isAlive()) {
                try {
                    SandboxResult r = victim.run(List.of("/bin/sh", "-c", "echo victim"));
                    if (!"victim\n".equals(r.stdoutText()) || r.exitCode().orElse(-1) != 0) {
                        wrong.add(r.toString());
                    }
                } catch (SandboxException e) {
                    wrong.add(e.toString());
                }
            }
            SandboxResult r = attack.waitFor();
            refused(r);
            assertThat(wrong).as("the victim's runs").isEmpty();
        }
    }

    /** /tmp of the default view holds no more than the memory limit allows (unprivileged: it had no size). */
    @Test
    void filesInTheViewsTmpfsAreBoundedByTheMemoryLimit() throws Exception {
        SandboxBuilder view = SandboxConfig.builder()
                .timeout(Duration.ofSeconds(30))
                .filesystem(FilesystemView.defaults()
                        .roBind(fx.binDir, Path.of("/attack"))
                        .build());
        try (Sandbox roomy = Sandbox.create(view.memoryLimit(1L << 30).build())) {
            SandboxResult calibration = roomy.run(List.of("/attack/attack", "bombdisk", "/tmp/fill", "192"));
            assertThat(calibration.exitCode())
                    .as("calibration: 192 MiB fit under 1 GiB " + calibration.stdoutText())
                    .hasValue(0);
        }
        try (Sandbox tight = Sandbox.create(view.memoryLimit(64L << 20).build())) {
            SandboxResult r = tight.run(List.of("/attack/attack", "bombdisk", "/tmp/fill", "192"));
            if (r.signal().isPresent()) {
                assertThat(r.oomKilled()).as(r.toString()).isTrue();
            } else {
                refused(r);
            }
        }
    }

    /**
     * A bind source is opened once: a parent directory swapped for a symlink after the configuration was built
     * must not change what the run sees.
     */
    @Test
    void aBindSourceSwappedAfterValidationIsNotFollowed() throws Exception {
        Path race = Files.createDirectories(fx.dir.resolve("race"));
        Path parent = Files.createDirectories(race.resolve("p/data")).getParent();
        Files.writeString(parent.resolve("data/file"), "benign");
        Path evil = Files.createDirectories(race.resolve("evil/data"));
        Files.writeString(evil.resolve("file"), fx.secretText);
        for (Path p : List.of(race, parent, parent.resolve("data"), evil.getParent(), evil)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (Path p : List.of(parent.resolve("data/file"), evil.resolve("file"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .filesystem(FilesystemView.defaults()
                        .roBind(parent.resolve("data"), Path.of("/data"))
                        .build())
                .build())) {
            assertThat(sandbox.run(List.of("cat", "/data/file")).stdoutText()).isEqualTo("benign");
            Files.move(parent, race.resolve("p-moved"));
            Files.createSymbolicLink(parent, evil.getParent());
            try {
                SandboxResult r = sandbox.run(List.of("cat", "/data/file"));
                assertThat(r.stdoutText()).as("what the swapped bind shows").doesNotContain(fx.secretText);
            } catch (SandboxException refusedToBind) {
                // also contained: the source changed and the run says so
            }
        }
    }

    /** A root caller binds what root may open, also under a private (0700) parent. */
    @Test
    void aRootCallerCanBindADirectoryUnderAPrivateParent(@TempDir Path privateParent) throws Exception {
        Assumptions.assumeTrue(fx.root, "only a root caller binds with rights beyond the workload's");
        Files.setPosixFilePermissions(privateParent, PosixFilePermissions.fromString("rwx------"));
        Path data = Files.createDirectories(privateParent.resolve("job/data"));
        Files.setPosixFilePermissions(data.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(data.resolve("input"), "readable inside");
        Files.setPosixFilePermissions(data.resolve("input"), PosixFilePermissions.fromString("rw-r--r--"));
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .filesystem(
                        FilesystemView.defaults().roBind(data, Path.of("/data")).build())
                .build())) {
            SandboxResult r = sandbox.run(List.of("cat", "/data/input"));
            assertThat(r.stdoutText()).as(r.toString()).isEqualTo("readable inside");
        }
    }

    /**
     * A launch plan beyond the wire's frame limit is refused with an error naming the size, and a run already in
     * flight through the same fork server is not affected.
     */
    @Test
    void anOversizedPlanIsRefusedAndOtherRunsGoOn() throws Exception {
        try (Sandbox normal = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(20)).build())) {
            SandboxProcess inFlight = normal.start(List.of("/bin/sh", "-c", "sleep 1; echo survived"));
            // refused when built or when run, whichever the fix chooses, but refused with an error of the library's
            assertThatThrownBy(() -> {
                        try (Sandbox huge = Sandbox.create(SandboxConfig.builder()
                                .env("HUGE", "x".repeat(5 << 20))
                                .build())) {
                            huge.run(List.of("/bin/true"));
                        }
                    })
                    .isInstanceOf(SandboxException.class);
            SandboxResult r = inFlight.waitFor();
            assertThat(r.exitCode()).as(r.toString()).hasValue(0);
            assertThat(r.stdoutText()).isEqualTo("survived\n");
        }
    }

    /** A run ended by the fork server's death is not reported as the workload's own SIGKILL. */
    @Test
    void aRunEndedByTheInfrastructureIsNotAnOrdinaryResult() throws Exception {
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(20)).build())) {
            sandbox.run(List.of("/bin/true"));
            SandboxProcess p = sandbox.start(List.of("sleep", "968"));
            ForkServerProbe.server().orElseThrow().destroyForcibly();
            // The issue asks for "a typed result (or exception)"; this expects the exception. A fix that chose a typed
            // result instead changes this assertion to that result's field.
            assertThatThrownBy(p::waitFor)
                    .as("a typed error, not a result with signal 9")
                    .isInstanceOf(SandboxException.class);
            assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
        }
        assertThat(HostileKernelTest.awaitProcesses("sleep 968", false)).isTrue();
    }

    /** Streams piped from start() carry every byte, run after run. */
    @Test
    void pipedStreamsLoseNothingUnderRepetition() throws Exception {
        try (Sandbox piped = Sandbox.create(SandboxConfig.builder()
                .stdin(dev.sandbox4j.exec.Input.pipe())
                .stdout(dev.sandbox4j.exec.Output.pipe())
                .build())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String line = "line-" + i + "\n";
                    results.add(pool.submit(() -> {
                        SandboxProcess p = piped.start(List.of("tr", "a-z", "A-Z"));
                        try (var in = p.stdin()) {
                            in.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        }
                        String out = new String(p.stdout().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                        p.waitFor();
                        return out;
                    }));
                }
                for (int i = 0; i < results.size(); i++) {
                    assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(("line-" + i + "\n").toUpperCase());
                }
            } finally {
                pool.shutdown();
                assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
