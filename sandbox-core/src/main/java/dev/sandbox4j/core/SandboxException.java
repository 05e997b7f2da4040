package dev.sandbox4j.core;

/**
 * Root of every failure sandbox4j reports. Unchecked, like {@link IllegalArgumentException}: a caller
 * catches the subclass it can act on and lets the rest propagate.
 *
 * <p>Subclasses exist per kind of failure a caller would handle differently: a bad configuration is
 * fixed by the caller, a missing kernel feature by the administrator, a setup step that failed with an
 * errno by neither, but it must be reported precisely.
 */
public class SandboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
