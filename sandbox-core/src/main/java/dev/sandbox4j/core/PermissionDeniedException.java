package dev.sandbox4j.core;

/**
 * The calling process lacks a privilege the requested configuration needs (a capability, write access to
 * a cgroup, the right to raise a hard rlimit). The message names the privilege and the alternatives,
 * typically {@link PrivilegeMode#UNPRIVILEGED}.
 */
public class PermissionDeniedException extends SandboxException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String message) {
        super(message);
    }

    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
