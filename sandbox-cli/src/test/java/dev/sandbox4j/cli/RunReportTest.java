package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.PrivilegeMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
    /** The contract's fields, in its order. */
    static final List<String> FIELDS = List.of(
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

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private static ProgramRunner.RunOutcome.NotRun chdirFailed() {
        return new ProgramRunner.RunOutcome.NotRun(
                Optional.of("job-1"),
                Optional.of(PrivilegeMode.UNPRIVILEGED),
                "chdir",
                Optional.of("ENOENT"),
                "sandbox setup failed at step 'chdir' (/no \"such\"\\dir\n): ENOENT",
                ExitCodes.SETUP_FAILED);
    }

    static List<String> topLevelNames(String json) {
        // Names at depth 1 only: a nested object's names are skipped.
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\":").matcher(json);
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) {
            int depth = 0;
            for (int i = 0; i < m.start(); i++) {
                char c = json.charAt(i);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            }
            if (depth == 1) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void aSetupFailureHasEveryFieldRunFieldsNullAndTheError() {
        String json = RunReport.json(chdirFailed());

        assertThat(topLevelNames(json)).containsExactlyElementsOf(FIELDS);
        assertThat(json)
                .isEqualTo("{\"id\":\"job-1\",\"mode\":\"unprivileged\",\"exitCode\":null,\"signal\":null,"
                        + "\"signalName\":null,\"timedOut\":null,\"oomKilled\":null,\"seccompViolation\":null,"
                        + "\"blockedSyscall\":null,\"violation\":null,\"wallTimeMs\":null,\"cpuTimeUs\":null,\"userTimeUs\":null,"
                        + "\"systemTimeUs\":null,\"memoryPeakBytes\":null,\"setupError\":{\"step\":\"chdir\",\"errno\":\"ENOENT\","
                        + "\"message\":\"sandbox setup failed at step 'chdir' (/no \\\"such\\\"\\\\dir\\n): ENOENT\"},"
                        + "\"degradations\":null,\"refusedConnections\":null,\"status\":\"setup_failed\"}");
        assertThat(json).doesNotContain("\n");
    }

    @Test
    void aRunSandbox4jEndedItselfIsSandboxFailed() {
        String json = RunReport.json(new ProgramRunner.RunOutcome.NotRun(
                Optional.of("x"),
                Optional.of(PrivilegeMode.PRIVILEGED),
                "run",
                Optional.empty(),
                "the launcher died",
                ExitCodes.SETUP_FAILED));
        assertThat(json).endsWith("\"degradations\":null,\"refusedConnections\":null,\"status\":\"sandbox_failed\"}");
    }

    @Test
    void aRefusalBeforeLaunchHasNoModeAndNoErrno() {
        String json = RunReport.json(new ProgramRunner.RunOutcome.NotRun(
                Optional.empty(), Optional.empty(), "configure", Optional.empty(), "no", ExitCodes.SETUP_FAILED));

        assertThat(json)
                .startsWith("{\"id\":null,\"mode\":null,")
                .endsWith(
                        "\"setupError\":{\"step\":\"configure\",\"errno\":null,\"message\":\"no\"},\"degradations\":null,\"refusedConnections\":null,\"status\":\"setup_failed\"}");
    }

    @Test
    void dashWritesOneLineToStderr() {
        assertThat(RunReport.write("-", "{}", new PrintWriter(err))).isTrue();
        assertThat(err.toString()).isEqualTo("{}\n");
    }

    @Test
    void aFileIsReplacedWholeAndNoTemporaryFileRemains() throws Exception {
        Path report = dir.resolve("run.json");
        Files.writeString(report, "old and much longer content that must not survive");

        assertThat(RunReport.write(report.toString(), "{\"a\":1}", new PrintWriter(err)))
                .isTrue();

        assertThat(Files.readString(report)).isEqualTo("{\"a\":1}\n");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(report);
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aFailedWriteIsOneLineOnStderrAndLeavesNothing() throws Exception {
        Path report = dir.resolve("gone").resolve("run.json");

        assertThat(RunReport.write(report.toString(), "{}", new PrintWriter(err)))
                .isFalse();

        assertThat(err.toString())
                .startsWith("sandbox-ctl: cannot write the report to " + report + ": ")
                .hasLineCount(1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void problemsWithTheTargetAreFoundBeforeTheRun() {
        assertThat(RunReport.problemWith("-")).isEmpty();
        assertThat(RunReport.problemWith(dir.resolve("new.json").toString())).isEmpty();
        assertThat(RunReport.problemWith(dir.toString())).contains("is a directory");
        assertThat(RunReport.problemWith(dir.resolve("x/y.json").toString()))
                .contains("the directory " + dir.resolve("x") + " does not exist");
    }

    @Test
    void setupFailuresExitWithTheirOwnStatus() {
        assertThat(chdirFailed().exitStatus()).isEqualTo(125);
    }
}
