package dev.sandbox4j.seccomp;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One rule of a {@link SeccompFilter}: "syscall {@code name} gets {@code action} when every condition
 * holds" (no conditions: always). Immutable.
 */
public final class SyscallRule {
    private final String name;
    private final SeccompAction action;
    private final List<ArgCondition> conditions;

    SyscallRule(String name, SeccompAction action, List<ArgCondition> conditions) {
        this.name = Objects.requireNonNull(name, "name");
        this.action = Objects.requireNonNull(action, "action");
        this.conditions = List.copyOf(conditions);
    }

    /** The syscall's name, or {@code #N} for a rule given by number N. */
    public String name() {
        return name;
    }

    /** The number, for a rule given by number. */
    public java.util.OptionalInt number() {
        return numberOf(name);
    }

    static String keyOf(int number) {
        return "#" + number;
    }

    static java.util.OptionalInt numberOf(String key) {
        return key.startsWith("#")
                ? java.util.OptionalInt.of(Integer.parseInt(key.substring(1)))
                : java.util.OptionalInt.empty();
    }

    public SeccompAction action() {
        return action;
    }

    /** Conditions that must all hold (AND); empty for an unconditional rule. */
    public List<ArgCondition> conditions() {
        return conditions;
    }

    public boolean isConditional() {
        return !conditions.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SyscallRule)) {
            return false;
        }
        SyscallRule r = (SyscallRule) o;
        return r.name.equals(name) && r.action.equals(action) && r.conditions.equals(conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, action, conditions);
    }

    /** {@code ioctl → ERRNO(1) if arg1.lo32 == 0x5412}. */
    @Override
    public String toString() {
        String when = conditions.isEmpty()
                ? ""
                : " if " + conditions.stream().map(ArgCondition::toString).collect(Collectors.joining(" && "));
        return name + " → " + action + when;
    }
}
