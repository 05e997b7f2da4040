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

    public FeatureUnavailableException(String feature, String reason) {
        super(feature + " is not available: " + reason);
        this.feature = Objects.requireNonNull(feature, "feature");
    }

    /** Short name of the missing feature, e.g. {@code "user namespaces"}. */
    public String feature() {
        return feature;
    }
}
