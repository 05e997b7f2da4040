package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.RunListener;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompViolation;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A sandbox's listener hears each run's stages as they happen ({@link RunJfrKernelTest}: JFR's record of them). */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class RunEventsKernelTest {
    private static final long MIB = 1L << 20;

    /** Writes down what it hears, one word each, and checks the times only grow. */
    static final class Heard implements RunListener {
        final List<String> events = new ArrayList<>();
        private Duration last = Duration.ZERO;
        SeccompViolation violation;

        synchronized void clear() {
            events.clear();
            last = Duration.ZERO;
        }

        private synchronized void heard(String what, Duration at) {
            assertThat(at).as(what + " after the previous stage").isGreaterThanOrEqualTo(last);
            last = at;
            events.add(what);
        }

        @Override
        public void runStarted(Run run) {
            heard("runStarted", Duration.ZERO);
        }

        @Override
        public void launcherStarted(Run run, Duration t) {
            heard("launcherStarted", t);
        }

        @Override
        public void planSent(Run run, Duration t) {
            heard("planSent", t);
        }

        @Override
        public void programStarted(Run run, Duration t) {
            heard("programStarted", t);
        }

        @Override
        public void setupFailed(Run run, Duration t, RuntimeException e) {
            heard("setupFailed", t);
        }

        @Override
        public void limitReached(Run run, Duration t, RunStatus limit) {
            heard("limitReached " + limit, t);
        }

        @Override
        public void seccompViolation(Run run, Duration t, SeccompViolation v) {
            violation = v;
            heard("seccompViolation", t);
        }

        @Override
        public void programEnded(Run run, Duration t) {
            heard("programEnded", t);
        }

        @Override
        public void runEnded(Run run, Duration t, SandboxResult r) {
            heard("runEnded " + r.status(), t);
        }

        @Override
        public void runFailed(Run run, Duration t, Throwable e) {
            heard("runFailed " + e.getClass().getSimpleName(), t);
        }
    }

    @Test
    void aRunIsHeardStageByStageInOrder() throws Exception {
        Heard heard = new Heard();
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(30)).build(), heard)) {
            sandbox.run(List.of("true"));
            assertThat(heard.events)
                    .containsExactly(
                            "runStarted",
                            "launcherStarted",
                            "planSent",
                            "programStarted",
                            "programEnded",
                            "runEnded EXITED");
            heard.clear();
            sandbox.run(RunRequest.builder(List.of("sleep", "10"))
                    .timeout(Duration.ofMillis(300))
                    .build());
            assertThat(heard.events)
                    .containsExactly(
                            "runStarted",
                            "launcherStarted",
                            "planSent",
                            "programStarted",
                            "limitReached TIMEOUT",
                            "programEnded",
                            "runEnded TIMEOUT");
        }
    }

    @Test
    void limitsAndViolationsAreHeardWhileTheProgramRuns() throws Exception {
        Heard heard = new Heard();
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder()
                        .timeout(Duration.ofSeconds(30))
                        .memoryLimit(64 * MIB)
                        .build(),
                heard)) {
            if (sandbox.config().mode() == PrivilegeMode.PRIVILEGED) {
                sandbox.run(RunRequest.builder(List.of("sh", "-c", "while :; do :; done"))
                        .cpuTimeLimit(Duration.ofMillis(300))
                        .build());
                assertThat(heard.events)
                        .containsSubsequence(
                                "programStarted",
                                "limitReached CPU_TIME_LIMIT",
                                "programEnded",
                                "runEnded CPU_TIME_LIMIT");
                heard.clear();
                // A child OOM-killed, its parent carrying on: heard before the end, not read from the result.
                String[] touch = CgroupLimitsKernelTest.touch(200);
                SandboxResult r = sandbox.run(List.of(
                        "sh", "-c", "\"$0\" \"$1\" \"$2\"; sleep 0.3; echo survived", touch[0], touch[1], touch[2]));
                assertThat(r.stdoutText()).isEqualTo("survived\n");
                assertThat(heard.events)
                        .containsExactly(
                                "runStarted",
                                "launcherStarted",
                                "planSent",
                                "programStarted",
                                "limitReached MEMORY_LIMIT",
                                "programEnded",
                                "runEnded MEMORY_LIMIT");
            }
        }
        Heard strict = new Heard();
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder()
                        .seccomp(SeccompProfile.MINIMAL)
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                strict)) {
            sandbox.run(List.of("mkdir", "/tmp/x-" + ProcessHandle.current().pid()));
            if (sandbox.config().seccompSupervised()) {
                // The supervisor's report may trail the exit's by a moment: before the result, in any case.
                assertThat(strict.events)
                        .containsSubsequence("programStarted", "seccompViolation", "runEnded SECCOMP_VIOLATION");
                assertThat(strict.violation.syscall()).isEqualTo("mkdir");
            } else {
                assertThat(strict.events).last().isEqualTo("runEnded SECCOMP_VIOLATION");
            }
        }
    }

    @Test
    void failuresAreHeardAndAListenerThatThrowsChangesNothing() throws Exception {
        Heard heard = new Heard();
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder()
                        .cwd(Path.of("/nonexistent-sandbox4j"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                heard)) {
            assertThatThrownBy(() -> sandbox.run(List.of("true"))).isInstanceOf(SandboxSetupException.class);
            assertThat(heard.events)
                    .startsWith("runStarted")
                    .endsWith("setupFailed", "runFailed SandboxSetupException");
        }
        Heard missing = new Heard();
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build(), missing)) {
            assertThatThrownBy(() -> sandbox.run(List.of("no-such-program-sandbox4j")))
                    .isInstanceOf(ProgramNotRunnableException.class);
            assertThat(missing.events)
                    .containsExactly("runStarted", "setupFailed", "runFailed ProgramNotRunnableException");
        }
        RunListener throwing = new RunListener() {
            @Override
            public void programStarted(Run run, Duration sinceStart) {
                throw new IllegalStateException("a listener's bug");
            }
        };
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build(), throwing)) {
            assertThat(sandbox.run(List.of("echo", "fine")).stdoutText()).isEqualTo("fine\n");
        }
    }
}
