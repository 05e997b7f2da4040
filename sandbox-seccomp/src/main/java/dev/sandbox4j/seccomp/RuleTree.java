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
    private RuleTree() {}

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

    /**
     * A rule on its way down the tree: the conditions still to be tested as tree levels, and conditions
     * it must still pass once it ends ({@code pending}: libseccomp tries the next conditions of all rules
     * that share a test together, also those of rules whose own test at that level did not pass; here such
     * a rule takes its own test along and only wins if it holds).
     */
    record Candidate(SyscallRule rule, List<ArgCondition> remaining, List<ArgCondition> pending) {
        ArgCondition next() {
            return remaining.get(0);
        }

        boolean ends() {
            return remaining.size() == 1;
        }

        /** This candidate one level down; its current condition pending unless known to hold. */
        Candidate advance(boolean known) {
            List<ArgCondition> p = pending;
            if (!known) {
                p = new ArrayList<>(pending);
                p.add(next());
            }
            return new Candidate(rule, remaining.subList(1, remaining.size()), p);
        }

        boolean pendingHold(long[] args) {
            for (ArgCondition c : pending) {
                if (!c.test(args[c.index()])) {
                    return false;
                }
            }
            return true;
        }
    }

    static List<Candidate> start(List<SyscallRule> rules) {
        List<Candidate> out = new ArrayList<>(rules.size());
        for (SyscallRule r : rules) {
            out.add(new Candidate(r, r.conditions(), List.of()));
        }
        return out;
    }

    /** The rule that decides a call with these arguments, or {@code null} when none holds. */
    static SyscallRule firstMatch(List<SyscallRule> rules, long[] args) {
        return matchLevel(start(rules), args);
    }

    private static SyscallRule matchLevel(List<Candidate> candidates, long[] args) {
        for (Group g : groups(candidates)) {
            SyscallRule found = matchGroup(g, args);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static SyscallRule matchGroup(Group g, long[] args) {
        long arg = args[g.test.arg()];
        int hi = (int) (arg >>> 32);
        int lo = (int) arg;
        if (g.test.shape() == Shape.EQUALITY) {
            boolean hiEqual = g.test.narrow() || (hi & g.test.mask()) == g.test.datum();
            if (!hiEqual) {
                return highDecides(g.notEqual(), args);
            }
            for (Group low : g.lowGroups()) {
                boolean equal = (lo & low.test.mask()) == low.test.datum();
                List<Candidate> holding = equal ? low.equal() : low.notEqual();
                SyscallRule found = ending(holding, args);
                if (found == null) {
                    found = matchLevel(continuation(equal ? low.equal() : g.notEqual(), holding), args);
                }
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (!g.test.narrow()) {
            int cmp = Integer.compareUnsigned(hi, g.test.datum());
            if (cmp != 0) {
                boolean holds = g.test.shape() == Shape.ABOVE ? cmp > 0 : cmp < 0;
                return holds ? highDecides(g.members, args) : null;
            }
        }
        for (Group low : g.lowGroups()) {
            if (low.test.holds(lo)) {
                SyscallRule found = ending(low.members, args);
                if (found == null) {
                    found = matchLevel(continuation(g.members, low.members), args);
                }
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The high word alone decided that {@code holding}'s current conditions hold. */
    private static SyscallRule highDecides(List<Candidate> holding, long[] args) {
        SyscallRule found = ending(endingOrderWhenHighDecides(holding), args);
        return found != null ? found : matchLevel(continuation(holding, holding), args);
    }

    /** The first of the candidates that end here whose pending conditions hold. */
    private static SyscallRule ending(List<Candidate> candidates, long[] args) {
        for (Candidate c : candidates) {
            if (c.ends() && c.pendingHold(args)) {
                return c.rule();
            }
        }
        return null;
    }

    /**
     * The next level after a test passed for {@code known}: every continuing candidate of {@code shared}
     * (those whose continuations libseccomp merges), the ones not in {@code known} with their test pending.
     */
    static List<Candidate> continuation(List<Candidate> shared, List<Candidate> known) {
        List<Candidate> out = new ArrayList<>(shared.size());
        for (Candidate c : shared) {
            if (!c.ends()) {
                out.add(c.advance(known.contains(c)));
            }
        }
        return out;
    }

    /**
     * When the high word alone decides, which of the candidates that end here wins: as in libseccomp, the
     * one with the largest value for {@code >}, the smallest for {@code <} and {@code !=}.
     */
    static List<Candidate> endingOrderWhenHighDecides(List<Candidate> holding) {
        List<Candidate> out = new ArrayList<>(holding);
        Comparator<Candidate> byValue = Comparator.comparing(c -> c.next().value(), Long::compareUnsigned);
        boolean above = !out.isEmpty() && Test.of(out.get(0).next(), true).shape() == Shape.ABOVE;
        out.sort(above ? byValue.reversed() : byValue);
        return out;
    }

    /** The candidates grouped by the high-word test of their next condition, in tree order. */
    static List<Group> groups(List<Candidate> candidates) {
        return split(candidates, true);
    }

    private static List<Group> split(List<Candidate> candidates, boolean high) {
        Map<Test, List<Candidate>> byTest = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            byTest.computeIfAbsent(Test.of(c.next(), high), t -> new ArrayList<>())
                    .add(c);
        }
        List<Group> out = new ArrayList<>(byTest.size());
        byTest.forEach((t, list) -> out.add(new Group(t, list)));
        out.sort(Comparator.comparing((Group g) -> g.test)); // stable: equal keys keep the order first added
        return out;
    }

    /** Candidates that share one test of one word of their next condition, in the order added. */
    static final class Group {
        final Test test;
        final List<Candidate> members;

        Group(Test test, List<Candidate> members) {
            this.test = test;
            this.members = members;
        }

        /** For a high-word group: the low-word tests under it, in tree order. */
        List<Group> lowGroups() {
            return split(members, false);
        }

        List<Candidate> equal() {
            return select(true);
        }

        List<Candidate> notEqual() {
            return select(false);
        }

        private List<Candidate> select(boolean equal) {
            List<Candidate> out = new ArrayList<>();
            for (Candidate c : members) {
                ArgCondition.Op op = c.next().op();
                boolean isEqual = op == ArgCondition.Op.EQ || op == ArgCondition.Op.MASKED_EQ;
                if (isEqual == equal) {
                    out.add(c);
                }
            }
            return out;
        }
    }

    /** How a condition tests its words: for equality, {@code >}/{@code >=}, or {@code <}/{@code <=}. */
    enum Shape {
        EQUALITY,
        ABOVE,
        BELOW
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
            String kind;
            if (rank == 3) {
                // A 32-bit equality is libseccomp's MASKED_EQ with a 32-bit mask; a masked test whose mask
                // has no high bits needs no high-word test (libseccomp's always holds).
                boolean masked = narrow || c.op() == ArgCondition.Op.MASKED_EQ || c.op() == ArgCondition.Op.MASKED_NE;
                kind = masked ? "masked" : "eq";
                narrow = masked && (mask >>> 32) == 0;
            } else {
                // a range's high word is tested with ">" (then "=="), its low word with ">" or ">="
                boolean lowGt = c.op() == ArgCondition.Op.GT || c.op() == ArgCondition.Op.LE;
                kind = (narrow ? "lo32-" : "") + (high || lowGt ? "gt" : "ge");
            }
            long value = c.value() & mask;
            int m = high ? (narrow ? 0 : (int) (mask >>> 32)) : (int) mask;
            int d = high ? (narrow ? 0 : (int) (value >>> 32)) : (int) value;
            return new Test(c.index(), rank, kind, narrow, m, d);
        }

        Shape shape() {
            return rank == 3 ? Shape.EQUALITY : rank == 2 ? Shape.BELOW : Shape.ABOVE;
        }

        /** For a low-word range test: whether the condition holds on this word. */
        boolean holds(int word) {
            int cmp = Integer.compareUnsigned(word, datum);
            boolean testTrue = kind.endsWith("gt") ? cmp > 0 : cmp >= 0;
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
            return o instanceof Test t
                    && t.arg == arg
                    && t.rank == rank
                    && t.kind.equals(kind)
                    && t.narrow == narrow
                    && t.mask == mask
                    && t.datum == datum;
        }

        @Override
        public int hashCode() {
            return Objects.hash(arg, rank, kind, narrow, mask, datum);
        }
    }
}
