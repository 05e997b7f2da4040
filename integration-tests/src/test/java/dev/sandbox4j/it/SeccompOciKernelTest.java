package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompLearner;
import dev.sandbox4j.it.SandboxCtlProcess.Result;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.OciSeccompProfile;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI/Docker seccomp profiles and learn mode against the real kernel: podman's default profile (Debian's
 * containers-common) runs {@code echo hi} and answers what it refuses as it says; a malformed or unsupported
 * file is refused before anything runs, naming the file, the JSON path and the problem; a cmake build learned
 * from the {@code minimal} profile (which kills it) runs under the learned file; and the same through
 * {@code sandbox-ctl seccomp learn}. Runs as root and, through {@link UnprivilegedKernelTest}, as uid 65534.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SeccompOciKernelTest {
    private static final Path PODMAN = Path.of("/usr/share/containers/seccomp.json");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    @BeforeAll
    static void supervisedSandboxesRunHere() throws Exception {
        Files.delete(Files.createTempDirectory("sandbox4j-warmup"));
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .filesystem(FilesystemView.defaults().build())
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            requireRunnable(sandbox, "sandboxes with a filesystem view and seccomp");
        }
        requireFeature(config.seccompSupervised(), "seccomp user notification (learn mode lets calls through with it)");
    }

    @Test
    void podmansDefaultProfileRunsEchoHiAndRefusesWhatItSays() throws Exception {
        requireFeature(Files.isReadable(PODMAN), PODMAN + " (Debian package golang-github-containers-common)");
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(PODMAN.toString())
                .timeout(Duration.ofSeconds(30))
                .build();
        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(config)) {
            r = sandbox.run(List.of("echo", "hi"));
        }
        assertThat(r.exitCode()).as(r + r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("hi\n");
        assertThat(r.seccompViolation()).isFalse();

        // The profile answers an audit netlink socket with EINVAL (a program without CAP_AUDIT_WRITE), and the
        // syscalls it does not list with ENOSYS; outside, neither call gets that answer.
        requireFeature(Files.isExecutable(Path.of("/usr/bin/python3")), "python3");
        String probe = "import socket, os, errno\n"
                + "try:\n    socket.socket(16, 3, 9); print('audit ok')\n"
                + "except OSError as e:\n    print('audit', errno.errorcode[e.errno])\n"
                + "try:\n    os.chroot('/'); print('chroot ok')\n"
                + "except OSError as e:\n    print('chroot', errno.errorcode[e.errno])\n";
        try (Sandbox sandbox = Sandbox.create(config)) {
            r = sandbox.run(List.of("/usr/bin/python3", "-c", probe));
        }
        assertThat(r.exitCode()).as(r + r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("audit EINVAL\nchroot EPERM\n");
    }

    @Test
    void aMalformedOrUnsupportedFileIsRefusedNamingFileJsonPathAndProblem(@TempDir Path dir) throws Exception {
        Path notify = Files.writeString(
                dir.resolve("notify.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                        + " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
        assertThatThrownBy(() -> SandboxConfig.builder().seccomp(notify.toString()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("seccomp profile " + notify + ": $.syscalls[0].action "
                        + "'SCMP_ACT_NOTIFY' is not supported: it needs a seccomp agent outside the sandbox; use SCMP_ACT_ERRNO "
                        + "or SCMP_ACT_KILL_PROCESS");
        Path broken = Files.writeString(
                dir.resolve("broken.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                        + " \"syscalls\": [{\"names\": [\"read\"] \"action\": \"SCMP_ACT_ALLOW\"}]}");
        Result cli = cli(dir, "-s", broken.toString(), "--", "/bin/true");
        assertThat(cli.status()).isEqualTo(2);
        assertThat(cli.stderr())
                .startsWith("sandbox-ctl: --seccomp: seccomp profile " + broken
                        + ": not valid JSON: line 2, column 34: expected ',' or '}'");
    }

    @Test
    void aCmakeBuildLearnedFromMinimalRunsUnderTheLearnedFile(@TempDir Path scratch) throws Exception {
        for (String program : List.of("cmake", "ctest", "make", "g++")) {
            requireFeature(
                    Stream.of("/usr/local/bin", "/usr/bin", "/bin")
                            .anyMatch(d -> Files.isExecutable(Path.of(d, program))),
                    program + " in the sandbox's PATH");
        }
        List<String> build = List.of("sh", "-c", "cmake -S . -B build && cmake --build build -j2 && cd build && ctest");
        Path learnDir = project(scratch.resolve("learn"));
        SeccompLearner learner = new SeccompLearner();
        SandboxResult learned =
                run(SandboxConfig.builder().seccomp(SeccompProfile.MINIMAL).seccompLearning(learner), learnDir, build);
        assertThat(learned.exitCode()).as(learned + learned.stderrText()).hasValue(0);
        assertThat(learned.seccompViolation()).isFalse();
        // what minimal refuses and a build needs (the corpus test shows minimal kills this build)
        assertThat(learner.syscalls()).contains("mkdir").doesNotContain("read", "execve");

        Path file = scratch.resolve("cmake-build.json");
        Files.writeString(
                file,
                OciSeccompProfile.toJson(
                        learner.learnedFilter(SeccompProfile.MINIMAL.filter()), Architecture.current()));
        Path runDir = project(scratch.resolve("run"));
        SandboxResult enforced = run(SandboxConfig.builder().seccomp(file.toString()), runDir, build);
        assertThat(enforced.exitCode()).as(enforced + enforced.stderrText()).hasValue(0);
        assertThat(enforced.seccompViolation())
                .as(enforced.violation().toString())
                .isFalse();
        assertThat(enforced.stdoutText()).contains("100% tests passed");
        // and it is still a filter: a call the build never made is refused
        SandboxResult mount = run(
                SandboxConfig.builder().seccomp(file.toString()),
                runDir,
                List.of("sh", "-c", "mount -t tmpfs none /tmp"));
        assertThat(mount.seccompViolation()).isTrue();
    }

    @Test
    void sandboxCtlSeccompLearnWritesAProfileThatMinusSEnforces(@TempDir Path scratch) throws Exception {
        Path dir = open(Files.createDirectories(scratch.resolve("work")));
        Path file = scratch.resolve("learned.json");
        String script = "mkdir d && rmdir d && echo made";
        Result learn = cli(
                dir,
                "seccomp",
                "learn",
                "-o",
                file.toString(),
                "-s",
                "minimal",
                "--bind",
                dir.toString(),
                "-w",
                dir.toString(),
                "--",
                "sh",
                "-c",
                script);
        assertThat(learn.status()).as(learn.stderr()).isZero();
        assertThat(learn.stdout()).isEqualTo("made\n");
        assertThat(learn.stderr())
                .contains("LEARN MODE, for trusted programs only")
                .contains("2 syscalls beyond 'minimal': mkdir, rmdir; wrote " + file);
        assertThat(Files.readString(file)).contains("\"SCMP_ACT_KILL_PROCESS\"").contains("\"mkdir\"");

        Result run = cli(
                dir, "-s", file.toString(), "--bind", dir.toString(), "-w", dir.toString(), "--", "sh", "-c", script);
        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stdout()).isEqualTo("made\n");
        Result strict =
                cli(dir, "-s", "minimal", "--bind", dir.toString(), "-w", dir.toString(), "--", "sh", "-c", script);
        assertThat(strict.status()).as(strict.stderr()).isNotZero();
        assertThat(strict.stderr()).contains("called mkdir");
    }

    private static SandboxResult run(dev.sandbox4j.exec.SandboxBuilder builder, Path dir, List<String> command)
            throws Exception {
        SandboxConfig config = builder.cwd(dir)
                .timeout(BUILD_TIMEOUT)
                .filesystem(FilesystemView.defaults().bind(dir).build())
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            return sandbox.run(command);
        }
    }

    /** The corpus's cmake project, copied into a directory the workload's host identity may write. */
    private static Path project(Path dir) throws Exception {
        open(Files.createDirectories(dir));
        URL url = SeccompOciKernelTest.class.getClassLoader().getResource("corpus/cpp-cmake");
        assertThat(url).isNotNull();
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(
                        Files.copy(f, dir.resolve(f.getFileName().toString())),
                        PosixFilePermissions.fromString("rw-rw-rw-"));
            }
        }
        return dir;
    }

    private static Path open(Path dir) throws IOException {
        return Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    /** sandbox-ctl in a JVM of its own, as {@code ./sandbox-ctl} starts it, in {@code dir}. */
    private static Result cli(Path dir, String... args) throws IOException, InterruptedException {
        return SandboxCtlProcess.of(args).in(dir).run();
    }
}
