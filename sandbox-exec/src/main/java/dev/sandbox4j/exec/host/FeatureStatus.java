package dev.sandbox4j.exec.host;

import java.util.Objects;

/**
 * Whether a kernel feature can be used by this process, and the evidence: what was read, or why not.
 *
 * @param available whether the feature can be used by this caller
 * @param detail    the evidence when available (e.g. {@code max_user_namespaces=96364}), the reason and the fix
 *                  when not
 */
public record FeatureStatus(boolean available, String detail) {

    public FeatureStatus {
        Objects.requireNonNull(detail, "detail");
    }

    public static FeatureStatus yes(String detail) {
        return new FeatureStatus(true, detail);
    }

    public static FeatureStatus no(String reason) {
        return new FeatureStatus(false, reason);
    }

    @Override
    public String toString() {
        return (available ? "yes" : "no") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
