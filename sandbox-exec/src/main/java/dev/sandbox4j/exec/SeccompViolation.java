package dev.sandbox4j.exec;

import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A system call a process of the sandbox made outside its seccomp profile, as the sandbox's supervisor saw it
 * before it carried out the profile's answer. Immutable.
 */
public final class SeccompViolation {
    private final String syscall;
    private final int number;
    private final String arch;
    private final SortedMap<Integer, Long> arguments;
    private final SeccompAction action;
    private final boolean programProcess;
    private final SeccompProfile permittedBy;

    SeccompViolation(
            String syscall,
            int number,
            String arch,
            SortedMap<Integer, Long> arguments,
            SeccompAction action,
            boolean programProcess,
            SeccompProfile permittedBy) {
        this.syscall = Objects.requireNonNull(syscall);
        this.number = number;
        this.arch = Objects.requireNonNull(arch);
        this.arguments = Collections.unmodifiableSortedMap(new TreeMap<>(arguments));
        this.action = Objects.requireNonNull(action);
        this.programProcess = programProcess;
        this.permittedBy = permittedBy;
    }

    /**
     * The call's name in the architecture's table ({@code mkdir}); for a number the table does not name, or a
     * call of another ABI, {@code syscall 451} / {@code x32 syscall 39} / {@code syscall 20 of arch 0x40000003}.
     */
    public String syscall() {
        return syscall;
    }

    /** The number as the filter saw it ({@code seccomp_data.nr}). */
    public int number() {
        return number;
    }

    /** The architecture of the call: {@code x86_64}, {@code aarch64}, or the raw {@code AUDIT_ARCH} value in hex. */
    public String arch() {
        return arch;
    }

    /**
     * The arguments the profile's rules for this call look at, by index (0-5), as the filter saw them: empty when
     * the call is refused whatever its arguments.
     */
    public SortedMap<Integer, Long> arguments() {
        return arguments;
    }

    /** What was done: {@link SeccompAction#KILL_PROCESS} (the calling process was killed) or the errno it got. */
    public SeccompAction action() {
        return action;
    }

    /** Whether the caller was the program's own process (the one the sandbox started), not one it started. */
    public boolean programProcess() {
        return programProcess;
    }

    /** The tightest built-in profile that permits this very call (these arguments), if any does. */
    public Optional<SeccompProfile> permittedBy() {
        return Optional.ofNullable(permittedBy);
    }

    @Override
    public String toString() {
        StringBuilder s =
                new StringBuilder(syscall).append(" (").append(arch).append(' ').append(number);
        arguments.forEach((i, v) -> s.append(", arg").append(i).append("=0x").append(Long.toHexString(v)));
        return s.append(") → ").append(action).toString();
    }
}
