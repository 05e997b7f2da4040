package dev.sandbox4j.cli;

import java.io.PrintWriter;

/**
 * Runs PROGRAM in a sandbox and turns its result into {@code sandbox-ctl}'s exit status. The one place the CLI
 * meets the executor ({@code sandbox-exec}); until that module is merged it says so and exits 125, without
 * running anything.
 */
final class ProgramRunner {
    private final PrintWriter err;

    ProgramRunner(PrintWriter err) {
        this.err = err;
    }

    int run(RunOptions options) {
        err.println("sandbox-ctl: cannot run '" + options.program().orElseThrow()
                + "': running programs is not in this build yet (the executor is not merged); "
                + "'sandbox-ctl check' works");
        err.flush();
        return ExitCodes.SETUP_FAILED;
    }
}
