package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.sandbox4j.exec.host.SystemCapabilities;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class SandboxCtlTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** As main does: a line that names no subcommand is parsed by the root command alone. */
    private int run(Supplier<SystemCapabilities> system, String... args) {
        return SandboxCtl.execute(system, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private int run(String... args) {
        return run(() -> FakeSystem.root(dir), args);
    }

    @AfterEach
    void quietAgain() {
        Logging.verbose(false);
    }

    @Test
    void onlyALineThatMayNameASubcommandBuildsThem() {
        assertThat(SandboxCtl.mayNameASubcommand()).isTrue();
        assertThat(SandboxCtl.mayNameASubcommand("-m", "64M", "check")).isTrue();
        assertThat(SandboxCtl.mayNameASubcommand("--help")).isTrue();
        assertThat(SandboxCtl.mayNameASubcommand("-m", "64M", "--", "check")).isFalse();
        assertThat(SandboxCtl.mayNameASubcommand("-P", "moderate", "make", "-j2"))
                .isFalse();
        assertThat(SandboxCtl.runLine().getSubcommands()).isEmpty();
    }

    @Test
    void whatACommandPrintsWithoutANewlineReachesAStreamThatBuffers() {
        // main's writers are over System.out, which holds print()'s output until a flush.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter buffered = new PrintWriter(bytes, true, StandardCharsets.UTF_8);

        int status = SandboxCtl.execute(
                () -> FakeSystem.root(dir),
                buffered,
                new PrintWriter(err, true),
                "seccomp",
                "essential",
                "--disassemble");

        assertThat(status).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8).stripLeading()).startsWith("0: ld [4]  ; arch");
    }

    @Test
    void helpIsACommandThatShowsTheUsageOfAnother() {
        assertThat(run("help")).isZero();
        assertThat(out.toString()).contains("Usage: sandbox-ctl [run] [OPTIONS] [--] PROGRAM [ARGS...]");
        out.getBuffer().setLength(0);

        assertThat(run("help", "seccomp")).isZero();
        assertThat(out.toString()).startsWith("Usage: sandbox-ctl seccomp");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void seccompIsASubcommandOfSandboxCtl() {
        int status = run("seccomp", "minimal");

        assertThat(status).isZero();
        assertThat(out.toString()).contains("read").contains("ioctl");
    }

    @Test
    void runOptionsBeforeASubcommandAreRefusedNotDropped() {
        // Dropped, '-t 1s run sleep 3' ran for 3 s and '-m 5M run ...' without its limit.
        assertThat(run("-t", "1s", "run", "sleep", "3")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString())
                .isEqualTo("sandbox-ctl: --timeout before 'run' would not apply to it: put the options "
                        + "after 'run' (see sandbox-ctl --help)\n");
        err.getBuffer().setLength(0);
        assertThat(run("--memory", "5M", "seccomp", "minimal")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("sandbox-ctl: --memory before 'seccomp' would not apply to it");
        err.getBuffer().setLength(0);
        // -v is every subcommand's own as well.
        assertThat(run("-v", "seccomp", "minimal")).isZero();
    }

    @Test
    void aBadExplainWritesNoExport() {
        Path file = dir.resolve("network.bpf");
        assertThat(run("seccomp", "network", "--export", file.toString(), "--explain", "nosuchsyscall"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(file).doesNotExist();
        assertThat(run("seccomp", "network", "--export", file.toString(), "--explain", "read"))
                .isZero();
        assertThat(file).isNotEmptyFile();
    }

    @Test
    void anExportedOciProfileIsOneSeccompAndMinusSTakeBack() {
        Path file = dir.resolve("minimal.json");
        assertThat(run("seccomp", "minimal", "--export-oci", file.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).startsWith("wrote " + file + ": OCI seccomp profile minimal for ");
        out.getBuffer().setLength(0);

        assertThat(run("seccomp", file.toString(), "--explain", "mkdir"))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).startsWith("mkdir() on ").contains("under " + file + ": KILL_PROCESS");
        out.getBuffer().setLength(0);
        assertThat(run("seccomp", file.toString(), "--explain", "read")).isZero();
        assertThat(out.toString()).contains(": ALLOW");
    }

    @Test
    void learnAndVolumeAreSubcommandsWithTheirOwnHelp() {
        assertThat(run("seccomp", "learn", "--help")).isZero();
        assertThat(out.toString())
                .contains("FOR TRUSTED PROGRAMS ONLY")
                .contains("-o, --output=FILE")
                .contains("--volume=NAME:DST[:ro]");
        out.getBuffer().setLength(0);
        assertThat(run("seccomp", "learn", "-o", dir.resolve("p.json").toString()))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("sandbox-ctl: missing PROGRAM: sandbox-ctl seccomp learn");
        assertThat(dir.resolve("p.json")).doesNotExist();
        err.getBuffer().setLength(0);
        assertThat(run("volume")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString())
                .contains("create")
                .contains("ls")
                .contains("rm")
                .contains("du");
    }

    @Test
    void optionsAfterTheSeccompProfileAreTheSeccompCommands() {
        int status = run("seccomp", "minimal", "--explain", "ioctl,0,0x5412");

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).startsWith("ioctl(0x0, 0x5412) on ").contains("ERRNO(1) EPERM");
    }

    @Test
    void anUnknownSeccompProfileThroughSandboxCtlExitsTwoNamingIt() {
        int status = run("seccomp", "paranoid");

        assertThat(status).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("paranoid").hasLineCount(1);
    }

    @Test
    void checkPrintsTheTableAndTheModeAutoPicks() {
        int status = run("check");

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString())
                .startsWith("sandbox4j ")
                .contains("user               root (euid 0)")
                .contains("capabilities       all 41 known except CAP_SYS_RESOURCE")
                .contains("user namespaces    yes: max_user_namespaces = 96364")
                .contains("landlock           yes: ABI 4")
                .contains("cgroups            v2 (unified)")
                .contains("auto mode resolves to PRIVILEGED: effective capabilities include");
    }

    @Test
    void checkExitsOneWhenNoModeCanWork() {
        int status = run(() -> FakeSystem.userWithoutUserNamespaces(dir), "check");

        assertThat(status).isEqualTo(1);
        assertThat(out.toString())
                .contains("auto mode resolves to nothing: sandboxing is not available: "
                        + "privileged mode unusable (privileged mode needs CAP_KILL");
    }

    @Test
    void checkOnThisMachine() {
        int status = run(SystemCapabilities::detect, "check");

        assertThat(out.toString()).contains("kernel").contains("capabilities").contains("auto mode resolves to");
        assertThat(status).isIn(0, 1);
    }

    @Test
    void badValueBeforeASubcommandExitsTwoNamingTheValue() {
        int status = run("--memory", "12Q", "check");

        assertThat(status).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString())
                .isEqualTo("sandbox-ctl: invalid --memory '12Q': unknown unit 'Q' "
                        + "(use B, K, M, G, T, P, E or KiB, MiB, GiB, TiB, PiB, EiB; all powers of 1024)\n");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "--memory  | -1       | invalid --memory '-1': a size cannot be negative",
                "-m        | 0        | invalid --memory '0': must be more than 0; use 'none' for no limit",
                "--cpu     | 0        | invalid --cpu '0': expected a percentage of one CPU greater than 0, e.g. 50, 200 for two CPUs, or 'none'",
                "--cpu     | lots     | invalid --cpu 'lots': expected a percentage of one CPU greater than 0, e.g. 50, 200 for two CPUs, or 'none'",
                "--timeout | 0        | invalid --timeout '0': must be more than 0; use 'none' to wait for the program however long it runs",
                "-t        | 5y       | invalid --timeout '5y': unknown unit 'y' (use ns, us, ms, s, m, h or d; a bare number is seconds)",
                "--pids    | 0        | invalid --pids '0': must be more than 0; use 'none' for no limit",
                "--pids    | 1.5      | invalid --pids '1.5': expected a whole number of processes, or 'none'",
                "--pids    | 9223372036854775807 | invalid --pids '9223372036854775807': above the kernel's maximum of 4194304",
                "--pids    | 2        | invalid --pids '2': below the minimum of 3: the sandbox's init and the workload count as tasks, and a shell needs one more",
                "-m        | 1.5      | invalid --memory '1.5': below the minimum of 4 MiB, which the launcher and the sandbox's namespaces need before the workload runs",
                "-t        | 106752d  | invalid --timeout '106752d': too long; the longest timeout is 106751 days (2^63-1 nanoseconds)",
                "--bind    | /tmp:/   | invalid --bind '/tmp:/': cannot mount over the sandbox's root; -r/--root DIR makes a directory the root (--rw makes it writable), --host-fs shows the host's whole tree",
                "--ro-bind | /        | invalid --ro-bind '/': cannot mount over the sandbox's root; -r/--root DIR makes a directory the root (--rw makes it writable), --host-fs shows the host's whole tree",
                "--tmpfs   | /:1M     | invalid --tmpfs '/:1M': cannot mount over the sandbox's root; -r/--root DIR makes a directory the root (--rw makes it writable), --host-fs shows the host's whole tree",
                "--mode    | root     | invalid --mode 'root': expected one of auto, privileged, unprivileged",
                "-P        | lax      | invalid --profile 'lax': expected one of strict, moderate, permissive",
                "--id      | ../x     | invalid --id '../x': must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and inner '-', starting with a letter, digit or '_', since it becomes part of a cgroup directory name",
                "-e        | =x       | invalid --env '=x': must be non-empty, without '=', spaces or control characters",
                "-s        | strict   | invalid --seccomp 'strict': valid profiles are essential, minimal, io-heavy, compute, network, unrestricted, NAME.json in ...",
                "--seccomp | io_heavyy | invalid --seccomp 'io_heavyy': valid profiles are essential, minimal, io-heavy, compute, network, unrestricted, NAME.json in ...",
                "-w        | rel/dir  | invalid --cwd 'rel/dir': must be an absolute path",
                "-c        | 0.5      | invalid --cpu '0.5': below 1% of a CPU, the kernel's minimum quota of 1 ms per 100 ms period; for less, use a quota with a longer period, e.g. 1000us per 1000000us = 0.1%",
                "--landlock-rw | rel  | invalid --landlock-ro/--landlock-rw 'rel': must be an absolute path inside the sandbox",
                "--report  | /nonexistent-sandbox4j/r.json | invalid --report '/nonexistent-sandbox4j/r.json': the directory /nonexistent-sandbox4j does not exist",
                "--network | bridge   | invalid --network 'bridge': use none, host or user",
                "--allow   | 10.0.0.1/8 | invalid --allow '10.0.0.1/8': host bits are set below the /8; did you mean 10.0.0.0/8?",
                "--allow   | 10.0.0.0/8:0 | invalid --allow '10.0.0.0/8:0': the port must be 1 to 65535",
                "--allow   | pypi.org | invalid --allow 'pypi.org': not an IP address or block (for a host name use allowHost / --allow-host)",
                "--allow-host | bad_host | invalid --allow-host 'bad_host': use HOST or HOST:PORT (a host name of A-Z a-z 0-9 . -)",
                "--publish | 80       | invalid --publish '80': use HOSTPORT:SANDBOXPORT, e.g. 8080:80",
                "--publish | 8080:0   | invalid --publish '8080:0': a port is 1 to 65535",
            })
    void badValuesExitTwoWithOneLine(String option, String value, String message) {
        int status = run(option, value, "true");

        assertThat(status).isEqualTo(2);
        if (message.endsWith("...")) { // the rest names this machine's profile directories
            assertThat(err.toString())
                    .startsWith("sandbox-ctl: " + message.substring(0, message.length() - 3))
                    .hasLineCount(1);
        } else {
            assertThat(err.toString()).isEqualTo("sandbox-ctl: " + message + "\n");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "--network none --allow 10.0.0.0/8 | invalid --allow '10.0.0.0/8': needs --network user, not --network none",
                "--network host --publish 1:2      | invalid --publish '1:2': needs --network user, not --network host",
                "--publish 8080:80 --publish 8080:81 | invalid --publish '8080:81': published port 8080 is published twice",
            })
    void networkOptionsThatDoNotFitExitTwoNamingTheOption(String options, String message) {
        List<String> args = new java.util.ArrayList<>(List.of(options.trim().split(" +")));
        args.add("true");
        int status = run(args.toArray(String[]::new));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: " + message + "\n");
    }

    @Test
    void aCpuLimitBeyondThisMachinesCpusIsRefusedNamingThem() {
        int cpus = Runtime.getRuntime().availableProcessors();
        String over = Integer.toString(100 * cpus + 1);
        assertThat(run("--cpu", over, "true")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("sandbox-ctl: invalid --cpu '" + over + "': more than the " + cpus
                        + " CPU(s) available (at most " + 100 * cpus + ", i.e. 100 per CPU)")
                .hasLineCount(1);
    }

    @Test
    void anEnvironmentNameWithATabOrNewlineIsRefusedOnOneLine() {
        assertThat(run("-e", "A\tB=1", "true")).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("sandbox-ctl: invalid --env 'A\\tB=1': must be non-empty, without '=', "
                        + "spaces or control characters\n");
        err.getBuffer().setLength(0);
        assertThat(run("-e", "A\nB", "true")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("sandbox-ctl: invalid --env 'A\\nB': ")
                .hasLineCount(1);
    }

    @ParameterizedTest(name = "--explain {0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "',,,,'        | --explain ',,,,': '' is neither a syscall name nor a number; expected SYSCALL[,ARG...], e.g. ioctl,0,0x5412 or 16,0,0x5412",
                "''            | --explain '': '' is neither a syscall name nor a number; expected SYSCALL[,ARG...], e.g. ioctl,0,0x5412 or 16,0,0x5412",
                "'ioctl,,'     | --explain argument 0 '' is not a number (decimal, or hexadecimal with 0x)",
                "'ioctl,0x'    | --explain argument 0 '0x' is not a number (decimal, or hexadecimal with 0x)",
                "'ioctl,99999999999999999999' | --explain argument 0 '99999999999999999999' is not a number (decimal, or hexadecimal with 0x)",
            })
    void everyMalformedExplainIsAUsageError(String value, String message) {
        assertThat(run("seccomp", "minimal", "--explain", value.replace("'", "")))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl seccomp: " + message + "\n");
    }

    @Test
    void aReportThatCannotBeWrittenIsABadCommandLineBeforeTheRun() {
        assertThat(run("--report", "/proc/version", "true")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("sandbox-ctl: invalid --report '/proc/version': cannot create a file in /proc: ")
                .hasLineCount(1);
    }

    @Test
    void anExportThatCannotBeWrittenExitsTwoWithTheReason() {
        assertThat(run("seccomp", "minimal", "--export", "/nonexistent-sandbox4j/x"))
                .isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("sandbox-ctl seccomp: cannot write --export /nonexistent-sandbox4j/x: "
                        + "the directory /nonexistent-sandbox4j does not exist\n");
    }

    @Test
    void extremeNumbersAreAcceptedOrAOneLineUsageErrorNeverAnInternalError() {
        String[] values = {
            "9".repeat(40),
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            "2147483648",
            "-9223372036854775808",
            "-0",
            "0.0000000001",
            "1e9",
            "0x10",
            "NaN",
            "Infinity",
            "1.",
            ".5",
            " ",
            "",
            "1 000",
            "٣",
            "1\t",
            "106751d",
            "106752d",
            "8E",
            "7.99999999999E",
            "1.5",
            "100%",
            "none "
        };
        for (String option : new String[] {"-m", "-t", "--pids", "-c"}) {
            for (String value : values) {
                out.getBuffer().setLength(0);
                err.getBuffer().setLength(0);
                int status = run(option, value, "check");
                assertThat(status).as(option + " '" + value + "': " + err).isIn(0, 2);
                assertThat(err.toString())
                        .as(option + " '" + value + "'")
                        .doesNotContain("internal error")
                        .doesNotContain("Exception");
                if (status == 2) {
                    assertThat(err.toString()).as(option + " '" + value + "'").hasLineCount(1);
                }
            }
        }
    }

    @Test
    void unknownOptionExitsTwo() {
        assertThat(run("--bogus", "true")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: unknown option '--bogus' (see sandbox-ctl --help)\n");
    }

    @Test
    void missingOptionValueExitsTwo() {
        assertThat(run("--memory")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("sandbox-ctl: missing required parameter for option '--memory'")
                .hasLineCount(1);
    }

    @Test
    void unknownOptionOfASubcommandExitsTwo() {
        assertThat(run("check", "--bogus")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: unknown option '--bogus' (see sandbox-ctl --help)\n");
    }

    @Test
    void noProgramExitsTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: missing PROGRAM (see sandbox-ctl --help)\n");
        err.getBuffer().setLength(0);
        assertThat(run("run", "-m", "1G")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: missing PROGRAM (see sandbox-ctl --help)\n");
    }

    @Test
    void aMissingRootDirectoryIsABadCommandLineNamingIt() {
        int status = run("-r", "/srv/sandbox4j-no-such-root", "--report", "-", "-i", "job-7", "ls", "-la");

        assertThat(status).isEqualTo(ExitCodes.USAGE);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString())
                .startsWith("sandbox-ctl: ")
                .contains("/srv/sandbox4j-no-such-root")
                .hasLineCount(1);
    }

    @Test
    void anExplicitCpuLimitThatCannotBeEnforcedIsRefusedNotIgnored(@TempDir Path reports) throws Exception {
        Path report = reports.resolve("report.json");
        int status = run("-c", "50", "--mode", "unprivileged", "--report", report.toString(), "true");

        assertThat(status).isEqualTo(ExitCodes.SETUP_FAILED);
        assertThat(err.toString())
                .startsWith("sandbox-ctl: --cpu 50% is not available: unprivileged mode creates no "
                        + "cgroups, and no rlimit can limit a CPU rate")
                .endsWith(
                        ". Use --cpu none (and --timeout to bound the run), "
                                + "or run where the cpu cgroup controller is usable (privileged mode, see 'sandbox-ctl check')\n")
                .hasLineCount(1);
        assertThat(Files.readString(report))
                .contains(
                        "\"setupError\":{\"step\":\"configure\",\"errno\":null,\"message\":\"--cpu 50% is not available")
                .endsWith("},\"degradations\":null,\"refusedConnections\":null,\"status\":\"setup_failed\"}\n");
        try (var files = Files.list(reports)) {
            assertThat(files).as("no temporary file left beside the report").containsExactly(report);
        }
    }

    @Test
    void profilesListsThePresetsHowEachModeEnforcesThemAndTheSeccompProfiles() {
        int status = run("profiles");

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        String autoCpu = "( \\(not applied: unprivileged\\))?";
        assertThat(out.toString())
                .containsPattern("(?m)^PRESET +SECCOMP +NETWORK +MEMORY +PIDS +TIMEOUT +CPU$")
                .containsPattern("(?m)^strict\\* +minimal +own \\(lo only\\) +128 MiB +64 +30s +50%" + autoCpu + "$")
                .containsPattern("(?m)^moderate +io-heavy +own \\(lo only\\) +512 MiB +256 +5m +75%" + autoCpu + "$")
                .containsPattern("(?m)^permissive +network +user-mode +2 GiB +1024 +1h +90%" + autoCpu + "$")
                .containsPattern(
                        "(?m)^How the limits are enforced \\(here --mode auto is (privileged|unprivileged)\\):$")
                .containsPattern(
                        "(?m)^  unprivileged +memory: RLIMIT_DATA \\(per process.*\\)\\n +pids: +RLIMIT_NPROC .*\\n"
                                + " +cpu: +a preset's is not applied, an explicit --cpu is refused: unprivileged mode creates no cgroups")
                .containsPattern(
                        "(?m)^  privileged +(memory: the run's cgroup .*\\n +pids: +the run's cgroup .*\\n +cpu: +the "
                                + "run's cgroup \\(CFS quota per 100 ms\\)|not usable here: .*)$")
                .containsPattern("(?m)^SECCOMP +SYSCALLS +DESCRIPTION")
                .containsPattern("(?m)^io-heavy +\\d+ +MINIMAL \\+ creating")
                .containsPattern("(?m)^unrestricted +\\d+ ");
        if (out.toString().contains("here --mode auto is privileged")) {
            assertThat(out.toString())
                    .as("the cpu cgroup holds the presets' cpu")
                    .doesNotContain("not applied: ");
        }
    }

    @Test
    void helpAndVersion() {
        // picocli reports a bad format string in a description on System.err, not on the command's stream.
        PrintStream systemErr = System.err;
        ByteArrayOutputStream picocliWarnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(picocliWarnings, true, StandardCharsets.UTF_8));
        try {
            assertThat(run("--help")).isZero();
        } finally {
            System.setErr(systemErr);
        }
        assertThat(picocliWarnings.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString())
                .contains("Usage: sandbox-ctl [run] [OPTIONS] [--] PROGRAM [ARGS...]")
                .contains("-m, --memory=SIZE")
                .contains("check")
                .contains("124    the timeout expired")
                .contains("(50 or 50%; 200 =")
                .contains("--bind=SRC[:DST]")
                .contains("--host-fs")
                .contains("-r, --root=PATH");
        String exitStatus = out.toString().substring(out.toString().indexOf("Exit status:\n"));
        assertThat(exitStatus.lines().skip(1))
                .as("the exit status table, each line indented: none wrapped at the usage width")
                .allMatch(line -> line.startsWith("  "));
        assertThat(err.toString()).isEmpty();
        out.getBuffer().setLength(0);

        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("sandbox-ctl " + SandboxCtl.version() + "\n");
        assertThat(SandboxCtl.version()).as("filtered by Maven").matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void verboseRaisesSandbox4jLoggersToDebug() {
        Logger logger = (Logger) LoggerFactory.getLogger("dev.sandbox4j.exec.host.SystemCapabilities");
        assertThat(logger.isDebugEnabled()).as("quiet by default").isFalse();

        run("-v", "check");

        assertThat(logger.isDebugEnabled()).isTrue();
        assertThat(((Logger) LoggerFactory.getLogger("org.example")).getEffectiveLevel())
                .isEqualTo(Level.WARN);
    }
}
