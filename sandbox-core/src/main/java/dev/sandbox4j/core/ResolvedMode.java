package dev.sandbox4j.core;

import java.util.Objects;

/**
 * The privilege mode a sandbox will use, never {@link PrivilegeMode#AUTO}, and why, for logs and
 * {@code sandbox-ctl check}.
 *
 * @param mode   {@link PrivilegeMode#PRIVILEGED} or {@link PrivilegeMode#UNPRIVILEGED}
 * @param reason one sentence of evidence, e.g. which capabilities and cgroup directories made it possible
 */
public record ResolvedMode(PrivilegeMode mode, String reason) {

    public ResolvedMode {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(reason, "reason");
        if (mode == PrivilegeMode.AUTO) {
            throw new IllegalArgumentException("a resolved mode is PRIVILEGED or UNPRIVILEGED, not AUTO");
        }
    }

    @Override
    public String toString() {
        return mode + " (" + reason + ")";
    }
}
