package dev.sandbox4j.core;

import java.util.Objects;

/**
 * The kernel or system does not offer a feature the configuration asks for: user namespaces disabled by a
 * sysctl, no Landlock, no cgroup controller for a limit. Unlike {@link PermissionDeniedException}, running
 * as another user does not help; the message says what would.
 */
public class FeatureUnavailableException extends SandboxException {
    private static final long serialVersionUID = 1L;

    private final String feature;
    private final String reason;

    public FeatureUnavailableException(String feature, String reason) {
        super(feature + " is not available: " + reason);
        this.feature = Objects.requireNonNull(feature, "feature");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * With a remedy that is kept out of {@link #reason()}: the remedy speaks the library's API, while a
     * front end (such as the command line) that words its own remedy needs the reason alone.
     */
    public FeatureUnavailableException(String feature, String reason, String remedy) {
        super(feature + " is not available: " + reason + ". " + Objects.requireNonNull(remedy, "remedy"));
        this.feature = Objects.requireNonNull(feature, "feature");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Short name of the missing feature, e.g. {@code "user namespaces"}. */
    public String feature() {
        return feature;
    }

    /** Why it is not available, without the feature's name or any remedy. */
    public String reason() {
        return reason;
    }
}
