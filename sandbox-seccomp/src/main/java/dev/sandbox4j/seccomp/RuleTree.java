package dev.sandbox4j.seccomp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which of one syscall's conditional rules decides a call: the first that holds when the rules are tried
 * the way libseccomp's argument tree ({@code seccomp_rule_add}) tries them. See {@link SeccompFilter} for
 * the rules in words; {@link #firstMatch} computes it directly and {@link BpfCompiler} emits the same walk.
 *
 * <p>libseccomp splits each 64-bit comparison into a test of the high word and one of the low word, shares a
 * test among rules that start with the same one, and keeps the tests of one level sorted: higher argument
 * first, then {@code == != masked}, then {@code < <=}, then {@code > >=}, then by value. When the high word
 * alone decides ({@code >} with a larger high word, {@code <} with a smaller one, {@code !=} with another
 * one), every rule sharing that test holds at once and their next conditions are tried together.
 */
final class RuleTree {
    private RuleTree() {
    }

    /**
     * The conditions that take part, in argument order (stable for one argument): conditions that always
     * hold are left out; {@code null} when one never holds, so the rule can never apply.
     */
    static List<ArgCondition> effectiveConditions(List<ArgCondition> conditions) {
        List<ArgCondition> out = new ArrayList<>(conditions.size());
        for (ArgCondition c : conditions) {
            if (c.neverHolds()) {
                return null;
            }
            if (!c.alwaysHolds()) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparingInt(ArgCondition::index));
        return out;
    }

    /** Rules with the same conditions become one, with the strongest of their actions; order kept. */
    static List<SyscallRule> mergeSameConditions(List<SyscallRule> rules) {
        Map<List<ArgCondition>, SyscallRule> unique = new LinkedHashMap<>();
        for (SyscallRule r : rules) {
            unique.merge(r.conditions(), r, (a, b) -> {
                SeccompAction action = SeccompFilter.stronger(a.action(), b.action());
                return action.equals(a.action()) ? a : new SyscallRule(a.name(), action, a.conditions());
            });
        }
        return new ArrayList<>(unique.values());
    }

    /** The rule that decides a call with these arguments, or {@code null} when none holds. */
    static SyscallRule firstMatch(List<SyscallRule> rules, long[] args) {
        return match(rules, 0, rules, args);
    }

    /**
     * Rules sharing their first {@code pos} conditions, in the order added; {@code ending} ranks those
     * that end here (the first wins: it sits higher in the tree than any longer rule).
     */
    private static SyscallRule match(List<SyscallRule> rules, int pos, List<SyscallRule> ending, long[] args) {
        for (SyscallRule r : ending) {
            if (r.conditions().size() == pos && rules.contains(r)) {
                return r;
            }
        }
        for (Group g : groups(rules, pos)) {
            ArgCondition c = g.first();
            long arg = args[c.index()];
            int hi = (int) (arg >>> 32);
            int lo = (int) arg;
            SyscallRule found = null;
            switch (g.test.shape()) {
                case EQUALITY: {
                    boolean hiEqual = g.test.narrow() || (hi & g.test.mask) == g.test.datum;
                    if (!hiEqual) {
                        found = match(g.notEqualRules(), pos + 1, g.endingOrderWhenHighDecides(), args);
                        break;
                    }
                    for (Group low : g.lowGroups()) {
                        boolean equal = (lo & low.test.mask) == low.test.datum;
                        List<SyscallRule> holding = equal ? low.equalRules() : low.notEqualRules();
                        found = match(holding, pos + 1, holding, args);
                        if (found != null) {
                            break;
                        }
                    }
                    break;
                }
                case ABOVE: {
                    if (!g.test.narrow() && Integer.compareUnsigned(hi, g.test.datum) > 0) {
                        found = match(g.rules, pos + 1, g.endingOrderWhenHighDecides(), args);
                        break;
                    }
                    if (!g.test.narrow() && hi != g.test.datum) {
                        break;
                    }
                    for (Group low : g.lowGroups()) {
                        if (low.test.holds(lo)) {
                            found = match(low.rules, pos + 1, low.rules, args);
                            if (found != null) {
                                break;
                            }
                        }
                    }
                    break;
                }
                case BELOW: {
                    if (!g.test.narrow() && Integer.compareUnsigned(hi, g.test.datum) < 0) {
                        found = match(g.rules, pos + 1, g.endingOrderWhenHighDecides(), args);
                        break;
                    }
                    if (!g.test.narrow() && hi != g.test.datum) {
                        break;
                    }
                    for (Group low : g.lowGroups()) {
                        if (low.test.holds(lo)) {
                            found = match(low.rules, pos + 1, low.rules, args);
                            if (found != null) {
                                break;
                            }
                        }
                    }
                    break;
                }
                default:
                    throw new AssertionError(g.test.shape());
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The rules continuing past {@code pos}, grouped by the high-word test of condition {@code pos}, in tree order. */
    static List<Group> groups(List<SyscallRule> rules, int pos) {
        List<SyscallRule> longer = new ArrayList<>(rules.size());
        for (SyscallRule r : rules) {
            if (r.conditions().size() > pos) {
                longer.add(r);
            }
        }
        return split(longer, pos, true);
    }

    private static List<Group> split(List<SyscallRule> rules, int pos, boolean high) {
        Map<Test, List<SyscallRule>> byTest = new LinkedHashMap<>();
        for (SyscallRule r : rules) {
            byTest.computeIfAbsent(Test.of(r.conditions().get(pos), high), t -> new ArrayList<>()).add(r);
        }
        List<Group> out = new ArrayList<>(byTest.size());
        byTest.forEach((t, list) -> out.add(new Group(t, pos, list)));
        out.sort(Comparator.comparing((Group g) -> g.test)); // stable: equal keys keep the order first added
        return out;
    }

    /** How a condition tests its words: for equality, {@code >}/{@code >=}, or {@code <}/{@code <=}. */
    enum Shape { EQUALITY, ABOVE, BELOW }

    /** Rules that share one test of one word of condition {@code pos}, in the order added. */
    static final class Group {
        final Test test;
        final int pos;
        final List<SyscallRule> rules;

        Group(Test test, int pos, List<SyscallRule> rules) {
            this.test = test;
            this.pos = pos;
            this.rules = rules;
        }

        ArgCondition first() {
            return rules.get(0).conditions().get(pos);
        }

        /** For a high-word group: the low-word tests under it, in tree order. */
        List<Group> lowGroups() {
            return split(rules, pos, false);
        }

        List<SyscallRule> equalRules() {
            return select(true);
        }

        List<SyscallRule> notEqualRules() {
            return select(false);
        }

        private List<SyscallRule> select(boolean equal) {
            List<SyscallRule> out = new ArrayList<>();
            for (SyscallRule r : rules) {
                ArgCondition.Op op = r.conditions().get(pos).op();
                boolean isEqual = op == ArgCondition.Op.EQ || op == ArgCondition.Op.MASKED_EQ;
                if (isEqual == equal) {
                    out.add(r);
                }
            }
            return out;
        }

        /**
         * When the high word alone decides, which of the group's rules that end at this condition wins: as
         * in libseccomp, the one with the largest value for {@code >}, the smallest for {@code <} and
         * {@code !=}.
         */
        List<SyscallRule> endingOrderWhenHighDecides() {
            List<SyscallRule> out = new ArrayList<>(rules);
            Comparator<SyscallRule> byValue = Comparator.comparing(r -> r.conditions().get(pos).value(),
                    Long::compareUnsigned);
            out.sort(test.shape() == Shape.ABOVE ? byValue.reversed() : byValue);
            return out;
        }
    }

    /**
     * One node of libseccomp's tree: a test of one 32-bit word of one argument. Tests of different
     * {@code kind} are never shared; {@code rank} sorts a level: 3 for {@code == != masked}, 2 for
     * {@code < <=}, 1 for {@code > >=}. A 32-bit condition has no high-word test ({@code narrow}).
     */
    record Test(int arg, int rank, String kind, boolean narrow, int mask, int datum) implements Comparable<Test> {
        static Test of(ArgCondition c, boolean high) {
            int rank = switch (c.op()) {
                case EQ, NE, MASKED_EQ, MASKED_NE -> 3;
                case LT, LE -> 2;
                case GT, GE -> 1;
            };
            boolean narrow = c.width() == ArgCondition.Width.BITS32;
            long mask = c.mask();
            long value = c.value() & mask;
            int m = high ? (narrow ? 0 : (int) (mask >>> 32)) : (int) mask;
            int d = high ? (narrow ? 0 : (int) (value >>> 32)) : (int) value;
            String kind = switch (c.op()) {
                case EQ, NE -> "eq";
                case MASKED_EQ, MASKED_NE -> "masked";
                // a range's high word is tested with ">" (then "=="), its low word with ">" or ">="
                case GT, LE -> "gt";
                case GE, LT -> high ? "gt" : "ge";
            };
            return new Test(c.index(), rank, kind, narrow, m, d);
        }

        Shape shape() {
            return rank == 3 ? Shape.EQUALITY : rank == 2 ? Shape.BELOW : Shape.ABOVE;
        }

        /** For a low-word range test: whether the condition holds on this word. */
        boolean holds(int word) {
            int cmp = Integer.compareUnsigned(word, datum);
            boolean testTrue = kind.equals("gt") ? cmp > 0 : cmp >= 0;
            return rank == 1 ? testTrue : !testTrue;
        }

        /** Earlier in the tree first: higher argument, higher rank, then by value in the rank's direction. */
        @Override
        public int compareTo(Test o) {
            if (arg != o.arg) {
                return Integer.compare(o.arg, arg);
            }
            if (rank != o.rank) {
                return Integer.compare(o.rank, rank);
            }
            int byValue = Integer.compareUnsigned(datum, o.datum);
            return rank == 2 ? byValue : -byValue;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Test t && t.arg == arg && t.rank == rank && t.kind.equals(kind) && t.narrow == narrow
                    && t.mask == mask && t.datum == datum;
        }

        @Override
        public int hashCode() {
            return Objects.hash(arg, rank, kind, narrow, mask, datum);
        }
    }
}
