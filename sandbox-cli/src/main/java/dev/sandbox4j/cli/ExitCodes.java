package dev.sandbox4j.cli;

/**
 * The exit statuses of {@code sandbox-ctl} (README.md, "Command line"). Apart from these, a run exits
 * with the program's own status, or {@code 128 + N} when signal N killed it; they follow the conventions of
 * {@code timeout(1)} and {@code env(1)}, so scripts can tell sandbox4j's failures from the program's.
 */
final class ExitCodes {
    static final int OK = 0;
    /** {@code check}: no privilege mode can work on this system. */
    static final int NOTHING_USABLE = 1;
    /** Bad command line: one line on stderr names the option or value. */
    static final int USAGE = 2;

    static final int TIMED_OUT = 124;
    /** The sandbox could not be set up; the program did not run. */
    static final int SETUP_FAILED = 125;

    static final int NOT_EXECUTABLE = 126;
    static final int NOT_FOUND = 127;
    /** Added to the number of the signal that killed the program. */
    static final int SIGNAL_BASE = 128;

    private ExitCodes() {}
}
