package dev.sandbox4j.core;

import java.util.Objects;

/**
 * A step between fork and exec failed: the launcher reports which step, the errno and a detail (a path,
 * a value). The workload did not run. Never conflated with an exit code the program itself could return.
 */
public class SandboxSetupException extends SandboxException {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final int errno;
    private final String detail;

    /**
     * @param step   the step that failed, e.g. {@code "unshare"}, {@code "write uid_map"}
     * @param errno  the errno it failed with, 0 when the failure has none
     * @param detail what was being done, e.g. the path or value; may be empty
     */
    public SandboxSetupException(String step, int errno, String detail) {
        super(format(step, errno, detail));
        this.step = Objects.requireNonNull(step, "step");
        this.errno = errno;
        this.detail = detail == null ? "" : detail;
    }

    private static String format(String step, int errno, String detail) {
        StringBuilder message =
                new StringBuilder("sandbox setup failed at step '").append(step).append('\'');
        if (detail != null && !detail.isEmpty()) {
            message.append(" (").append(detail).append(')');
        }
        if (errno != 0) {
            message.append(": ").append(Errno.describe(errno));
        }
        return message.toString();
    }

    public String step() {
        return step;
    }

    /** The errno, or 0 when the failure had none. */
    public int errno() {
        return errno;
    }

    /** Symbolic errno name such as {@code "EPERM"}, or {@code null} when {@link #errno()} is 0. */
    public String errnoName() {
        return errno == 0 ? null : Errno.name(errno);
    }

    public String detail() {
        return detail;
    }
}
