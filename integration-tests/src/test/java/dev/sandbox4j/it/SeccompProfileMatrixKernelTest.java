package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seccomp compatibility matrix of sandbox-seccomp/README.md, against the real kernel through the
 * executor: every program runs under the lowest profile whose name promises it and under every looser one,
 * and under the profile just below it the filter stops it (SIGSYS, a seccomp violation) or, where a profile
 * answers with an errno instead of killing, the program fails by itself without a violation.
 *
 * <p>There is no filesystem view yet: the workload sees the host's files as an unprivileged host user
 * (65534 for a root caller), so each case works in a fresh 0777 directory that the test creates and
 * JUnit deletes.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SeccompProfileMatrixKernelTest {
    private static final List<SeccompProfile> PROFILES = List.of(SeccompProfile.values());

    /**
     * One run before the matrix: fails under CI (skips elsewhere) when sandboxes cannot run here at all, and
     * lets the JDK open what it opens lazily (a cleaner thread, descriptors) before the leak check counts.
     */
    @BeforeAll
    static void sandboxesRunHere() throws Exception {
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().seccomp(SeccompProfile.ESSENTIAL).build())) {
            requireRunnable(sandbox, "sandboxes (user namespaces, seccomp)");
        }
    }

    /** What a program does under a profile below the one it needs. */
    enum Below {
        KILLED,
        FAILS
    }

    /**
     * One row of the matrix.
     *
     * @param name     how the row is shown
     * @param lowest   the tightest profile the program runs under
     * @param below    what happens under the profile just below {@code lowest}
     * @param command  the program; {@code DIR} in an argument is replaced by the case's directory
     * @param setUp    files the program expects in its directory, created by the test
     * @param expected its standard output under {@code lowest} and looser, or null to check only success
     */
    record Row(String name, SeccompProfile lowest, Below below, List<String> command, SetUp setUp, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface SetUp {
        void in(Path dir) throws IOException, InterruptedException;
    }

    private static final SetUp NOTHING = dir -> {};

    private static final String PYTHON_ARITHMETIC = "print(sum(i * i for i in range(10**5)) % 1000003)";
    private static final String PYTHON_PINNED =
            "import os; os.sched_setaffinity(0, {0}); os.nice(1); " + PYTHON_ARITHMETIC;
    /** A server thread and a client on loopback, in one process, over IPv4; exits 0 only on a full echo. */
    private static final String PYTHON_TCP = String.join(
            "\n",
            "import socket, threading",
            "server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
            "server.bind(('127.0.0.1', 0)); server.listen(1)",
            "def serve():",
            "    conn, _ = server.accept()",
            "    with conn: conn.sendall(conn.recv(64).upper())",
            "t = threading.Thread(target=serve); t.start()",
            "with socket.create_connection(server.getsockname(), timeout=5) as c:",
            "    c.sendall(b'ping'); print(c.recv(64).decode())",
            "t.join()");

    static List<Row> rows() {
        return List.of(
                new Row("/bin/true", SeccompProfile.ESSENTIAL, null, List.of("/bin/true"), NOTHING, ""),
                new Row("echo", SeccompProfile.ESSENTIAL, null, List.of("echo", "hi"), NOTHING, "hi\n"),
                new Row(
                        "date",
                        SeccompProfile.ESSENTIAL,
                        null,
                        List.of("date", "-d", "@0", "-u", "+%Y"),
                        NOTHING,
                        "1970\n"),
                new Row(
                        "cat FILE",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("cat", "DIR/in.txt"),
                        dir -> file(dir, "in.txt", "b\na\n"),
                        "b\na\n"),
                new Row(
                        "sh -c with a pipe",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("sh", "-c", "echo hi | cat; /bin/true"),
                        NOTHING,
                        "hi\n"),
                new Row(
                        "ls -l",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("ls", "-l", "DIR"),
                        dir -> file(dir, "listed.txt", "x"),
                        null),
                new Row(
                        "sort FILE",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("sort", "DIR/in.txt"),
                        dir -> file(dir, "in.txt", "b\na\n"),
                        "a\nb\n"),
                new Row(
                        "python3 -c arithmetic",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("python3", "-c", PYTHON_ARITHMETIC),
                        NOTHING,
                        "368001\n"),
                // Both copy with copy_file_range: between descriptors the program has opened, which MINIMAL allows.
                new Row(
                        "cat < FILE > FILE",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("sh", "-c", "cat < DIR/in.txt > DIR/out.txt && cat DIR/out.txt"),
                        dir -> file(dir, "in.txt", "x\n"),
                        "x\n"),
                new Row(
                        "cp FILE DST",
                        SeccompProfile.MINIMAL,
                        Below.KILLED,
                        List.of("cp", "DIR/in.txt", "DIR/copy.txt"),
                        dir -> file(dir, "in.txt", "x"),
                        ""),
                new Row(
                        "mkdir -p",
                        SeccompProfile.IO_HEAVY,
                        Below.KILLED,
                        List.of("mkdir", "-p", "DIR/d1/d2"),
                        NOTHING,
                        ""),
                new Row(
                        "rm -r",
                        SeccompProfile.IO_HEAVY,
                        Below.KILLED,
                        List.of("rm", "-r", "DIR/d1"),
                        dir -> {
                            Path d2 = Files.createDirectories(dir.resolve("d1/d2"));
                            open(dir.resolve("d1"));
                            open(d2);
                            file(d2, "f", "x");
                        },
                        ""),
                new Row(
                        "tar cf",
                        SeccompProfile.IO_HEAVY,
                        Below.KILLED,
                        List.of("tar", "cf", "DIR/x.tar", "-C", "DIR", "src"),
                        dir -> file(open(Files.createDirectory(dir.resolve("src"))), "f", "x"),
                        ""),
                new Row(
                        "tar xf",
                        SeccompProfile.IO_HEAVY,
                        Below.KILLED,
                        List.of("tar", "xf", "DIR/x.tar", "-C", "DIR/out"),
                        dir -> {
                            file(open(Files.createDirectory(dir.resolve("src"))), "f", "x");
                            open(Files.createDirectory(dir.resolve("out")));
                            host("tar", "cf", dir.resolve("x.tar").toString(), "-C", dir.toString(), "src");
                        },
                        ""),
                new Row(
                        "python3 pinned to a CPU at lower priority",
                        SeccompProfile.COMPUTE,
                        Below.KILLED,
                        List.of("python3", "-c", PYTHON_PINNED),
                        NOTHING,
                        "368001\n"),
                // MINIMAL to COMPUTE answer socket() with EACCES (so that ls and tar can fall back from nscd):
                // python3 then fails by itself. Only ESSENTIAL kills it, long before it gets that far.
                new Row(
                        "python3 TCP server and client on loopback",
                        SeccompProfile.NETWORK,
                        Below.FAILS,
                        List.of("python3", "-c", PYTHON_TCP),
                        NOTHING,
                        "PING\n"));
    }

    /** Every (row, profile) pair from one below the row's lowest profile upwards. */
    static Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        List<org.junit.jupiter.params.provider.Arguments> cases = new ArrayList<>();
        for (Row row : rows()) {
            for (int p = Math.max(0, row.lowest().ordinal() - 1); p < PROFILES.size(); p++) {
                cases.add(org.junit.jupiter.params.provider.Arguments.of(row, PROFILES.get(p)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} under {1}")
    @MethodSource("cases")
    void theProfileRunsWhatItsNamePromisesAndStopsWhatItDoesNot(Row row, SeccompProfile profile, @TempDir Path scratch)
            throws Exception {
        if (row.command().get(0).equals("python3")) {
            requireFeature(
                    Stream.of("/usr/local/bin", "/usr/bin", "/bin")
                            .anyMatch(dir -> Files.isExecutable(Path.of(dir, "python3"))),
                    "python3 in the sandbox's PATH");
        }
        Path dir = open(scratch);
        row.setUp().in(dir);
        List<String> command = row.command().stream()
                .map(arg -> arg.replace("DIR", dir.toString()))
                .toList();
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(profile)
                .cwd(dir)
                .timeout(Duration.ofSeconds(30))
                .build();

        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(config)) {
            r = sandbox.run(command);
        }

        String what = row + " under " + profile + ": " + r + ", stderr " + r.stderrText();
        if (profile.includes(row.lowest())) {
            assertThat(r.seccompViolation()).as(what).isFalse();
            assertThat(r.exitCode()).as(what).hasValue(0);
            if (row.expected() != null) {
                assertThat(r.stdoutText()).as(what).isEqualTo(row.expected());
            }
        } else if (row.below() == Below.KILLED) {
            assertThat(r.seccompViolation()).as(what).isTrue();
            assertThat(r.signalName()).as(what).hasValue("SIGSYS");
        } else {
            assertThat(r.seccompViolation()).as(what).isFalse();
            assertThat(r.exitCode()).as(what).isNotEmpty().isNotEqualTo(java.util.OptionalInt.of(0));
        }
    }

    /**
     * execve fails with ENOEXEC after the filter is loaded (the exec bit, but no format the kernel knows): the
     * failure is reported through a call every profile permits, as "not executable", not as a seccomp kill.
     */
    @ParameterizedTest(name = "under {0}")
    @org.junit.jupiter.params.provider.EnumSource(SeccompProfile.class)
    void aFileWithNoExecutableFormatIsNotExecutableUnderEveryProfile(SeccompProfile profile, @TempDir Path scratch)
            throws Exception {
        Path dir = open(scratch);
        Path garbage = Files.setPosixFilePermissions(
                Files.writeString(dir.resolve("garbage"), "neither ELF nor #!\n"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(profile)
                .timeout(Duration.ofSeconds(30))
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sandbox.run(List.of(garbage.toString())))
                    .isInstanceOfSatisfying(dev.sandbox4j.exec.ProgramNotRunnableException.class, e -> {
                        assertThat(e.step()).isEqualTo("execve");
                        assertThat(e.errnoName()).isEqualTo("ENOEXEC");
                        assertThat(e.reason())
                                .isEqualTo(dev.sandbox4j.exec.ProgramNotRunnableException.Reason.NOT_EXECUTABLE);
                    });
        }
    }

    /** Readable and writable by the workload's unprivileged host identity. */
    private static Path open(Path dir) throws IOException {
        return Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    private static Path file(Path dir, String name, String content) throws IOException {
        return Files.setPosixFilePermissions(
                Files.writeString(dir.resolve(name), content), PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    private static void host(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
