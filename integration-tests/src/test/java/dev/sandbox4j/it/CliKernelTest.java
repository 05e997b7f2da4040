package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cli.SandboxCtl;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
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

    /** What one sandbox-ctl process did. */
    record Cli(int status, String stdout, String stderr, Duration took) {
        List<String> stderrLines() {
            return stderr.lines().collect(Collectors.toList());
        }

        /** The last line of stderr: where {@code --report -} puts the JSON, after everything else. */
        String report() {
            List<String> lines = stderrLines();
            assertThat(lines).as("stderr").isNotEmpty();
            return lines.get(lines.size() - 1);
        }
    }

    @BeforeAll
    static void sandboxesRunHere() throws Exception {
        boolean usable;
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            usable = sandbox.run(List.of("/bin/true")).success();
        } catch (SandboxSetupException e) {
            usable = false;
        }
        requireFeature(usable, "sandboxes (user namespaces)");
    }

    private Cli cliWithStdin(String stdin, String... args) throws IOException, InterruptedException {
        Path in = Files.writeString(io.resolve("stdin"), stdin);
        Path out = io.resolve("stdout");
        Path err = io.resolve("stderr");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                SandboxCtl.class.getName()));
        command.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!process.waitFor(CLI_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("sandbox-ctl " + String.join(" ", args) + " still ran after " + CLI_DEADLINE
                    + "; stderr: " + Files.readString(err));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return new Cli(process.exitValue(), Files.readString(out), Files.readString(err), took);
    }

    private Cli cli(String... args) throws IOException, InterruptedException {
        return cliWithStdin("", args);
    }

    @Test
    void echoHelloArrivesOnTheCallersStdoutAndExitsZero() throws Exception {
        Cli r = cli("--", "/bin/echo", "hello");

        assertThat(r.stdout()).isEqualTo("hello\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.status()).isZero();
    }

    @Test
    void stdinStdoutAndStderrAreTheProgramsUntouchedAndItsExitCodeComesBack() throws Exception {
        String bytes = "line one\n\ttabbed wörld\r\nno newline at the end";
        // The default preset's minimal profile: both stdin and stdout are files here, so GNU cat copies with
        // copy_file_range(2), which minimal must permit.
        Cli r = cliWithStdin(bytes, "sh", "-c", "cat; printf 'to stderr\\n' >&2; exit 3");

        assertThat(r.stdout()).isEqualTo(bytes);
        assertThat(r.stderr()).as("the program's stderr, and nothing of sandbox-ctl's").isEqualTo("to stderr\n");
        assertThat(r.status()).isEqualTo(3);
    }

    @Test
    void aSignalDeathExits128PlusTheSignal() throws Exception {
        Cli r = cli("sh", "-c", "kill -KILL $$");

        assertThat(r.status()).isEqualTo(128 + 9);
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void aTimeoutKillsTheTreePromptlyExits124AndIsReported() throws Exception {
        // A fraction unique to this run names its sleeps: other test runs on the machine have sleeps of their own.
        String unique = Long.toString(ProcessHandle.current().pid()) + System.nanoTime() % 1_000_000;
        Cli r = cli("-t", "500ms", "--report", "-", "sh", "-c", "sleep 972." + unique + " & sleep 971." + unique);

        assertThat(r.status()).isEqualTo(124);
        assertThat(r.took()).as("the JVM's start plus 500 ms, not 10 s").isLessThan(Duration.ofSeconds(6));
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderrLines()).hasSize(2);
        assertThat(r.stderrLines().get(0)).isEqualTo("sandbox-ctl: timed out after 500ms; the sandbox was killed");
        String json = r.report();
        assertReportShape(json);
        assertThat(json).contains("\"exitCode\":null,\"signal\":9,\"signalName\":\"SIGKILL\",\"timedOut\":true,"
                + "\"oomKilled\":false,\"seccompViolation\":false,\"blockedSyscall\":null,").endsWith(",\"setupError\":null}");
        assertThat(number(json, "wallTimeMs")).isBetween(450L, 3000L);
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("sleep 97") && c.contains(unique))).as("leftover sleeps").isEmpty();
    }

    @Test
    void sigtermToSandboxCtlGoesToTheProgramWhichEndsItsOwnWayWithAReport() throws Exception {
        Path out = io.resolve("stdout");
        Path report = io.resolve("report.json");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SandboxCtl.class.getName(), "--report", report.toString(),
                "sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(io.resolve("stderr").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.readString(out).equals("ready\n") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.readString(out)).isEqualTo("ready\n");

            process.destroy(); // SIGTERM to sandbox-ctl's JVM

            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("sandbox-ctl ends with its program").isTrue();
        } finally {
            process.destroyForcibly().waitFor();
        }
        assertThat(process.exitValue()).as(Files.readString(io.resolve("stderr"))).isEqualTo(7);
        assertThat(Files.readString(out)).isEqualTo("ready\ngot TERM\n");
        assertThat(Files.readString(report)).contains("\"exitCode\":7,\"signal\":null,");
    }

    @Test
    void aMissingProgramExits127AndANonExecutableOne126(@TempDir Path dir) throws Exception {
        Cli missing = cli("no-such-program-sandbox4j", "arg");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.stderr()).isEqualTo("sandbox-ctl: cannot run 'no-such-program-sandbox4j': not found "
                + "(ENOENT at step 'resolve program')\n");

        Path plain = Files.writeString(dir.resolve("plain.sh"), "#!/bin/sh\necho hi\n");
        Cli notExecutable = cli("--report", "-", plain.toString());
        assertThat(notExecutable.status()).isEqualTo(126);
        assertThat(notExecutable.stderrLines().get(0)).isEqualTo("sandbox-ctl: cannot run '" + plain
                + "': not executable (EACCES at step 'resolve program')");
        assertThat(notExecutable.report()).contains("\"setupError\":{\"step\":\"resolve program\",\"errno\":\"EACCES\"");
        assertThat(notExecutable.stdout()).isEmpty();
    }

    @Test
    void aSetupFailureExits125WithOneLineAndAReport() throws Exception {
        Cli r = cli("--report", "-", "-i", "cli-setup", "-w", "/nonexistent/dir", "/bin/true");

        assertThat(r.status()).isEqualTo(125);
        assertThat(r.stderrLines()).hasSize(2);
        assertThat(r.stderrLines().get(0)).isEqualTo("sandbox-ctl: sandbox setup failed at step 'chdir' "
                + "(/nonexistent/dir): ENOENT (No such file or directory)");
        String json = r.report();
        assertReportShape(json);
        assertThat(json).startsWith("{\"id\":\"cli-setup\",\"mode\":\"" + expectedMode() + "\",\"exitCode\":null,"
                + "\"signal\":null,\"signalName\":null,\"timedOut\":null,\"oomKilled\":null,\"seccompViolation\":null,"
                + "\"blockedSyscall\":null,\"wallTimeMs\":null,\"cpuTimeUs\":null,\"userTimeUs\":null,"
                + "\"systemTimeUs\":null,\"memoryPeakBytes\":null,")
                .endsWith("\"setupError\":{\"step\":\"chdir\",\"errno\":\"ENOENT\",\"message\":\"sandbox setup failed "
                        + "at step 'chdir' (/nonexistent/dir): ENOENT (No such file or directory)\"}}");
    }

    @Test
    void aNormalRunsReportHasEveryFieldAfterTheProgramsOwnStderr() throws Exception {
        Cli r = cli("--report", "-", "-i", "cli-report", "sh", "-c",
                "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo done >&2");

        assertThat(r.status()).isZero();
        assertThat(r.stderrLines()).hasSize(2).first().isEqualTo("done");
        String json = r.report();
        assertReportShape(json);
        assertThat(json).startsWith("{\"id\":\"cli-report\",\"mode\":\"" + expectedMode() + "\",\"exitCode\":0,"
                + "\"signal\":null,\"signalName\":null,\"timedOut\":false,\"oomKilled\":false,"
                + "\"seccompViolation\":false,\"blockedSyscall\":null,\"wallTimeMs\":")
                .endsWith(",\"setupError\":null}");
        assertThat(number(json, "cpuTimeUs")).isPositive()
                .isEqualTo(number(json, "userTimeUs") + number(json, "systemTimeUs"));
        assertThat(number(json, "memoryPeakBytes")).isPositive();
        assertThat(number(json, "wallTimeMs")).isNotNegative();
    }

    @Test
    void reportIsValidJsonThatAJsonParserReadsBack() throws Exception {
        requireFeature(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 to parse the report");
        Path report = io.resolve("report.json");
        Cli r = cli("--report", report.toString(), "-i", "cli-json", "sh", "-c", "exit 7");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stderr()).as("a report to a file leaves stderr alone").isEmpty();

        // Python's json module is strict (no trailing commas, escapes checked); it prints what it read back.
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", "import json, sys\n"
                + "d = json.load(open(sys.argv[1]))\n"
                + "print(list(d) == " + pythonList(RUN_FIELDS) + ", d['id'], d['exitCode'], d['timedOut'], d['setupError'],"
                + " type(d['wallTimeMs']).__name__)", report.toString()).redirectErrorStream(true).start();
        String parsed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(parsed).isZero();
        assertThat(parsed).isEqualTo("True cli-json 7 False None int\n");
    }

    @Test
    void aForbiddenSyscallExits159WithOneLineNamingTheProfile(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Cli r = cli("--report", "-", "mkdir", dir.resolve("forbidden").toString());

        assertThat(r.status()).isEqualTo(128 + 31);
        assertThat(r.stderrLines().get(0)).isEqualTo("sandbox-ctl: 'mkdir' was killed by the seccomp filter: it made a "
                + "system call that profile minimal does not permit ('sandbox-ctl seccomp minimal' lists what it "
                + "permits; -s chooses another profile)");
        assertThat(r.report()).contains("\"signal\":31,\"signalName\":\"SIGSYS\",\"timedOut\":false,\"oomKilled\":false,"
                + "\"seccompViolation\":true,");
        assertThat(dir.resolve("forbidden")).doesNotExist();

        Cli allowed = cli("-P", "moderate", "mkdir", dir.resolve("allowed").toString());
        assertThat(allowed.status()).as(allowed.stderr()).isZero();
        assertThat(dir.resolve("allowed")).isDirectory();
    }

    @Test
    void presetsChooseTheNetworkAndLimitsAndOptionsOverrideThem() throws Exception {
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        // Address space in KiB, then processes: dash's ulimit has no -u, /proc has both.
        String probe = "ulimit -v; awk '/^Max processes/ {print $3}' /proc/self/limits; readlink /proc/self/ns/net";

        Cli strict = cli("sh", "-c", probe);
        assertThat(strict.stdout().lines()).as(strict.stderr()).hasSize(3)
                .startsWith(Long.toString(128 << 10), "64").last().isNotEqualTo(hostNet);

        Cli permissive = cli("-P", "permissive", "sh", "-c", probe);
        assertThat(permissive.stdout().lines()).as(permissive.stderr())
                .containsExactly(Long.toString(2L << 20), "1024", hostNet);

        Cli overridden = cli("-P", "permissive", "-m", "none", "--pids", "100", "sh", "-c", probe);
        assertThat(overridden.stdout().lines()).containsExactly("unlimited", "100", hostNet);
    }

    @Test
    void theEnvironmentIsCleanUnlessAVariableIsPassedOrSet() throws Exception {
        assertThat(System.getenv("SANDBOX4J_TEST_SECRET")).as("set by the surefire configuration").isNotNull();
        String show = "echo \"secret=$SANDBOX4J_TEST_SECRET x=$X\"";

        assertThat(cli("sh", "-c", show).stdout()).isEqualTo("secret= x=\n");
        assertThat(cli("-e", "SANDBOX4J_TEST_SECRET", "-e", "X=a b=c", "sh", "-c", show).stdout())
                .isEqualTo("secret=do-not-leak x=a b=c\n");
    }

    @Test
    void limitsThisBuildCannotEnforceAndTheRootSwitchAreRefusedBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path marker = dir.resolve("ran");

        Cli cpu = cli("--cpu", "50", "touch", marker.toString());
        assertThat(cpu.status()).isEqualTo(125);
        assertThat(cpu.stderr()).startsWith("sandbox-ctl: --cpu is not available: ").hasLineCount(1);

        Cli root = cli("-r", "/", "touch", marker.toString());
        assertThat(root.status()).isEqualTo(125);
        assertThat(root.stderr()).isEqualTo("sandbox-ctl: --root is not available: the root switch is not in this build "
                + "yet (no filesystem view); the program did not run\n");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aBadSeccompProfileExitsTwoNamingItAndTheValidOnes() throws Exception {
        Cli r = cli("-s", "paranoid", "/bin/echo", "never");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("sandbox-ctl: invalid --seccomp 'paranoid': valid profiles are essential, "
                + "minimal, io-heavy, compute, network, unrestricted\n");
    }

    @Test
    void profilesListsPresetsAndSeccompProfiles() throws Exception {
        Cli r = cli("profiles");

        assertThat(r.status()).isZero();
        assertThat(r.stdout()).contains("strict*", "moderate", "permissive", "essential", "unrestricted");
    }

    // --- report helpers

    static final List<String> RUN_FIELDS = List.of("id", "mode", "exitCode", "signal", "signalName", "timedOut",
            "oomKilled", "seccompViolation", "blockedSyscall", "wallTimeMs", "cpuTimeUs", "userTimeUs",
            "systemTimeUs", "memoryPeakBytes", "setupError");

    /** One line, one object, exactly the contract's top-level fields in its order. */
    private static void assertReportShape(String json) {
        assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
        Matcher names = Pattern.compile("[{,]\"(\\w+)\":").matcher(json.replaceAll("\"setupError\":\\{.*}}$", "\"setupError\":}"));
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

    private static String pythonList(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ", "[", "]"));
    }
}
