package dev.sandbox4j.core;

/**
 * A seccomp filter cannot be built: an unknown syscall name for the architecture, an invalid rule, or a
 * program over the kernel's size limit.
 */
public class SeccompException extends SandboxException {
    private static final long serialVersionUID = 1L;

    public SeccompException(String message) {
        super(message);
    }

    public SeccompException(String message, Throwable cause) {
        super(message, cause);
    }
}
