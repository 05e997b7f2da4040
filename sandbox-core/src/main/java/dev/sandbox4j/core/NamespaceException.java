package dev.sandbox4j.core;

/**
 * A namespace, id map or mount plan cannot be set up as configured.
 */
public class NamespaceException extends SandboxException {
    private static final long serialVersionUID = 1L;

    public NamespaceException(String message) {
        super(message);
    }

    public NamespaceException(String message, Throwable cause) {
        super(message, cause);
    }
}
