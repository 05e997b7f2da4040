package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unprivileged path for real: when the build runs as root, runs {@link SandboxKernelTest} and
 * {@link RlimitLimitsKernelTest} again in a
 * child JVM started through {@code setpriv --reuid=65534 --regid=65534 --clear-groups}. The class path
 * is copied to a world-readable directory first, since the build's own (e.g. ~/.m2) is private to root.
 * The launcher is not copied: the child extracts its own into its per-user cache, as a user's JVM would.
 */
class UnprivilegedKernelTest {
    private static final long NOBODY = 65534;

    @Test
    void theKernelTestsPassAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                SandboxKernelTest.class,
                RlimitLimitsKernelTest.class,
                ForkServerKernelTest.class,
                DirectLauncherKernelTest.class,
                SeccompViolationKernelTest.class,
                ControlConnectionKernelTest.class,
                BindSourceKernelTest.class,
                TmpfsLimitKernelTest.class,
                PathSocketKernelTest.class);
    }

    /** Requests, verdicts and the CPU-time limit by RLIMIT_CPU, where no cgroup watches it. */
    @Test
    void runRequestsAndVerdictsHoldAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                RunRequestKernelTest.class,
                RunEventsKernelTest.class,
                RunJfrKernelTest.class,
                RunFilesKernelTest.class);
    }

    @Test
    void extensionPointsBehaveAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                CgroupLimitRefusalKernelTest.class,
                ViewFragmentKernelTest.class,
                LauncherSourceKernelTest.class);
    }

    @Test
    void eventsControlAndVolumesWorkAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                SandboxEventsKernelTest.class,
                SandboxControlKernelTest.class,
                VolumesKernelTest.class,
                CliVolumeKernelTest.class,
                NamespacePresetKernelTest.class);
    }

    /** Pre-warmed sandboxes: user namespace and rlimits made ahead, nothing of the run before. */
    @Test
    void prewarmedSandboxesHoldAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, PrewarmKernelTest.class, PrewarmHostileKernelTest.class);
    }

    @Test
    void theParitySuitePassesAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                dev.sandbox4j.parity.ParityIntegrationKernelTest.class,
                dev.sandbox4j.parity.ParityStressKernelTest.class,
                dev.sandbox4j.parity.ParitySeccompKernelTest.class,
                dev.sandbox4j.parity.ParityRlimitKernelTest.class,
                dev.sandbox4j.parity.ParityLandlockKernelTest.class,
                dev.sandbox4j.parity.ParityExamplesKernelTest.class);
    }

    /** Many concurrent sandboxes on a few threads, with timeouts and output, where no cgroup is made. */
    @Test
    void manySandboxesShareAFewThreadsAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, ManySandboxesKernelTest.class);
    }

    @Test
    void theSeccompCorpusRunsAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, SeccompCorpusKernelTest.class);
    }

    @Test
    void ociProfilesAndLearnModeWorkAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, SeccompOciKernelTest.class, SeccompLearnHostileKernelTest.class);
    }

    @Test
    void theHostileSuiteIsContainedAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, HostileKernelTest.class);
    }

    @Test
    void theSoakAndCrashTestsPassAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, SoakKernelTest.class, CrashKernelTest.class);
    }

    /** The attacks that once succeeded, as uid 65534 (where some are root-only and skipped). */
    @Test
    void theRegressionAttacksAreContainedAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(
                scratch,
                "RESULT succeeded=[1-9][0-9]* failed=0 skipped=[0-9]+ aborted=[0-9]+",
                HostileRegressionKernelTest.class);
    }

    @Test
    void theNetworksWorkAsUid65534(@TempDir Path scratch) throws Exception {
        runAsNobody(scratch, NetworkKernelTest.class, NetworkHostileKernelTest.class, NetworkGuardKernelTest.class);
    }

    /** Runs the given test classes in a child JVM as uid 65534 and asserts that they all pass. */
    static void runAsNobody(Path scratch, Class<?>... suites) throws Exception {
        runAsNobody(scratch, "RESULT succeeded=[1-9][0-9]* failed=0 skipped=0 aborted=0", suites);
    }

    /** As {@link #runAsNobody(Path, Class[])}, with the summary line the child must print. */
    static void runAsNobody(Path scratch, String expectedResult, Class<?>... suites) throws Exception {
        Assumptions.assumeTrue(
                KernelTestSupport.euid() == 0, "already unprivileged: SandboxKernelTest itself covers this user");
        Path setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        KernelTestSupport.requireFeature(setpriv != null, "setpriv (util-linux) to drop to uid 65534");

        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> classPath = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path target = scratch.resolve((n++) + "-" + source.getFileName());
            copyReadable(source, target);
            classPath.add(target.toString());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                setpriv.toString(),
                "--reuid=" + NOBODY,
                "--regid=" + NOBODY,
                "--clear-groups",
                java.toString(),
                "-cp",
                String.join(File.pathSeparator, classPath),
                "-Djava.io.tmpdir=/tmp",
                RunKernelTests.class.getName());
        for (Class<?> suite : suites) {
            pb.command().add(suite.getName());
        }
        pb.environment().put("HOME", "/nonexistent");
        pb.redirectErrorStream(true);
        Process child = pb.start();
        String output;
        try (var in = child.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.out.println(output);
        assertThat(output).containsPattern(expectedResult);
        assertThat(child.exitValue()).as(output).isZero();
    }

    private static void copyReadable(Path source, Path target) throws IOException {
        if (Files.isDirectory(source)) {
            try (Stream<Path> tree = Files.walk(source)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Path t = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
        } else {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
