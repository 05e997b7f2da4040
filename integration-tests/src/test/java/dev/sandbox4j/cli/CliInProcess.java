package dev.sandbox4j.cli;

import dev.sandbox4j.exec.host.SystemCapabilities;
import java.io.PrintWriter;

/**
 * For the command-line fuzz test: sandbox-ctl's parse and dispatch without a JVM per command line (what
 * {@link SandboxCtl#main} does but its {@code System.exit}). Lives in the CLI's package because that entry point is
 * package-private on purpose.
 */
public final class CliInProcess {
    private CliInProcess() {}

    /** Runs one command line; returns its exit status. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return SandboxCtl.execute(SystemCapabilities::detect, out, err, args);
    }
}
