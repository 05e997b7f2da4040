package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SeccompException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which system calls a sandboxed program may make: rules per syscall name, a default action for every
 * syscall no rule decides, and an action for numbers the syscall table does not name. Immutable; build one
 * with {@link #builder()}, start from a profile with {@link #fromProfile}, derive one with
 * {@link #toBuilder()}, and turn it into a kernel program with {@link #compile(Architecture)}.
 *
 * <p><b>How a call is decided</b> (and {@link #evaluate} and the compiled program agree on it):
 * <ol>
 * <li>a call of another architecture (i386, x32, AArch32) is killed;</li>
 * <li>a number no rule names and the table does not name gets {@link #unknownSyscallAction()} (default
 * ERRNO(ENOSYS): a kernel newer than our table may have syscalls we cannot name, and ENOSYS is the answer
 * libcs take as "not supported here, fall back" — glibc's clone3 → clone, for one);</li>
 * <li>otherwise the syscall's <em>conditional</em> rules are tried in libseccomp's order, below, and the
 * first whose conditions all hold decides — unless the syscall has an unconditional rule with a stronger
 * action, which then wins;</li>
 * <li>no conditional rule holds: the strongest unconditional rule for the syscall, else
 * {@link #defaultAction()} (default KILL_PROCESS).</li>
 * </ol>
 * "Stronger" is the kernel's order: KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW.
 *
 * <p><b>libseccomp's order</b> (what {@code seccomp_rule_add} builds, so rules ported from libseccomp,
 * Docker/OCI profiles, systemd or Kubernetes mean here what they mean there). Each rule's conditions are
 * read in argument order (arg0 first); two rules are ordered by their first conditions that differ:
 * <ol>
 * <li>a condition on a higher-numbered argument first;</li>
 * <li>then {@code == != masked} before {@code < <=} before {@code > >=};</li>
 * <li>then by value, compared as libseccomp does, high 32 bits first and then low 32 bits: for
 * {@code < <=} the smaller value first, for the others the larger first. So among nested ranges the
 * narrowest is tried first;</li>
 * <li>conditions still tied (same value, but {@code >} against {@code >=}, or different masks): the rule
 * added first;</li>
 * <li>a rule whose conditions begin with all of another's is tried after that shorter rule;</li>
 * <li>rules that share a test go on together: where the high word alone decides ({@code >} with a larger
 * high word, {@code <} with a smaller one, {@code !=} with another one) all of them hold and their next
 * conditions are tried in this same order; after a low-word test they go on together too, each rule
 * still needing its own test to hold.</li>
 * </ol>
 * Rules with exactly the same conditions act as one rule with the strongest of their actions
 * (libseccomp refuses them).
 *
 * <p>Example, {@code read} with: ALLOW if a2 &lt;= 64; ERRNO(5) if a2 &gt; 128; ERRNO(6) if a2 &gt; 256;
 * ERRNO(7) if a2 &gt; 512. For a2 = 300 the {@code >} rules are tried largest value first: &gt; 512 fails,
 * &gt; 256 holds, so ERRNO(6), as in libseccomp, whatever order the rules were added in. a2 = 10: ALLOW
 * ({@code <=} before {@code >}). a2 = 100: no rule, the default. Different kinds of action follow the same
 * order: TRAP if a0 &gt; 10 and ALLOW if a0 &lt; 20 give ALLOW for a0 = 15, because {@code <} comes first.
 *
 * <p>Two deliberate differences from libseccomp, both so that a rule added later cannot silently vanish:
 * libseccomp lets an unconditional rule replace every conditional rule of the syscall (so
 * {@code allow("ioctl")} plus ERRNO if cmd == TIOCSTI allows TIOCSTI there), and keeps the first of two
 * unconditional rules; here the stronger action wins in both cases, so {@code block} beats {@code allow} in
 * any order. Where the unconditional rule is at least as strong as the conditional ones, both agree.
 * libseccomp also refuses two conditions on one argument in a rule, and a rule whose action is the default
 * action; both are accepted here.
 *
 * <p>Masked comparisons are libseccomp's ({@code (arg & mask) == (value & mask)}); see {@link ArgCondition}
 * for how libseccomp's 32-bit forms are written here. {@code LibseccompDifferentialTest} holds these rules
 * against libseccomp itself on random rule sets.
 *
 * <p>Syscall names are checked when a rule is added: a name no supported architecture knows is an
 * error. A name that exists on one architecture only ({@code open}, {@code fork}, {@code arch_prctl} are
 * x86_64-only) is skipped when compiling for the other, where no program can call it.
 */
public final class SeccompFilter {
    /** Linux ENOSYS, "function not implemented". */
    static final int ENOSYS = 38;

    private final SeccompAction defaultAction;
    private final SeccompAction unknownSyscallAction;
    /** Rules per name (or {@code #N} for a number), in the order they were added (duplicates dropped). */
    private final Map<String, List<SyscallRule>> rules;
    /** Syscall numbers some rule gives by number, ascending. */
    private final SortedSet<Integer> numbers;

    private SeccompFilter(Builder b) {
        this.defaultAction = b.defaultAction;
        this.unknownSyscallAction = b.unknownSyscallAction;
        SeccompAction blockAction = b.defaultAction.runsSyscall() ? SeccompAction.KILL_PROCESS : b.defaultAction;
        Map<String, List<SyscallRule>> byName = new TreeMap<>();
        for (Builder.Entry e : b.entries) {
            SeccompAction action = e.action == null ? blockAction : e.action;
            SyscallRule rule = new SyscallRule(e.name, action, e.conditions);
            List<SyscallRule> list = byName.computeIfAbsent(e.name, n -> new ArrayList<>());
            if (!list.contains(rule)) {
                list.add(rule);
            }
        }
        byName.replaceAll((name, list) -> List.copyOf(list));
        this.rules = Collections.unmodifiableMap(byName);
        SortedSet<Integer> nrs = new TreeSet<>();
        for (String key : byName.keySet()) {
            SyscallRule.numberOf(key).ifPresent(nrs::add);
        }
        this.numbers = Collections.unmodifiableSortedSet(nrs);
    }

    /** An empty filter: every syscall gets the default action (KILL_PROCESS unless changed). */
    public static Builder builder() {
        return new Builder();
    }

    /** The filter of a built-in profile. */
    public static SeccompFilter fromProfile(SeccompProfile profile) {
        return profile.filter();
    }

    /**
     * A builder holding this filter's settings and rules, to derive a changed filter. Syscalls blocked
     * with {@link Builder#block} keep the action they were given when this filter was built.
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.defaultAction = defaultAction;
        b.unknownSyscallAction = unknownSyscallAction;
        for (List<SyscallRule> list : rules.values()) {
            for (SyscallRule r : list) {
                b.entries.add(new Builder.Entry(r.name(), r.action(), r.conditions()));
            }
        }
        return b;
    }

    /** The action for a named syscall that no rule decides. */
    public SeccompAction defaultAction() {
        return defaultAction;
    }

    /** The action for a syscall number the table does not name (e.g. from a newer kernel). */
    public SeccompAction unknownSyscallAction() {
        return unknownSyscallAction;
    }

    /** Every rule, by syscall name, each syscall's rules in the order they were added. */
    public List<SyscallRule> rules() {
        return rules.values().stream().flatMap(List::stream).collect(Collectors.toUnmodifiableList());
    }

    /**
     * The rules for one syscall name (or {@code #N} for the rules given by number N) in the order they
     * were added; empty if it gets the default action.
     */
    public List<SyscallRule> rulesFor(String name) {
        return rules.getOrDefault(name, List.of());
    }

    /** The syscall numbers some rule was given by number ({@link Builder#rule(int, SeccompAction, ArgCondition...)}). */
    public SortedSet<Integer> syscallNumbers() {
        return numbers;
    }

    /** Every syscall name some rule mentions (and {@code #N} for each number a rule was given by). */
    public SortedSet<String> syscalls() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(rules.keySet()));
    }

    /**
     * The syscalls of {@code arch} that can run under this filter — unconditionally or when their
     * arguments pass a rule. Under a default action that runs syscalls, that is every syscall not
     * blocked outright.
     */
    public SortedSet<String> permittedSyscalls(Architecture arch) {
        SortedSet<String> names = new TreeSet<>();
        for (String name : arch.syscalls().names()) {
            Decision d = decisionFor(name, arch.syscalls().numberOf(name));
            boolean runs = d.otherwise().runsSyscall()
                    || d.conditionalRules().stream().anyMatch(r -> r.action().runsSyscall());
            if (runs) {
                names.add(name);
            }
        }
        return Collections.unmodifiableSortedSet(names);
    }

    /**
     * Decides a call from the rules directly, without BPF — the meaning the compiled program must have.
     *
     * @param arch the architecture the filter would be compiled for
     */
    public SeccompAction evaluate(Architecture arch, SeccompData call) {
        if (call.arch() != arch.auditArch()) {
            return SeccompAction.KILL_PROCESS;
        }
        if (arch.hasX32Abi() && Integer.compareUnsigned(call.nr(), Architecture.X32_SYSCALL_BIT) >= 0) {
            return SeccompAction.KILL_PROCESS;
        }
        Optional<String> name = arch.syscalls().nameOf(call.nr());
        if (name.isEmpty() && !numbers.contains(call.nr())) {
            return unknownSyscallAction;
        }
        Decision d = decisionFor(name.orElse(null), call.nr());
        SyscallRule first = RuleTree.firstMatch(d.conditionalRules(), call.argsView());
        return first == null ? d.otherwise() : first.action();
    }

    /**
     * Compiles the filter to a kernel program for {@code arch}.
     *
     * @throws SeccompException if the program would exceed the kernel's 4096 instructions
     */
    public BpfProgram compile(Architecture arch) {
        return BpfCompiler.compile(this, Objects.requireNonNull(arch, "arch"));
    }

    /**
     * How one syscall is decided, reduced to what code needs: the conditional rules (conditions that always
     * hold left out, rules that can never hold dropped, rules with the same conditions merged), in the
     * order added, each with the action it leads to — raised to the unconditional rule's where that is
     * stronger — and the action when none of them holds. {@link RuleTree} says which one holds first.
     */
    record Decision(List<SyscallRule> conditionalRules, SeccompAction otherwise) {}

    /** The decision for a syscall: its rules by name ({@code null}: the table has none) and by number. */
    Decision decisionFor(String name, int number) {
        List<SyscallRule> all = name == null ? List.of() : rulesFor(name);
        if (numbers.contains(number)) {
            all = new ArrayList<>(all);
            all.addAll(rulesFor(SyscallRule.keyOf(number)));
        }
        SeccompAction unconditional = null;
        List<SyscallRule> conditional = new ArrayList<>();
        for (SyscallRule rule : all) {
            List<ArgCondition> effective = RuleTree.effectiveConditions(rule.conditions());
            if (effective == null) {
                continue; // a condition that never holds
            }
            if (effective.isEmpty()) {
                unconditional = unconditional == null ? rule.action() : stronger(unconditional, rule.action());
            } else {
                conditional.add(new SyscallRule(rule.name(), rule.action(), effective));
            }
        }
        SeccompAction otherwise = unconditional == null ? defaultAction : unconditional;
        List<SyscallRule> out = new ArrayList<>(conditional.size());
        for (SyscallRule r : RuleTree.mergeSameConditions(conditional)) {
            SeccompAction action = unconditional == null ? r.action() : stronger(unconditional, r.action());
            out.add(action.equals(r.action()) ? r : new SyscallRule(r.name(), action, r.conditions()));
        }
        // Only rules that lead somewhere else than "otherwise" need code; all rules leading there would be.
        if (out.stream().allMatch(r -> r.action().equals(otherwise))) {
            out.clear();
        }
        return new Decision(List.copyOf(out), otherwise);
    }

    /** The stronger of two actions; on a tie in kind, the first. */
    static SeccompAction stronger(SeccompAction a, SeccompAction b) {
        return b.precedence() > a.precedence() ? b : a;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SeccompFilter)) {
            return false;
        }
        SeccompFilter f = (SeccompFilter) o;
        return f.defaultAction.equals(defaultAction)
                && f.unknownSyscallAction.equals(unknownSyscallAction)
                && f.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(defaultAction, unknownSyscallAction, rules);
    }

    @Override
    public String toString() {
        return "SeccompFilter[default=" + defaultAction + ", unknown=" + unknownSyscallAction + ", " + rules.size()
                + " syscalls with rules]";
    }

    /** Collects rules and settings for a {@link SeccompFilter}. Not thread-safe; reusable. */
    public static final class Builder {
        private SeccompAction defaultAction = SeccompAction.KILL_PROCESS;
        private SeccompAction unknownSyscallAction = SeccompAction.errno(ENOSYS);
        private final Set<Entry> entries = new LinkedHashSet<>();

        private Builder() {}

        /** A pending rule; a {@code null} action means "blocked", resolved at {@link #build()}. */
        private record Entry(String name, SeccompAction action, List<ArgCondition> conditions) {}

        /** The action for syscalls no rule decides (default KILL_PROCESS). */
        public Builder defaultAction(SeccompAction action) {
            this.defaultAction = Objects.requireNonNull(action, "action");
            return this;
        }

        /** The action for numbers the syscall table does not name (default ERRNO(ENOSYS)). */
        public Builder unknownSyscallAction(SeccompAction action) {
            this.unknownSyscallAction = Objects.requireNonNull(action, "action");
            return this;
        }

        /** Allows these syscalls whatever their arguments. */
        public Builder allow(String... names) {
            return allow(Arrays.asList(names));
        }

        /** Allows these syscalls whatever their arguments. */
        public Builder allow(Collection<String> names) {
            for (String name : names) {
                rule(name, SeccompAction.ALLOW);
            }
            return this;
        }

        /** Allows a syscall when all conditions hold; otherwise a weaker rule or the default decides. */
        public Builder allowIf(String name, ArgCondition... conditions) {
            return rule(name, SeccompAction.ALLOW, conditions);
        }

        /**
         * Denies these syscalls whatever else allows them, with the default action — or KILL_PROCESS if
         * the default action lets syscalls run (ALLOW, LOG). Use {@link #rule} for another action.
         */
        public Builder block(String... names) {
            for (String name : names) {
                entries.add(new Entry(checkName(name), null, List.of()));
            }
            return this;
        }

        /** A rule: {@code action} for syscall {@code name} when every condition holds (always if none). */
        public Builder rule(String name, SeccompAction action, ArgCondition... conditions) {
            Objects.requireNonNull(action, "action");
            for (ArgCondition c : conditions) {
                Objects.requireNonNull(c, "condition");
            }
            entries.add(new Entry(checkName(name), action, List.of(conditions)));
            return this;
        }

        /**
         * A rule for a syscall given by number, as libseccomp and OCI profiles allow: for numbers the syscall
         * table does not name (a newer kernel's), whose calls otherwise get the unknown-syscall action.
         * Numbers mean different syscalls on different architectures; where an architecture's table names
         * the number, these rules join the rules given by that name (after them).
         *
         * @param number 0 .. 0x3fffffff (higher numbers are x32 or not syscalls, and are killed before rules)
         */
        public Builder rule(int number, SeccompAction action, ArgCondition... conditions) {
            if (number < 0 || number >= Architecture.X32_SYSCALL_BIT) {
                throw new InvalidConfigException(
                        "syscall number",
                        Integer.toString(number),
                        "must be between 0 and 0x3fffffff; higher numbers (x32, -1) are killed before any rule");
            }
            Objects.requireNonNull(action, "action");
            for (ArgCondition c : conditions) {
                Objects.requireNonNull(c, "condition");
            }
            entries.add(new Entry(SyscallRule.keyOf(number), action, List.of(conditions)));
            return this;
        }

        /** Forgets every rule for these syscalls, so the default action decides them again. */
        public Builder remove(String... names) {
            Set<String> gone = new java.util.HashSet<>(Arrays.asList(names));
            entries.removeIf(e -> gone.contains(e.name));
            return this;
        }

        public SeccompFilter build() {
            return new SeccompFilter(this);
        }

        private static String checkName(String name) {
            Objects.requireNonNull(name, "syscall name");
            for (Architecture arch : Architecture.values()) {
                if (arch.syscalls().contains(name)) {
                    return name;
                }
            }
            throw new SeccompException("unknown syscall '" + name + "': not in the syscall table of "
                    + Arrays.stream(Architecture.values())
                            .map(Architecture::toString)
                            .collect(Collectors.joining(" or ")));
        }
    }
}
