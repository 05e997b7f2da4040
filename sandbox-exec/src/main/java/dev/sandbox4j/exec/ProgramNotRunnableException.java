package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxSetupException;

/**
 * The program could not be started: there is no such program, or it is not executable. A setup failure
 * of its own kind because callers handle it differently (a command-line tool exits 127 or 126, as shells
 * do) and because it is the caller's mistake rather than the sandbox's.
 */
public final class ProgramNotRunnableException extends SandboxSetupException {
    private static final long serialVersionUID = 1L;

    static final int ENOENT = 2;
    static final int ENOEXEC = 8;
    static final int EACCES = 13;

    /** Why the program cannot run. */
    public enum Reason {
        /** No such file, in the sandbox's PATH or at the given path (also: its interpreter is missing). */
        NOT_FOUND,
        /** The file exists but cannot be executed (no execute permission, not a program, a directory). */
        NOT_EXECUTABLE
    }

    private final Reason reason;
    private final String program;

    ProgramNotRunnableException(String step, int errno, String program) {
        super(step, errno, program);
        this.reason = errno == ENOENT ? Reason.NOT_FOUND : Reason.NOT_EXECUTABLE;
        this.program = program;
    }

    /** Whether a failed execve's errno means the program cannot run, as opposed to a sandbox failure. */
    static boolean isProgramError(int errno) {
        return errno == ENOENT || errno == EACCES || errno == ENOEXEC;
    }

    public Reason reason() {
        return reason;
    }

    /** The program as given or as resolved. */
    public String program() {
        return program;
    }
}
