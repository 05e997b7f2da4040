package dev.sandbox4j.exec;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The launcher of one run, however it was started: by ProcessBuilder ({@link DirectLauncher}) or forked by
 * the JVM's {@link ForkServer}. The streams exist for the piped standard streams only; otherwise they are
 * empty (reads end at once, writes are discarded), as {@link Process}'s are for a redirect.
 */
interface LauncherProcess {
    long pid();

    /** The workload's stdin, when it is a pipe from the JVM. */
    OutputStream stdin();

    /** The workload's stdout, when it is a pipe to the JVM. */
    InputStream stdout();

    /** The workload's stderr, when it is a pipe to the JVM. */
    InputStream stderr();

    /** Waits until the launcher has exited and been reaped, at most {@code nanos}; true if it has. */
    boolean waitFor(long nanos) throws InterruptedException;

    /** SIGKILLs the launcher if it is still running; init and the workload follow (PDEATHSIG, PID 1). */
    void destroyForcibly();

    boolean isAlive();

    /** How it ended, for messages: e.g. "exit status 125". Only once it is not alive. */
    String exitDescription();
}
