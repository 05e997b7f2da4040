package dev.sandbox4j.exec;

import java.util.Objects;

/**
 * How one limit of a sandbox will be enforced, decided at {@code build()} before any run; see
 * {@link SandboxConfig#enforcement()}. A limit that nothing could enforce is refused by {@code build()}, so
 * {@link Mechanism#NONE} only means "not set".
 *
 * @param limit     {@code "memory"}, {@code "cpu"} or {@code "pids"}
 * @param mechanism what holds it
 * @param detail    the kernel setting and its value, and why a cgroup limit became an rlimit; or why none
 */
public record Enforcement(String limit, Mechanism mechanism, String detail) {

    /** What holds a limit. */
    public enum Mechanism {
        /** A limit on each run's cgroup in the unified (v2) hierarchy: the whole process tree. */
        CGROUP_V2,
        /** A limit on each run's cgroup in a v1 hierarchy: the whole process tree. */
        CGROUP_V1,
        /** A per-process rlimit (see {@link LimitMechanism#RLIMIT} for what it does not guarantee). */
        RLIMIT,
        /** No limit: none was set. */
        NONE
    }

    public Enforcement {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(detail, "detail");
    }

    /** E.g. {@code memory: cgroup v2, memory.max = 64 MiB on each run's cgroup, ...}. */
    @Override
    public String toString() {
        String how = switch (mechanism) {
            case CGROUP_V2 -> "cgroup v2";
            case CGROUP_V1 -> "cgroup v1";
            case RLIMIT -> "rlimit";
            case NONE -> "none";
        };
        return limit + ": " + how + ", " + detail;
    }
}
