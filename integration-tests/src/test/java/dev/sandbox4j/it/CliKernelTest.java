package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.it.SandboxCtlProcess.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sandbox-ctl} end to end against the real kernel: each test starts the real command line in a JVM of
 * its own ({@code java -cp … SandboxCtl}, what {@code ./sandbox-ctl} execs) with files for its stdin, stdout
 * and stderr, so that what the program reads and writes through the inherited descriptors, and what
 * sandbox-ctl adds on stderr, is checked byte for byte.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CliKernelTest {
    private static final Duration CLI_DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path io;

    @BeforeAll
    static void sandboxesRunHere() throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(sandbox, "sandboxes (user namespaces)");
        }
    }

    private static Result cliWithStdin(String stdin, String... args) throws IOException, InterruptedException {
        return SandboxCtlProcess.of(args).stdin(stdin).deadline(CLI_DEADLINE).run();
    }

    private static Result cli(String... args) throws IOException, InterruptedException {
        return cliWithStdin("", args);
    }

    @Test
    void echoHelloArrivesOnTheCallersStdoutAndExitsZero() throws Exception {
        Result r = cli("--", "/bin/echo", "hello");

        assertThat(r.stdout()).isEqualTo("hello\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.status()).isZero();
    }

    @Test
    void stdinStdoutAndStderrAreTheProgramsUntouchedAndItsExitCodeComesBack() throws Exception {
        String bytes = "line one\n\ttabbed wörld\r\nno newline at the end";
        // The default preset's minimal profile: both stdin and stdout are files here, so GNU cat copies with
        // copy_file_range(2), which minimal must permit.
        Result r = cliWithStdin(bytes, "sh", "-c", "cat; printf 'to stderr\\n' >&2; exit 3");

        assertThat(r.stdout()).isEqualTo(bytes);
        assertThat(r.stderr())
                .as("the program's stderr, and nothing of sandbox-ctl's")
                .isEqualTo("to stderr\n");
        assertThat(r.status()).isEqualTo(3);
    }

    @Test
    void aSignalDeathExits128PlusTheSignal() throws Exception {
        Result r = cli("sh", "-c", "kill -KILL $$");

        assertThat(r.status()).isEqualTo(128 + 9);
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void aTimeoutKillsTheTreePromptlyExits124AndIsReported() throws Exception {
        // A fraction unique to this run names its sleeps: other test runs on the machine have sleeps of their own.
        String unique = Long.toString(ProcessHandle.current().pid()) + System.nanoTime() % 1_000_000;
        Result r = cli("-t", "500ms", "--report", "-", "sh", "-c", "sleep 972." + unique + " & sleep 971." + unique);

        assertThat(r.status()).isEqualTo(124);
        assertThat(r.took()).as("the JVM's start plus 500 ms, not 10 s").isLessThan(Duration.ofSeconds(6));
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderrLines()).hasSize(2);
        assertThat(r.stderrLines().get(0)).isEqualTo("sandbox-ctl: timed out after 500ms; the sandbox was killed");
        String json = r.report();
        assertReportShape(json);
        assertThat(json)
                .contains("\"exitCode\":null,\"signal\":9,\"signalName\":\"SIGKILL\",\"timedOut\":true,"
                        + "\"oomKilled\":" + expectedOomKilled()
                        + ",\"seccompViolation\":false,\"blockedSyscall\":null,")
                .endsWith(
                        ",\"setupError\":null,\"degradations\":[],\"refusedConnections\":null,\"status\":\"timeout\"}");
        assertThat(number(json, "wallTimeMs")).isBetween(450L, 3000L);
        assertThat(ProcessHandle.allProcesses()
                        .map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.contains("sleep 97") && c.contains(unique)))
                .as("leftover sleeps")
                .isEmpty();
    }

    @Test
    void sigtermToSandboxCtlGoesToTheProgramWhichEndsItsOwnWayWithAReport() throws Exception {
        Path out = io.resolve("stdout");
        Path report = io.resolve("report.json");
        List<String> command = SandboxCtlProcess.command(List.of(
                "--report",
                report.toString(),
                "sh",
                "-c",
                "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"));
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(io.resolve("stderr").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.readString(out).equals("ready\n") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.readString(out)).isEqualTo("ready\n");

            process.destroy(); // SIGTERM to sandbox-ctl's JVM

            assertThat(process.waitFor(10, TimeUnit.SECONDS))
                    .as("sandbox-ctl ends with its program")
                    .isTrue();
        } finally {
            process.destroyForcibly().waitFor();
        }
        assertThat(process.exitValue())
                .as(Files.readString(io.resolve("stderr")))
                .isEqualTo(7);
        assertThat(Files.readString(out)).isEqualTo("ready\ngot TERM\n");
        assertThat(Files.readString(report)).contains("\"exitCode\":7,\"signal\":null,");
    }

    @Test
    void aMissingProgramExits127AndANonExecutableOne126(@TempDir Path dir) throws Exception {
        Result missing = cli("no-such-program-sandbox4j", "arg");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.stderr())
                .isEqualTo("sandbox-ctl: cannot run 'no-such-program-sandbox4j': not found "
                        + "(ENOENT at step 'resolve program')\n");

        Path plain = Files.writeString(dir.resolve("plain.sh"), "#!/bin/sh\necho hi\n");
        Result invisible = cli(plain.toString());
        assertThat(invisible.status()).as("the host's /tmp is not in the view").isEqualTo(127);

        Result notExecutable = cli("--report", "-", "--ro-bind", dir.toString(), plain.toString());
        assertThat(notExecutable.status()).isEqualTo(126);
        assertThat(notExecutable.stderrLines().get(0))
                .isEqualTo(
                        "sandbox-ctl: cannot run '" + plain + "': not executable (EACCES at step 'resolve program')");
        assertThat(notExecutable.report())
                .contains("\"setupError\":{\"step\":\"resolve program\",\"errno\":\"EACCES\"");
        assertThat(notExecutable.stdout()).isEmpty();
    }

    @Test
    void aFileWithNoExecutableFormatExits126NotAsASeccompKill(@TempDir Path dir) throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage"), "neither ELF nor #!\n");
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // strict's minimal: execve fails after the filter is loaded, whose profile refuses sendto
        Result r = cli("--report", "-", "--ro-bind", dir.toString(), garbage.toString());
        assertThat(r.status()).as(r.stderr()).isEqualTo(126);
        assertThat(r.stderrLines().get(0))
                .isEqualTo("sandbox-ctl: cannot run '" + garbage + "': not executable (ENOEXEC at step 'execve')");
        assertThat(r.report())
                .contains("\"seccompViolation\":null")
                .contains("\"setupError\":{\"step\":\"execve\",\"errno\":\"ENOEXEC\"");
    }

    @Test
    void aSetupFailureExits125WithOneLineAndAReport() throws Exception {
        Result r = cli("--report", "-", "-i", "cli-setup", "-w", "/nonexistent/dir", "/bin/true");

        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderrLines()).hasSize(2);
        assertThat(r.stderrLines().get(0))
                .isEqualTo("sandbox-ctl: sandbox setup failed at step 'chdir' "
                        + "(/nonexistent/dir): ENOENT (No such file or directory)");
        String json = r.report();
        assertReportShape(json);
        assertThat(json)
                .startsWith("{\"id\":\"cli-setup\",\"mode\":\"" + expectedMode() + "\",\"exitCode\":null,"
                        + "\"signal\":null,\"signalName\":null,\"timedOut\":null,\"oomKilled\":null,\"seccompViolation\":null,"
                        + "\"blockedSyscall\":null,\"violation\":null,\"wallTimeMs\":null,\"cpuTimeUs\":null,\"userTimeUs\":null,"
                        + "\"systemTimeUs\":null,\"memoryPeakBytes\":null,")
                .endsWith("\"setupError\":{\"step\":\"chdir\",\"errno\":\"ENOENT\",\"message\":\"sandbox setup failed "
                        + "at step 'chdir' (/nonexistent/dir): ENOENT (No such file or directory)\"},\"degradations\":null,\"refusedConnections\":null,"
                        + "\"status\":\"setup_failed\"}");
    }

    @Test
    void aNormalRunsReportHasEveryFieldAfterTheProgramsOwnStderr() throws Exception {
        Result r = cli(
                "--report",
                "-",
                "-i",
                "cli-report",
                "sh",
                "-c",
                "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo done >&2");

        assertThat(r.status()).isZero();
        assertThat(r.stderrLines()).hasSize(2).first().isEqualTo("done");
        String json = r.report();
        assertReportShape(json);
        assertThat(json)
                .startsWith("{\"id\":\"cli-report\",\"mode\":\"" + expectedMode() + "\",\"exitCode\":0,"
                        + "\"signal\":null,\"signalName\":null,\"timedOut\":false,\"oomKilled\":" + expectedOomKilled()
                        + ","
                        + "\"seccompViolation\":false,\"blockedSyscall\":null,\"violation\":null,\"wallTimeMs\":")
                .endsWith(
                        ",\"setupError\":null,\"degradations\":[],\"refusedConnections\":null,\"status\":\"exited\"}");
        long rusageCpu = number(json, "userTimeUs") + number(json, "systemTimeUs");
        assertThat(rusageCpu).isPositive();
        if (expectedMode().equals("privileged")) {
            // The cgroup's figures: the whole sandbox (init too), counted in finer units than rusage.
            assertThat(number(json, "cpuTimeUs")).as(json).isPositive().isNotEqualTo(rusageCpu);
            assertThat(number(json, "memoryPeakBytes"))
                    .as("the cgroup's peak charge")
                    .isPositive();
        } else {
            assertThat(number(json, "cpuTimeUs")).isEqualTo(rusageCpu);
            assertThat(number(json, "memoryPeakBytes")).isPositive();
        }
        assertThat(number(json, "wallTimeMs")).isNotNegative();
    }

    @Test
    void anOomKillIsReported() throws Exception {
        requireFeature(expectedMode().equals("privileged"), "a memory cgroup (privileged mode) for the OOM killer");
        Result r = cli(
                "--report",
                "-",
                "-m",
                "16M",
                "-P",
                "moderate",
                "sh",
                "-c",
                "head -c 64m /dev/zero | tail > /dev/null; echo survived");

        assertThat(r.report()).as(r.stderr()).contains("\"oomKilled\":true,");
        assertThat(r.stderrLines())
                .contains("sandbox-ctl: the kernel's OOM killer ended a process of 'sh': the sandbox "
                        + "reached its memory limit of 16 MiB; --memory changes it");
    }

    @Test
    void reportIsValidJsonThatAJsonParserReadsBack() throws Exception {
        requireFeature(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 to parse the report");
        Path report = io.resolve("report.json");
        Result r = cli("--report", report.toString(), "-i", "cli-json", "sh", "-c", "exit 7");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stderr()).as("a report to a file leaves stderr alone").isEmpty();

        // Python's json module is strict (no trailing commas, escapes checked); it prints what it read back.
        Process python = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-c",
                        "import json, sys\n"
                                + "d = json.load(open(sys.argv[1]))\n"
                                + "print(list(d) == " + pythonList(RUN_FIELDS)
                                + ", d['id'], d['exitCode'], d['timedOut'], d['setupError'],"
                                + " type(d['wallTimeMs']).__name__)",
                        report.toString())
                .redirectErrorStream(true)
                .start();
        String parsed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(parsed).isZero();
        assertThat(parsed).isEqualTo("True cli-json 7 False None int\n");
    }

    @Test
    void aForbiddenSyscallExits159WithOneLineNamingTheProfile(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r = cli(
                "--report",
                "-",
                "--bind",
                dir.toString(),
                "mkdir",
                dir.resolve("forbidden").toString());

        assertThat(r.status()).isEqualTo(128 + 31);
        assertThat(r.stderrLines().get(0))
                .isEqualTo("sandbox-ctl: 'mkdir' was killed by the seccomp filter: it called "
                        + "mkdir, which profile minimal does not permit (io-heavy is the first profile that permits it; "
                        + "'sandbox-ctl seccomp minimal' lists what it permits; -s chooses another profile)");
        assertThat(r.report())
                .contains("\"signal\":31,\"signalName\":\"SIGSYS\",\"timedOut\":false,\"oomKilled\":"
                        + expectedOomKilled() + ",\"seccompViolation\":true,");
        assertThat(dir.resolve("forbidden")).doesNotExist();

        Result allowed = cli(
                "-P",
                "moderate",
                "--bind",
                dir.toString(),
                "mkdir",
                dir.resolve("allowed").toString());
        assertThat(allowed.status()).as(allowed.stderr()).isZero();
        assertThat(dir.resolve("allowed"))
                .as("a read-write bind writes through to the host")
                .isDirectory();
    }

    @Test
    void theDefaultViewHasAPrivateTmpAndTheWorkingDirectoryOnlyWhereBound(@TempDir Path dir) throws Exception {
        String unique = "sandbox4j-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path hostTmp = Path.of("/tmp", unique);
        Result tmp = cli(
                "-P",
                "moderate",
                "sh",
                "-c",
                "mkdir /tmp/" + unique + " && echo made > /tmp/" + unique + "/f" + " && cat /tmp/" + unique + "/f");
        assertThat(tmp.stdout()).as(tmp.stderr()).isEqualTo("made\n");
        assertThat(tmp.status()).isZero();
        assertThat(hostTmp)
                .as("the program's /tmp is its own, gone after the run")
                .doesNotExist();

        Path script = Files.writeString(dir.resolve("script.sh"), "echo \"in $(pwd)\"; echo changed > script.sh\n");
        // Writable by whoever the workload is on the host (a root caller's is 65534): only the view may refuse.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-rw-rw-"));
        // Never bound unasked (a bound directory shows the sockets in it): -w alone names a directory not in view.
        Result unasked = cli("-P", "moderate", "-w", dir.toString(), "sh", "script.sh");
        assertThat(unasked.status()).isEqualTo(2);
        assertThat(unasked.stderr()).contains("--ro-bind " + dir);
        Result here = cli("-P", "moderate", "-w", dir.toString(), "--ro-bind", dir.toString(), "sh", "script.sh");
        assertThat(here.stdout()).isEqualTo("in " + dir + "\n");
        assertThat(here.stderr()).contains("Read-only file system");
        assertThat(Files.readString(dir.resolve("script.sh"))).startsWith("echo \"in");

        Result writable = cli("-P", "moderate", "-w", dir.toString(), "--bind", dir.toString(), "sh", "script.sh");
        assertThat(writable.status()).as(writable.stderr()).isZero();
        assertThat(Files.readString(dir.resolve("script.sh"))).isEqualTo("changed\n");
    }

    @Test
    void aRootDirectoryIsTheProgramsSlashAndHostFsShowsTheHost(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = FilesystemViewKernelTest.minimalRootfs(dir.resolve("rootfs"));
        Files.writeString(rootfs.resolve("marker"), "inside the rootfs\n");

        // Only shell builtins: the rootfs has nothing but sh and its libraries.
        Result rooted = cli(
                "-r",
                rootfs.toString(),
                "/bin/sh",
                "-c",
                "read -r line < /marker; echo \"$line\"; for f in /*; do echo \"$f\"; done");
        assertThat(rooted.stdout())
                .as(rooted.stderr())
                .startsWith("inside the rootfs\n")
                .contains("/bin\n", "/marker\n")
                .doesNotContain("/usr\n", "/etc\n");
        assertThat(rooted.status()).isZero();

        Result host = cli("--host-fs", "sh", "-c", "cat " + rootfs.resolve("marker"));
        assertThat(host.stdout()).as(host.stderr()).isEqualTo("inside the rootfs\n");
    }

    @Test
    void presetsChooseTheNetworkAndLimitsAndOptionsOverrideThem() throws Exception {
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        // -v names each limit's mechanism as the executor decided it; the rlimits show where they fall back.
        String probe = "awk '/^Max data size/ {print $4} /^Max processes/ {print $3}' /proc/self/limits; "
                + "readlink /proc/self/ns/net";
        boolean privileged = expectedMode().equals("privileged");

        Result strict = cli("-v", "sh", "-c", probe);
        assertThat(strict.status()).as(strict.stderr()).isZero();
        assertThat(strict.stdout().lines()).hasSize(3).last().isNotEqualTo(hostNet);
        if (privileged) {
            assertThat(strict.stderr())
                    .contains(
                            "mode privileged: memory by cgroup, pids by cgroup, cpu by cgroup, " + "filesystem view;",
                            "cgroup=CgroupConfig[memory=128 MiB, swap=0 B, cpu=50000/100000us (50%), pids=64]");
            assertThat(strict.stdout().lines().findFirst())
                    .as("no RLIMIT_DATA under a memory cgroup")
                    .contains("unlimited");
        } else {
            assertThat(strict.stdout().lines()).startsWith(Long.toString(128L << 20), "64");
            assertThat(strict.stderr())
                    .contains(
                            "mode unprivileged: memory by RLIMIT_DATA, pids by RLIMIT_NPROC, cpu none",
                            "sandbox-ctl: the strict preset's cpu limit 50% is not applied: unprivileged mode creates no cgroups");
        }

        Result permissive = cli("-v", "-P", "permissive", "sh", "-c", probe);
        assertThat(permissive.stdout().lines())
                .as(permissive.stderr())
                .hasSize(3)
                .last()
                .as("permissive is user-mode networking, not the host's")
                .isNotEqualTo(hostNet);
        Result host = cli("-P", "permissive", "--network", "host", "sh", "-c", probe);
        assertThat(host.stdout().lines())
                .as(host.stderr())
                .hasSize(3)
                .last()
                .as("only by name")
                .isEqualTo(hostNet);
        assertThat(permissive.stderr())
                .contains(privileged ? "cpu=90000/100000us (90%), pids=1024]" : "NPROC=1024/1024");

        Result overridden =
                cli("-v", "-P", "permissive", "-m", "none", "--pids", "100", "--cpu", "none", "sh", "-c", probe);
        assertThat(overridden.stdout().lines()).first().isEqualTo("unlimited");
        assertThat(overridden.stderr())
                .contains("memory none, pids by " + (privileged ? "cgroup" : "RLIMIT_NPROC") + ", cpu none,");
    }

    @Test
    void theEnvironmentIsCleanUnlessAVariableIsPassedOrSet() throws Exception {
        assertThat(System.getenv("SANDBOX4J_TEST_SECRET"))
                .as("set by the surefire configuration")
                .isNotNull();
        String show = "echo \"secret=$SANDBOX4J_TEST_SECRET x=$X\"";

        assertThat(cli("sh", "-c", show).stdout()).isEqualTo("secret= x=\n");
        assertThat(cli("-e", "SANDBOX4J_TEST_SECRET", "-e", "X=a b=c", "sh", "-c", show)
                        .stdout())
                .isEqualTo("secret=do-not-leak x=a b=c\n");
    }

    @Test
    void anExplicitCpuLimitIsEnforcedWhereACgroupCanHoldItAndRefusedWhereNot(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path marker = dir.resolve("ran");

        Result refused =
                cli("--mode", "unprivileged", "--cpu", "50", "--bind", dir.toString(), "touch", marker.toString());
        assertThat(refused.status()).isEqualTo(125);
        assertThat(refused.stderr())
                .startsWith("sandbox-ctl: --cpu 50% is not available: unprivileged mode creates no " + "cgroups")
                .hasLineCount(1);
        assertThat(marker).doesNotExist();

        if (expectedMode().equals("privileged")) {
            Result held = cli("--cpu", "20", "-P", "moderate", "--bind", dir.toString(), "touch", marker.toString());
            assertThat(held.status()).as(held.stderr()).isZero();
            assertThat(marker).exists();
        }
    }

    @Test
    void aBadSeccompProfileExitsTwoNamingItAndTheValidOnes() throws Exception {
        Result r = cli("-s", "paranoid", "/bin/echo", "never");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr())
                .startsWith("sandbox-ctl: invalid --seccomp 'paranoid': valid profiles are essential, "
                        + "minimal, io-heavy, compute, network, unrestricted, NAME.json in ")
                .contains("(there is no paranoid.json)")
                .hasLineCount(1);
    }

    @Test
    void profilesListsPresetsAndSeccompProfiles() throws Exception {
        Result r = cli("profiles");

        assertThat(r.status()).isZero();
        assertThat(r.stdout())
                .contains("strict*", "moderate", "permissive", "essential", "unrestricted")
                .contains("How the limits are enforced (here --mode auto is " + expectedMode() + "):")
                .containsPattern("(?m)^strict\\* .* 50%"
                        + (expectedMode().equals("privileged") ? "" : " \\(not applied: unprivileged\\)") + "$");
    }

    // --- report helpers

    static final List<String> RUN_FIELDS = List.of(
            "id",
            "mode",
            "exitCode",
            "signal",
            "signalName",
            "timedOut",
            "oomKilled",
            "seccompViolation",
            "blockedSyscall",
            "violation",
            "wallTimeMs",
            "cpuTimeUs",
            "userTimeUs",
            "systemTimeUs",
            "memoryPeakBytes",
            "setupError",
            "degradations",
            "refusedConnections",
            "status");

    /** One line, one object, exactly the contract's top-level fields in its order. */
    private static void assertReportShape(String json) {
        assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
        Matcher names = Pattern.compile("[{,]\"(\\w+)\":")
                .matcher(json.replaceAll("\"setupError\":\\{.*},\"degradations\"", "\"setupError\":,\"degradations\""));
        List<String> found = new ArrayList<>();
        while (names.find()) {
            found.add(names.group(1));
        }
        assertThat(found).containsExactlyElementsOf(RUN_FIELDS);
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)[,}]").matcher(json);
        assertThat(m.find()).as(field + " is a number in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String expectedMode() throws IOException {
        return KernelTestSupport.euid() == 0 ? "privileged" : "unprivileged";
    }

    /** Only a memory cgroup can tell whether the OOM killer struck; without one the report says null. */
    private static String expectedOomKilled() throws IOException {
        return expectedMode().equals("privileged") ? "false" : "null";
    }

    private static String pythonList(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ", "[", "]"));
    }
}
