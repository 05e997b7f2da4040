package dev.sandbox4j.cli;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.SandboxResult;
import java.util.Objects;
import java.util.Optional;

/** How a {@code sandbox-ctl} run ended: the program ran and has a result, or it never ran. */
sealed interface RunOutcome {

    /** sandbox-ctl's exit status (DESIGN.md, "Command-line contract"). */
    int exitStatus();

    /** The program ran; {@code settings} is what it ran with. */
    record Ran(SandboxResult result, RunSettings settings) implements RunOutcome {
        public Ran {
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(settings, "settings");
        }

        /** 124 on timeout, whatever signal ended the program; else 128+N for signal N; else its own status. */
        @Override
        public int exitStatus() {
            if (result.timedOut()) {
                return ExitCodes.TIMED_OUT;
            }
            if (result.signal().isPresent()) {
                return ExitCodes.SIGNAL_BASE + result.signal().getAsInt();
            }
            return result.exitCode().orElseThrow();
        }
    }

    /**
     * The program never ran: the configuration was refused, the sandbox could not be set up, or the program
     * could not be started.
     *
     * @param id         the sandbox's id, when one was known
     * @param mode       the resolved privilege mode, when resolution got that far
     * @param step       the step that failed: a launcher step such as {@code chdir}, or {@code configure}
     * @param errno      the errno name such as {@code ENOENT}, when the failure has one
     * @param message    one line saying what failed, for stderr and the report
     * @param exitStatus 125, 126 or 127
     */
    record NotRun(Optional<String> id, Optional<PrivilegeMode> mode, String step, Optional<String> errno,
            String message, int exitStatus) implements RunOutcome {
        public NotRun {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(errno, "errno");
            Objects.requireNonNull(message, "message");
        }
    }
}
