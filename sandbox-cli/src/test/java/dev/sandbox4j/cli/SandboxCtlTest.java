package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.sandbox4j.core.SystemCapabilities;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.nio.file.Path;
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

    private int run(Supplier<SystemCapabilities> system, String... args) {
        var commandLine = SandboxCtl.commandLine(system);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private int run(String... args) {
        return run(() -> FakeSystem.root(dir), args);
    }

    @AfterEach
    void quietAgain() {
        Logging.verbose(false);
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
        assertThat(out.toString()).contains("auto mode resolves to nothing: sandboxing is not available: "
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
        assertThat(err.toString()).isEqualTo("sandbox-ctl: invalid --memory '12Q': unknown unit 'Q' "
                + "(use B, K, M, G, T, P, E or KiB, MiB, GiB, TiB, PiB, EiB; all powers of 1024)\n");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--memory  | -1       | invalid --memory '-1': a size cannot be negative",
            "-m        | 0        | invalid --memory '0': must be more than 0; omit --memory for no limit",
            "--cpu     | 0        | invalid --cpu '0': expected a percentage of one CPU greater than 0 and at most 100, e.g. 50",
            "-c        | 101      | invalid --cpu '101': expected a percentage of one CPU greater than 0 and at most 100, e.g. 50",
            "--cpu     | lots     | invalid --cpu 'lots': expected a percentage of one CPU greater than 0 and at most 100, e.g. 50",
            "--timeout | 0        | invalid --timeout '0': must be more than 0; omit --timeout to wait for the program however long it runs",
            "-t        | 5y       | invalid --timeout '5y': unknown unit 'y' (use ns, us, ms, s, m, h or d; a bare number is seconds)",
            "--pids    | 0        | invalid --pids '0': expected a whole number of processes, at least 1",
            "--pids    | 1.5      | invalid --pids '1.5': expected a whole number of processes, at least 1",
            "--mode    | root     | invalid --mode 'root': expected one of auto, privileged, unprivileged",
            "-P        | lax      | invalid --profile 'lax': expected one of strict, moderate, permissive",
            "--id      | ../x     | invalid --id '../x': use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            "-e        | =x       | invalid --env '=x': the variable name is empty; expected NAME=VALUE or NAME",
            "-s        | a/b      | invalid --seccomp 'a/b': expected a profile name, e.g. strict",
    })
    void badValuesExitTwoWithOneLine(String option, String value, String message) {
        int status = run(option, value, "true");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: " + message + "\n");
    }

    @Test
    void unknownOptionExitsTwo() {
        assertThat(run("--bogus", "true")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: unknown option '--bogus' (see sandbox-ctl --help)\n");
    }

    @Test
    void missingOptionValueExitsTwo() {
        assertThat(run("true", "--memory")).as("after PROGRAM it is the program's").isEqualTo(125);
        err.getBuffer().setLength(0);

        assertThat(run("--memory")).isEqualTo(2);
        assertThat(err.toString()).startsWith("sandbox-ctl: missing required parameter for option '--memory'")
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
    void aProgramIsHonestlyNotRunYet() {
        int status = run("-m", "512M", "ls", "-la");

        assertThat(status).isEqualTo(125);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).isEqualTo("sandbox-ctl: cannot run 'ls': running programs is not in this build "
                + "yet (the executor is not merged); 'sandbox-ctl check' works\n");
    }

    @Test
    void explicitRunSubcommandAndDoubleDashReachTheProgram() {
        assertThat(run("run", "--", "check")).isEqualTo(125);
        assertThat(err.toString()).contains("cannot run 'check'");
        err.getBuffer().setLength(0);

        assertThat(run("--", "check")).isEqualTo(125);
        assertThat(err.toString()).contains("cannot run 'check'");
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
                .contains("(50 or 50%)");
        assertThat(err.toString()).isEmpty();
        out.getBuffer().setLength(0);

        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("sandbox-ctl " + VersionProvider.version() + "\n");
        assertThat(VersionProvider.version()).as("filtered by Maven").matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void verboseRaisesSandbox4jLoggersToDebug() {
        Logger logger = (Logger) LoggerFactory.getLogger("dev.sandbox4j.core.SystemCapabilities");
        assertThat(logger.isDebugEnabled()).as("quiet by default").isFalse();

        run("-v", "check");

        assertThat(logger.isDebugEnabled()).isTrue();
        assertThat(((Logger) LoggerFactory.getLogger("org.example")).getEffectiveLevel()).isEqualTo(Level.WARN);
    }
}
