package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of sandbox-seccomp/README.md: everyday programs and small projects (builds and tests of C, C++,
 * Java, Python and Node, git, shells, script interpreters, archives) run the way a user runs them, in the
 * default filesystem view (private /tmp) with the project's directory bound writable. Each runs under the
 * tightest profile the README's table gives it and every looser one, and fails under the profile just below,
 * so that the table is measured both ways: a program that starts to need more, or a profile that starts to
 * permit more, fails here.
 *
 * <p>Below its profile a program is stopped by the filter, but not always as a whole: make's compiler or
 * node's test child is killed and the parent exits non-zero, so the check there is only "did not succeed".
 * Programs missing on this machine skip the row, and fail it under CI ({@code .ci/run} installs them).
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SeccompCorpusKernelTest {
    private static final List<SeccompProfile> PROFILES = List.of(SeccompProfile.values());
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @BeforeAll
    static void sandboxesWithAFilesystemViewRunHere() throws Exception {
        // The JDK opens its random source for temporary directories lazily and keeps it open.
        Files.delete(Files.createTempDirectory("sandbox4j-warmup"));
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .filesystem(FilesystemView.defaults().build())
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            requireRunnable(sandbox, "sandboxes with a filesystem view (user and mount namespaces, seccomp)");
        }
    }

    /**
     * One program of the corpus.
     *
     * @param name     how the row is shown
     * @param lowest   the tightest profile it runs under
     * @param project  the directory under {@code corpus/} in the test resources copied into its working
     *                 directory, or null for an empty one
     * @param needs    the programs it needs, looked up in the sandbox's PATH
     * @param expected what its standard output or error must contain when it runs
     * @param command  the program and its arguments
     */
    record Row(
            String name,
            SeccompProfile lowest,
            String project,
            List<String> needs,
            String expected,
            List<String> command) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Row row(
            String name,
            SeccompProfile lowest,
            String project,
            List<String> needs,
            String expected,
            String... command) {
        return new Row(name, lowest, project, needs, expected, List.of(command));
    }

    private static final SeccompProfile MINIMAL = SeccompProfile.MINIMAL;
    private static final SeccompProfile IO_HEAVY = SeccompProfile.IO_HEAVY;

    static List<Row> rows() {
        return List.of(
                // strict (minimal): shells, pipelines and interpreters computing over what they are given
                row(
                        "dash -c with command substitution",
                        MINIMAL,
                        null,
                        List.of("dash", "tr"),
                        "ok",
                        "dash",
                        "-c",
                        "x=$(echo a | tr a b); [ \"$x\" = b ] && echo ok"),
                row(
                        "bash -c with a loop into a pipe",
                        MINIMAL,
                        null,
                        List.of("bash", "wc"),
                        "3",
                        "bash",
                        "-c",
                        "for i in 1 2 3; do echo $i; done | wc -l"),
                row(
                        "sh pipeline seq | sort | head",
                        MINIMAL,
                        null,
                        List.of("sh", "seq", "sort", "head"),
                        "1000",
                        "sh",
                        "-c",
                        "seq 1 1000 | sort -rn | head -n 1"),
                row(
                        "perl -e",
                        MINIMAL,
                        null,
                        List.of("perl"),
                        "abdnosx",
                        "perl",
                        "-e",
                        "my %h; $h{$_}++ for split //, 'sandbox'; print join('', sort keys %h), \"\\n\""),
                row(
                        "tclsh script writing and reading a file",
                        MINIMAL,
                        "tcl",
                        List.of("tclsh"),
                        "total 14",
                        "tclsh",
                        "corpus.tcl"),
                row("node -e", MINIMAL, null, List.of("node"), "42", "node", "-e", "console.log(6 * 7)"),
                // moderate (io-heavy): builds and tests, version control, archives
                row(
                        "gcc compile and run",
                        IO_HEAVY,
                        "c-make",
                        List.of("gcc"),
                        "hello from C",
                        "sh",
                        "-c",
                        "gcc -O2 -o hello main.c greet.c && ./hello"),
                row(
                        "make -j2 check (gcc)",
                        IO_HEAVY,
                        "c-make",
                        List.of("make", "cc"),
                        "grep -q",
                        "make",
                        "-j2",
                        "check"),
                row(
                        "cmake + g++ build, ctest",
                        IO_HEAVY,
                        "cpp-cmake",
                        List.of("cmake", "ctest", "make", "g++"),
                        "100% tests passed",
                        "sh",
                        "-c",
                        "cmake -S . -B build && cmake --build build -j2 && cd build && ctest"),
                row(
                        "javac and java",
                        IO_HEAVY,
                        "java",
                        List.of("javac", "java"),
                        "hello from Java",
                        "sh",
                        "-c",
                        "javac -d classes Hello.java && java -cp classes Hello"),
                row(
                        "java Hello.java (source launcher)",
                        IO_HEAVY,
                        "java",
                        List.of("java"),
                        "hello from source",
                        "java",
                        "Hello.java",
                        "source"),
                row(
                        "java, a thread pool and a parallel stream",
                        IO_HEAVY,
                        "java",
                        List.of("java"),
                        "threads agree",
                        "java",
                        "Threads.java"),
                row(
                        "python3 unittest: tempfile, sqlite file, multiprocessing, subprocess",
                        IO_HEAVY,
                        "python",
                        List.of("python3"),
                        "Ran 4 tests",
                        "python3",
                        "-m",
                        "unittest",
                        "-v",
                        "test_corpus"),
                row(
                        "python3 venv without pip",
                        IO_HEAVY,
                        null,
                        List.of("python3"),
                        "in venv",
                        "sh",
                        "-c",
                        "python3 -m venv --without-pip v && v/bin/python -c "
                                + "'import sys; assert sys.prefix != sys.base_prefix; print(\"in venv\")'"),
                row(
                        "node --test: files, a child process, timers",
                        IO_HEAVY,
                        "node",
                        List.of("node"),
                        "# pass 3",
                        "node",
                        "--test",
                        "test.js"),
                row(
                        "git init, commit, clone of a local repository",
                        IO_HEAVY,
                        null,
                        List.of("git"),
                        "cloned x",
                        "sh",
                        "-c",
                        "git init -q a && cd a && echo x > f && git add f"
                                + " && git -c user.name=t -c user.email=t@example.org commit -qm one"
                                + " && cd .. && git clone -q a b && echo cloned $(cat b/f)"),
                row(
                        "perl script with File::Temp",
                        IO_HEAVY,
                        "perl",
                        List.of("perl"),
                        "sum 385, letters abdnos",
                        "perl",
                        "corpus.pl"),
                tar("gzip", "-z", "gzip"),
                tar("xz", "-J", "xz"),
                tar("zstd", "--zstd", "zstd"));
    }

    /** Creates an archive, extracts it elsewhere (not restoring owners: ours are not all mapped) and compares. */
    private static Row tar(String name, String option, String program) {
        return row(
                "tar with " + name,
                IO_HEAVY,
                "c-make",
                List.of("tar", program, "cmp"),
                "same",
                "sh",
                "-c",
                "tar " + option + " -cf x.tar main.c greet.c && mkdir o && tar " + option
                        + " -xof x.tar -C o && cmp o/main.c main.c && echo same");
    }

    /** Every (row, profile) pair from one below the row's lowest profile upwards. */
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Row row : rows()) {
            for (int p = Math.max(0, row.lowest().ordinal() - 1); p < PROFILES.size(); p++) {
                cases.add(Arguments.of(row, PROFILES.get(p)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} under {1}")
    @MethodSource("cases")
    void eachProgramRunsUnderItsProfileAndEveryLooserOneAndNotBelow(
            Row row, SeccompProfile profile, @TempDir Path scratch) throws Exception {
        for (String program : row.needs()) {
            requireFeature(
                    Stream.of("/usr/local/bin", "/usr/bin", "/bin")
                            .anyMatch(dir -> Files.isExecutable(Path.of(dir, program))),
                    program + " in the sandbox's PATH");
        }
        Path dir = open(scratch);
        if (row.project() != null) {
            copyProject(row.project(), dir);
        }
        SandboxConfig config = SandboxConfig.builder()
                .seccomp(profile)
                .cwd(dir)
                .timeout(TIMEOUT)
                .filesystem(FilesystemView.defaults().bind(dir).build())
                .build();

        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(config)) {
            r = sandbox.run(row.command());
        }

        String what =
                row + " under " + profile + ": " + r + "\nstdout " + r.stdoutText() + "\nstderr " + r.stderrText();
        if (profile.includes(row.lowest())) {
            assertThat(r.timedOut()).as(what).isFalse();
            assertThat(r.seccompViolation()).as(what).isFalse();
            assertThat(r.exitCode()).as(what).hasValue(0);
            assertThat(r.stdoutText() + r.stderrText()).as(what).contains(row.expected());
        } else {
            assertThat(r.timedOut()).as(what).isFalse();
            assertThat(r.success())
                    .as(what + "\n(runs under " + profile + ": the README's table should say so)")
                    .isFalse();
        }
    }

    /**
     * The identity calls MINIMAL permits for make cannot take an id the program does not already have: with
     * CAP_SETUID (the host's root, the calibration) setresuid to uid 1 succeeds; in the sandbox, where uid 1
     * is mapped too (a root caller may map two ranges) but no capability is left, the kernel refuses it.
     */
    @org.junit.jupiter.api.Test
    void setresuidInMinimalOnlyKeepsTheIdsTheProgramHas(@TempDir Path scratch) throws Exception {
        requireFeature(Files.isExecutable(Path.of("/usr/bin/python3")), "python3");
        String probe = String.join(
                "\n",
                "import os",
                "try:",
                "    os.setresgid(1, 1, 1); os.setresuid(1, 1, 1)",
                "    print('changed to', os.getresuid())",
                "except OSError as e:",
                "    print('refused', e.errno, os.getresuid())");
        long euid = KernelTestSupport.euid();
        if (euid == 0) {
            Process outside = new ProcessBuilder("/usr/bin/python3", "-c", probe)
                    .redirectErrorStream(true)
                    .start();
            String calibration =
                    new String(outside.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(outside.waitFor()).isZero();
            assertThat(calibration).as("outside, as root").isEqualTo("changed to (1, 1, 1)\n");
        }
        var builder = SandboxConfig.builder().seccomp(SeccompProfile.MINIMAL).timeout(Duration.ofSeconds(30));
        if (euid == 0) {
            builder.uidMap(dev.sandbox4j.namespace.IdMap.of(
                            dev.sandbox4j.namespace.IdMap.range(0, 65534, 1),
                            dev.sandbox4j.namespace.IdMap.range(1, 65535, 1)))
                    .gidMap(dev.sandbox4j.namespace.IdMap.of(
                            dev.sandbox4j.namespace.IdMap.range(0, 65534, 1),
                            dev.sandbox4j.namespace.IdMap.range(1, 65535, 1)));
        }
        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(builder.build())) {
            r = sandbox.run(List.of("/usr/bin/python3", "-c", probe));
        }
        assertThat(r.exitCode()).as(r + r.stderrText()).hasValue(0);
        // EPERM where uid 1 is mapped, EINVAL where only the program's own id is
        assertThat(r.stdoutText())
                .as(r.stderrText())
                .matches(euid == 0 ? "refused 1 \\(0, 0, 0\\)\n" : "refused (1|22) \\(0, 0, 0\\)\n");
    }

    /** Copies corpus/NAME from the test resources, readable and writable by the workload's host identity. */
    private static void copyProject(String name, Path target) throws IOException, URISyntaxException {
        URL url = SeccompCorpusKernelTest.class.getClassLoader().getResource("corpus/" + name);
        assertThat(url).as("test resource corpus/" + name).isNotNull();
        Path source = Path.of(url.toURI());
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = Files.copy(file, target.resolve(file.getFileName().toString()));
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-rw-rw-"));
            }
        }
    }

    private static Path open(Path dir) throws IOException {
        return Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
}
