package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.Bpf.ALU_AND_K;
import static dev.sandbox4j.seccomp.Bpf.JMP_JA;
import static dev.sandbox4j.seccomp.Bpf.JMP_JEQ_K;
import static dev.sandbox4j.seccomp.Bpf.JMP_JGE_K;
import static dev.sandbox4j.seccomp.Bpf.JMP_JGT_K;
import static dev.sandbox4j.seccomp.Bpf.LD_W_ABS;
import static dev.sandbox4j.seccomp.Bpf.RET_K;

import dev.sandbox4j.core.SeccompException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link SeccompFilter} into classic BPF for one architecture.
 *
 * <p>Shape of the program:
 * <ol>
 * <li>Load {@code arch}; anything but this architecture's {@code AUDIT_ARCH} is killed. A foreign ABI
 * (i386 on x86_64, AArch32 on aarch64) numbers syscalls differently, so our numbers mean nothing there.</li>
 * <li>Load {@code nr} and dispatch by a balanced binary search over number <em>ranges</em>: adjacent
 * numbers with the same argument-free outcome form one range, so a profile of a hundred syscalls is a
 * tree of depth 7 or 8 instead of a chain of a hundred comparisons. The ranges cover all 2³² values, so
 * nothing falls through: on x86_64 the last range, {@code nr >= 0x40000000}, holds the x32 numbers and is
 * killed; numbers the table does not name get the filter's unknown-syscall action.</li>
 * <li>A leaf is one {@code ret}, or, for a syscall with argument conditions, that syscall's rules
 * strongest first, each a short run of loads and compares falling through to the next rule.</li>
 * </ol>
 * Paths that do not look at arguments stay argument-free, so the kernel (5.11+) can cache "always allowed"
 * for them and skip the filter entirely.
 */
final class BpfCompiler {
    private static final long WORDS = 1L << 32;
    private static final int MAX_JUMP = 255;
    /** Jump target "the next instruction": the condition held, go on. */
    private static final Assembler.Label NEXT = null;

    private BpfCompiler() {}

    static BpfProgram compile(SeccompFilter filter, Architecture arch) {
        List<Range> ranges = ranges(filter, arch);
        List<BpfInstruction> out = new ArrayList<>();
        out.add(BpfInstruction.stmt(LD_W_ABS, SeccompData.OFFSET_ARCH));
        out.add(BpfInstruction.jump(JMP_JEQ_K, arch.auditArch(), 1, 0));
        out.add(BpfInstruction.stmt(RET_K, SeccompAction.KILL_PROCESS.returnValue()));
        out.add(BpfInstruction.stmt(LD_W_ABS, SeccompData.OFFSET_NR));
        List<BpfInstruction> tree;
        try {
            tree = new Layout(ranges, true).code();
        } catch (IllegalStateException e) {
            try {
                tree = new Layout(ranges, false).code(); // many actions close together: leaves keep their returns
            } catch (IllegalStateException again) {
                throw new SeccompException(
                        "the seccomp filter for " + arch + " uses too many different actions close"
                                + " together for BPF's 8-bit jumps; use fewer distinct errnos",
                        again);
            }
        }
        out.addAll(tree);
        if (out.size() > BpfProgram.MAX_INSTRUCTIONS) {
            throw new SeccompException("the seccomp filter compiles to " + out.size() + " BPF instructions on " + arch
                    + ", more than the kernel's limit of " + BpfProgram.MAX_INSTRUCTIONS
                    + "; use fewer argument conditions (each costs 2 to 6 instructions)");
        }
        return new BpfProgram(out);
    }

    /** Contiguous number ranges and what each leads to, covering 0 .. 2³²−1 in order. */
    static List<Range> ranges(SeccompFilter filter, Architecture arch) {
        List<Range> ranges = new ArrayList<>();
        Leaf unknown = Leaf.of(filter.unknownSyscallAction());
        long next = 0;
        java.util.NavigableMap<Integer, String> numbered =
                new java.util.TreeMap<>(arch.syscalls().byNumber());
        for (int nr : filter.syscallNumbers()) {
            numbered.putIfAbsent(nr, null); // a number only rules name
        }
        for (Map.Entry<Integer, String> e : numbered.entrySet()) {
            long nr = e.getKey();
            if (nr > next) {
                add(ranges, next, nr - 1, unknown);
            }
            String label = e.getValue() != null ? e.getValue() : SyscallRule.keyOf(e.getKey());
            add(ranges, nr, nr, new Leaf(label, filter.decisionFor(e.getValue(), e.getKey())));
            next = nr + 1;
        }
        long nativeLimit = arch.hasX32Abi() ? Architecture.X32_SYSCALL_BIT : WORDS;
        if (next < nativeLimit) {
            add(ranges, next, nativeLimit - 1, unknown);
        }
        if (arch.hasX32Abi()) {
            add(ranges, Architecture.X32_SYSCALL_BIT, WORDS - 1, Leaf.of(SeccompAction.KILL_PROCESS));
        }
        return ranges;
    }

    private static void add(List<Range> ranges, long first, long last, Leaf leaf) {
        if (!ranges.isEmpty()) {
            Range previous = ranges.get(ranges.size() - 1);
            if (previous.leaf.mergesWith(leaf)) {
                ranges.set(ranges.size() - 1, new Range(previous.first, last, previous.leaf));
                return;
            }
        }
        ranges.add(new Range(first, last, leaf));
    }

    /**
     * The dispatch tree as code: one {@code jge} per inner node, whose two targets are either the code of a
     * subtree or, for a plain leaf, a shared {@code ret} of that action — so a leaf costs no instruction of
     * its own, as libseccomp shares its return blocks. Shared returns sit in pools placed within reach of
     * every jump (BPF's conditional offsets are 8 bits); a jump to a subtree further away goes through a
     * {@code ja}. Every unit of code ends in a jump or return, so pools can go between any two units.
     */
    static final class Layout {
        /** Where a jump goes: a unit (a subtree's first), or the shared return of an action. */
        private record Target(Unit unit, SeccompAction action) {}

        /** A run of instructions placed as a whole. */
        private static final class Unit {
            int opcode = JMP_JGE_K; // for a node: jge (a split) or jeq (a single number)
            int pivot; // for a node: its constant
            Target above; // node: where nr >= pivot goes
            Target below; // node: where it does not
            Target far; // a trampoline: ja to here
            List<BpfInstruction> code; // a leaf's code, or a pool's returns
            List<SeccompAction> pool; // a pool: its actions, in order
            List<Exit> exits; // a leaf: its branches to shared returns
            int position;

            int size() {
                return code != null ? code.size() : 1;
            }
        }

        private final List<Unit> units = new ArrayList<>();
        private final java.util.Set<SeccompAction> plainActions = new java.util.LinkedHashSet<>();

        private final boolean shareLeafReturns;

        Layout(List<Range> ranges, boolean shareLeafReturns) {
            this.shareLeafReturns = shareLeafReturns;
            List<Item> items = items(ranges);
            Target root = build(items, 0, items.size() - 1);
            if (root.action != null) {
                // one range only: the whole program is that return
                Unit u = new Unit();
                u.code = List.of(BpfInstruction.stmt(RET_K, root.action.returnValue()));
                units.add(u);
            }
        }

        /**
         * The ranges, with runs "plain action D, single number x, D" (up to {@link #POINTS} numbers) folded
         * into one item tested with {@code jeq}: one instruction per number instead of two splits, and
         * never deeper than the splits it replaces.
         */
        private static final int POINTS = 2;
        /** Room left after a new pool for the pools of other actions the same jumps need. */
        private static final int POOL_MARGIN = 16;

        /** A tree leaf: one range, or numbers each leading to its own leaf amid a plain action. */
        private record Item(long first, Range range, List<Range> points, SeccompAction around) {}

        private static List<Item> items(List<Range> ranges) {
            List<Item> out = new ArrayList<>();
            int i = 0;
            while (i < ranges.size()) {
                Range r = ranges.get(i);
                List<Range> points = new ArrayList<>();
                int j = i;
                // r plain D, then (single number, D)+
                while (r.leaf.isPlain()
                        && points.size() < POINTS
                        && j + 2 < ranges.size()
                        && ranges.get(j + 1).first == ranges.get(j + 1).last
                        && ranges.get(j + 2).leaf.isPlain()
                        && ranges.get(j + 2).leaf.decision.otherwise().equals(r.leaf.decision.otherwise())) {
                    points.add(ranges.get(j + 1));
                    j += 2;
                }
                if (points.isEmpty()) {
                    out.add(new Item(r.first, r, null, null));
                    i++;
                } else {
                    out.add(new Item(r.first, null, points, r.leaf.decision.otherwise()));
                    i = j + 1;
                }
            }
            return out;
        }

        private Target build(List<Item> items, int lo, int hi) {
            if (lo == hi) {
                Item item = items.get(lo);
                if (item.range != null) {
                    return leaf(item.range.leaf);
                }
                plainActions.add(item.around);
                Target first = null;
                Unit previous = null;
                for (Range point : item.points) {
                    Unit test = new Unit();
                    test.opcode = JMP_JEQ_K;
                    test.pivot = (int) point.first;
                    units.add(test);
                    if (previous == null) {
                        first = new Target(test, null);
                    } else {
                        previous.below = new Target(test, null);
                    }
                    test.above = leaf(point.leaf);
                    previous = test;
                }
                previous.below = new Target(null, item.around);
                return first;
            }
            int mid = (lo + hi + 1) >>> 1;
            Unit node = new Unit();
            node.pivot = (int) items.get(mid).first;
            units.add(node);
            node.below = build(items, lo, mid - 1);
            node.above = build(items, mid, hi);
            return new Target(node, null);
        }

        private Target leaf(Leaf leaf) {
            if (leaf.isPlain()) {
                plainActions.add(leaf.decision.otherwise());
                return new Target(null, leaf.decision.otherwise());
            }
            Unit u = new Unit();
            u.code = leaf.code();
            shareReturns(u);
            units.add(u);
            return new Target(u, null);
        }

        /**
         * A leaf's returns that only jumps reach go to a pool's return of the same action instead, as every
         * plain leaf's do (libseccomp shares its return blocks across the program the same way).
         */
        private void shareReturns(Unit u) {
            List<BpfInstruction> code = u.code;
            int n = code.size();
            if (!shareLeafReturns || n > MAX_JUMP / 2) {
                return; // its returns might not reach past its own end: keep them in place
            }
            boolean[] drop = new boolean[n];
            for (int pc = 0; pc < n; pc++) {
                BpfInstruction i = code.get(pc);
                if (i.code() == JMP_JA) {
                    return; // not produced after shrinking; keep it simple if it ever is
                }
                drop[pc] = Bpf.cls(i.code()) == Bpf.RET
                        && (pc == 0
                                || Bpf.cls(code.get(pc - 1).code()) == Bpf.JMP
                                || Bpf.cls(code.get(pc - 1).code()) == Bpf.RET);
            }
            drop[0] = false;
            int[] moved = new int[n];
            int next = 0;
            for (int pc = 0; pc < n; pc++) {
                moved[pc] = next;
                if (!drop[pc]) {
                    next++;
                }
            }
            List<BpfInstruction> out = new ArrayList<>();
            List<Exit> exits = new ArrayList<>();
            for (int pc = 0; pc < n; pc++) {
                if (drop[pc]) {
                    continue;
                }
                BpfInstruction i = code.get(pc);
                if (Bpf.cls(i.code()) == Bpf.JMP) {
                    int t = pc + 1 + i.jt();
                    int f = pc + 1 + i.jf();
                    int at = moved[pc];
                    if (drop[t]) {
                        exits.add(new Exit(
                                at,
                                true,
                                SeccompAction.fromReturnValue(code.get(t).k())));
                    }
                    if (drop[f]) {
                        exits.add(new Exit(
                                at,
                                false,
                                SeccompAction.fromReturnValue(code.get(f).k())));
                    }
                    out.add(new BpfInstruction(
                            i.code(), drop[t] ? 0 : moved[t] - at - 1, drop[f] ? 0 : moved[f] - at - 1, i.k()));
                } else {
                    out.add(i);
                }
            }
            for (Exit e : exits) {
                plainActions.add(e.action);
            }
            u.code = out;
            u.exits = exits;
        }

        /** A branch of a leaf's code to a shared return. */
        private record Exit(int pc, boolean ifTrue, SeccompAction action) {}

        /** Where each exit of a leaf lands now, or {@code Integer.MAX_VALUE} when no pool follows with its action. */
        private int exitTarget(Unit u, Exit e) {
            return target(new Target(null, e.action), u);
        }

        List<BpfInstruction> code() {
            int passes = 0;
            while (fixOneJump()) {
                // each pass inserts one pool or trampoline; they only ever move code further apart
                if (++passes > 2 * BpfProgram.MAX_INSTRUCTIONS) {
                    throw new IllegalStateException("no layout of the dispatch tree fits BPF's jump offsets");
                }
            }
            List<BpfInstruction> out = new ArrayList<>();
            for (Unit u : units) {
                if (u.exits != null) {
                    List<BpfInstruction> code = new ArrayList<>(u.code);
                    for (Exit e : u.exits) {
                        BpfInstruction i = code.get(e.pc());
                        int offset = exitTarget(u, e) - (u.position + e.pc()) - 1;
                        code.set(
                                e.pc(),
                                new BpfInstruction(
                                        i.code(), e.ifTrue() ? offset : i.jt(), e.ifTrue() ? i.jf() : offset, i.k()));
                    }
                    out.addAll(code);
                } else if (u.code != null) {
                    out.addAll(u.code);
                } else if (u.far != null) {
                    out.add(BpfInstruction.stmt(JMP_JA, target(u.far, u) - u.position - 1));
                } else {
                    out.add(BpfInstruction.jump(
                            u.opcode,
                            u.pivot,
                            target(u.above, u) - u.position - 1,
                            target(u.below, u) - u.position - 1));
                }
            }
            return out;
        }

        private void place() {
            int pos = 0;
            for (Unit u : units) {
                u.position = pos;
                pos += u.size();
            }
        }

        /** Absolute position a jump from {@code from} reaches for {@code t}: the unit, or the next pool's return. */
        private int target(Target t, Unit from) {
            if (t.unit != null) {
                return t.unit.position;
            }
            for (Unit u : units) {
                if (u.pool != null && u.position > from.position && u.pool.contains(t.action)) {
                    return u.position + u.pool.indexOf(t.action);
                }
            }
            return Integer.MAX_VALUE;
        }

        /**
         * No return of {@code action} within reach of the jump at {@code from} in unit {@code i}: a pool at the
         * last unit boundary the jump still reaches, so that as many later jumps as possible share it.
         */
        private void insertPool(int i, int from, SeccompAction action) {
            int at = i + 1;
            // a margin, so that pools later placed before this one do not push it out of reach again
            int limit = from + 1 + MAX_JUMP - POOL_MARGIN;
            while (at < units.size() && units.get(at).position + units.get(at).size() <= limit) {
                at++;
            }
            units.add(at, newPool(action));
        }

        /** A pool of one return: only what some jump needs here, so no return is placed unused. */
        private Unit newPool(SeccompAction action) {
            Unit pool = new Unit();
            pool.pool = List.of(action);
            pool.code = new ArrayList<>();
            for (SeccompAction a : pool.pool) {
                pool.code.add(BpfInstruction.stmt(RET_K, a.returnValue()));
            }
            return pool;
        }

        /** Finds the first jump out of reach and inserts a pool or trampoline for it; false when none is left. */
        private boolean fixOneJump() {
            place();
            for (int i = 0; i < units.size(); i++) {
                Unit u = units.get(i);
                if (u.exits != null) {
                    for (Exit e : u.exits) {
                        if ((long) exitTarget(u, e) - (u.position + e.pc()) - 1 > MAX_JUMP) {
                            insertPool(i, u.position + e.pc(), e.action());
                            return true;
                        }
                    }
                    continue;
                }
                if (u.code != null || u.far != null) {
                    continue;
                }
                for (Target t : List.of(u.above, u.below)) {
                    long distance = (long) target(t, u) - u.position - 1;
                    if (distance <= MAX_JUMP) {
                        continue;
                    }
                    if (t.unit != null) {
                        // a subtree too far away: through a ja right after this node
                        Unit ja = new Unit();
                        ja.far = t;
                        units.add(i + 1, ja);
                        Target via = new Target(ja, null);
                        if (t == u.above) {
                            u.above = via;
                        } else {
                            u.below = via;
                        }
                    } else {
                        insertPool(i, u.position, t.action);
                    }
                    return true;
                }
            }
            return false;
        }
    }

    /** Numbers {@code first..last} (inclusive, unsigned) all lead to {@code leaf}. */
    record Range(long first, long last, Leaf leaf) {}

    /** Where a number leads: a plain action, or a syscall's argument rules. */
    static final class Leaf {
        private final String syscall;
        private final SeccompFilter.Decision decision;

        Leaf(String syscall, SeccompFilter.Decision decision) {
            this.syscall = syscall;
            this.decision = decision;
        }

        static Leaf of(SeccompAction action) {
            return new Leaf(null, new SeccompFilter.Decision(List.of(), action));
        }

        boolean isPlain() {
            return decision.conditionalRules().isEmpty();
        }

        boolean mergesWith(Leaf other) {
            return isPlain() && other.isPlain() && decision.otherwise().equals(other.decision.otherwise());
        }

        List<BpfInstruction> code() {
            if (isPlain()) {
                return List.of(BpfInstruction.stmt(RET_K, decision.otherwise().returnValue()));
            }
            Assembler asm = new Assembler(syscall);
            Assembler.Label none = new Assembler.Label();
            level(asm, RuleTree.start(decision.conditionalRules()), none);
            asm.bind(none);
            asm.ret(decision.otherwise());
            return asm.resolve();
        }
    }

    /**
     * Code that returns the action of the rule {@link RuleTree#firstMatch} picks among {@code candidates},
     * or jumps to {@code none} when none holds. Rules sharing a test share its code, as in libseccomp's tree.
     */
    static void level(Assembler asm, List<RuleTree.Candidate> candidates, Assembler.Label none) {
        for (RuleTree.Group g : RuleTree.groups(candidates)) {
            Assembler.Label next = new Assembler.Label();
            group(asm, g, next);
            asm.bind(next);
        }
        asm.ja(none);
    }

    /** One high-word test and everything under it; every path returns or jumps to {@code next}. */
    private static void group(Assembler asm, RuleTree.Group g, Assembler.Label next) {
        RuleTree.Test t = g.test;
        int lo = SeccompData.OFFSET_ARGS + 8 * t.arg();
        int hi = lo + 4;
        Assembler.Label decided = new Assembler.Label();
        List<RuleTree.Candidate> decidedBy = null;
        if (t.shape() == RuleTree.Shape.EQUALITY) {
            List<RuleTree.Candidate> notEqual = g.notEqual();
            if (!t.narrow()) {
                asm.load(hi);
                if (t.mask() != -1) {
                    asm.and(t.mask());
                }
                decidedBy = notEqual.isEmpty() ? null : notEqual;
                asm.jump(JMP_JEQ_K, t.datum(), NEXT, decidedBy != null ? decided : next);
            }
            for (RuleTree.Group low : g.lowGroups()) {
                Assembler.Label nextLow = new Assembler.Label();
                List<RuleTree.Candidate> eq = low.equal();
                List<RuleTree.Candidate> ne = low.notEqual();
                Assembler.Label ifEqual = new Assembler.Label();
                Assembler.Label ifNot = new Assembler.Label();
                asm.load(lo);
                if (low.test.mask() != -1) {
                    asm.and(low.test.mask());
                }
                // The only test under the high word, for all of its != rules: the same code as when the high
                // word alone decides, so jump there instead of repeating it.
                boolean same = decidedBy != null && g.lowGroups().size() == 1 && ne.size() == notEqual.size();
                Assembler.Label notTarget = ne.isEmpty() ? nextLow : same ? decided : ifNot;
                asm.jump(JMP_JEQ_K, low.test.datum(), eq.isEmpty() ? nextLow : ifEqual, notTarget);
                if (!eq.isEmpty()) {
                    asm.bind(ifEqual);
                    passed(asm, eq, RuleTree.continuation(eq, eq), nextLow);
                }
                if (!ne.isEmpty() && !same) {
                    asm.bind(ifNot);
                    passed(asm, ne, RuleTree.continuation(notEqual, ne), nextLow);
                }
                asm.bind(nextLow);
            }
        } else {
            boolean above = t.shape() == RuleTree.Shape.ABOVE;
            if (!t.narrow()) {
                decidedBy = g.members;
                asm.load(hi);
                if (above) {
                    asm.jump(JMP_JGT_K, t.datum(), decided, NEXT);
                    asm.jump(JMP_JEQ_K, t.datum(), NEXT, next);
                } else {
                    asm.jump(JMP_JGT_K, t.datum(), next, NEXT);
                    asm.jump(JMP_JEQ_K, t.datum(), NEXT, decided);
                }
            }
            List<RuleTree.Group> lows = g.lowGroups();
            for (RuleTree.Group low : lows) {
                Assembler.Label nextLow = new Assembler.Label();
                // one low test only: passing it leads where the high word alone leads, so share that code
                boolean same = decidedBy != null && lows.size() == 1;
                Assembler.Label holds = same ? decided : new Assembler.Label();
                int op = low.test.kind().endsWith("gt") ? JMP_JGT_K : JMP_JGE_K;
                asm.load(lo);
                if (above) {
                    asm.jump(op, low.test.datum(), holds, nextLow);
                } else {
                    asm.jump(op, low.test.datum(), nextLow, holds);
                }
                if (!same) {
                    asm.bind(holds);
                    passed(asm, low.members, RuleTree.continuation(g.members, low.members), nextLow);
                }
                asm.bind(nextLow);
            }
        }
        asm.ja(next);
        if (decidedBy != null) {
            asm.bind(decided);
            passed(
                    asm,
                    RuleTree.endingOrderWhenHighDecides(decidedBy),
                    RuleTree.continuation(decidedBy, decidedBy),
                    next);
        }
    }

    /**
     * After a test passed: the first of {@code ending}'s candidates that end here and whose pending
     * conditions hold, else the {@code continuation} level; jumps to {@code fail} when neither decides.
     */
    private static void passed(
            Assembler asm,
            List<RuleTree.Candidate> ending,
            List<RuleTree.Candidate> continuation,
            Assembler.Label fail) {
        for (RuleTree.Candidate c : ending) {
            if (!c.ends()) {
                continue;
            }
            Assembler.Label skip = new Assembler.Label();
            for (ArgCondition p : c.pending()) {
                condition(asm, p, skip);
            }
            asm.ret(c.rule().action());
            asm.bind(skip);
            if (c.pending().isEmpty()) {
                return; // always decides: what follows is unreachable
            }
        }
        if (continuation.isEmpty()) {
            asm.ja(fail);
        } else {
            level(asm, continuation, fail);
        }
    }

    /**
     * Emits code that falls through when {@code c} holds and jumps to {@code fail} when it does not.
     * A 64-bit comparison is decided on the high word first and looks at the low word only when the high
     * words are equal — the order that makes unsigned {@code <}/{@code >} on two halves correct.
     */
    static void condition(Assembler asm, ArgCondition c, Assembler.Label fail) {
        int loOffset = SeccompData.OFFSET_ARGS + 8 * c.index();
        int hiOffset = loOffset + 4;
        int vLo = (int) c.value();
        int vHi = (int) (c.value() >>> 32);
        int mLo = (int) c.mask();
        int mHi = (int) (c.mask() >>> 32);
        Assembler.Label ok = new Assembler.Label();
        if (c.width() == ArgCondition.Width.BITS32) {
            switch (c.op()) {
                case MASKED_EQ:
                case MASKED_NE:
                    if (mLo == 0) {
                        // (x & 0) == (v & 0) always; the value is stored masked, so 0 here.
                        if (c.op() == ArgCondition.Op.MASKED_NE) {
                            asm.ja(fail);
                        }
                        return;
                    }
                    asm.load(loOffset);
                    asm.and(mLo);
                    if (c.op() == ArgCondition.Op.MASKED_EQ) {
                        asm.jump(JMP_JEQ_K, vLo, NEXT, fail);
                    } else {
                        asm.jump(JMP_JEQ_K, vLo, fail, NEXT);
                    }
                    return;
                default:
                    asm.load(loOffset);
                    compareWord(asm, c.op(), vLo, fail);
                    return;
            }
        }
        switch (c.op()) {
            case EQ:
                asm.load(hiOffset);
                asm.jump(JMP_JEQ_K, vHi, NEXT, fail);
                asm.load(loOffset);
                asm.jump(JMP_JEQ_K, vLo, NEXT, fail);
                break;
            case NE:
                asm.load(hiOffset);
                asm.jump(JMP_JEQ_K, vHi, NEXT, ok);
                asm.load(loOffset);
                asm.jump(JMP_JEQ_K, vLo, fail, NEXT);
                break;
            case MASKED_EQ:
                if (mHi != 0) {
                    asm.load(hiOffset);
                    asm.and(mHi);
                    asm.jump(JMP_JEQ_K, vHi, NEXT, fail);
                }
                if (mLo != 0) {
                    asm.load(loOffset);
                    asm.and(mLo);
                    asm.jump(JMP_JEQ_K, vLo, NEXT, fail);
                }
                break;
            case MASKED_NE:
                // Holds when either half differs.
                if (mHi != 0) {
                    asm.load(hiOffset);
                    asm.and(mHi);
                    asm.jump(JMP_JEQ_K, vHi, NEXT, ok);
                }
                if (mLo != 0) {
                    asm.load(loOffset);
                    asm.and(mLo);
                    asm.jump(JMP_JEQ_K, vLo, fail, NEXT);
                } else {
                    asm.ja(fail);
                }
                break;
            case GT:
            case GE:
                asm.load(hiOffset);
                asm.jump(JMP_JGT_K, vHi, ok, NEXT);
                asm.jump(JMP_JEQ_K, vHi, NEXT, fail);
                asm.load(loOffset);
                asm.jump(c.op() == ArgCondition.Op.GT ? JMP_JGT_K : JMP_JGE_K, vLo, NEXT, fail);
                break;
            case LT:
            case LE:
                asm.load(hiOffset);
                asm.jump(JMP_JGT_K, vHi, fail, NEXT);
                asm.jump(JMP_JEQ_K, vHi, NEXT, ok);
                asm.load(loOffset);
                asm.jump(c.op() == ArgCondition.Op.LT ? JMP_JGE_K : JMP_JGT_K, vLo, fail, NEXT);
                break;
            default:
                throw new AssertionError(c.op());
        }
        asm.bind(ok);
    }

    /** One unsigned 32-bit comparison of A with {@code v}; falls through when it holds. */
    private static void compareWord(Assembler asm, ArgCondition.Op op, int v, Assembler.Label fail) {
        switch (op) {
            case EQ:
                asm.jump(JMP_JEQ_K, v, NEXT, fail);
                break;
            case NE:
                asm.jump(JMP_JEQ_K, v, fail, NEXT);
                break;
            case LT:
                asm.jump(JMP_JGE_K, v, fail, NEXT);
                break;
            case LE:
                asm.jump(JMP_JGT_K, v, fail, NEXT);
                break;
            case GT:
                asm.jump(JMP_JGT_K, v, NEXT, fail);
                break;
            case GE:
                asm.jump(JMP_JGE_K, v, NEXT, fail);
                break;
            default:
                throw new AssertionError(op);
        }
    }

    /**
     * Straight-line code with forward jumps to labels, resolved to BPF's 8-bit offsets at the end.
     *
     * <p>It tracks which word of {@code seccomp_data} the accumulator holds on every path into an
     * instruction, and drops a load of the word already there: a second rule on the same argument (ioctl's
     * two refused commands, socket's three families) then costs one comparison instead of two.
     */
    static final class Assembler {
        /** Accumulator content: not a plain load of seccomp_data. */
        private static final int UNKNOWN = -1;
        /** Label state before any jump to it was emitted. */
        private static final int NO_JUMPS_YET = -2;

        static final class Label {
            private int position = -1;
            private int accumulator = NO_JUMPS_YET;

            private void arriving(int state) {
                accumulator = accumulator == NO_JUMPS_YET || accumulator == state ? state : UNKNOWN;
            }
        }

        private record Pending(int code, int k, Label jt, Label jf) {}

        private final String syscall;
        private final List<Pending> code = new ArrayList<>();
        /** What A holds if control falls into the next instruction. */
        private int accumulator = UNKNOWN;
        /** Whether control can fall into the next instruction at all (not after ret or ja). */
        private boolean fallsThrough = true;
        /** Where the last label was bound: an instruction before it cannot be removed. */
        private int lastBound = -1;

        Assembler(String syscall) {
            this.syscall = syscall;
        }

        void load(int offset) {
            if (fallsThrough && accumulator == offset) {
                return;
            }
            emit(new Pending(LD_W_ABS, offset, null, null));
            accumulator = offset;
        }

        void and(int mask) {
            emit(new Pending(ALU_AND_K, mask, null, null));
            accumulator = UNKNOWN;
        }

        void ret(SeccompAction action) {
            emit(new Pending(RET_K, action.returnValue(), null, null));
            fallsThrough = false;
        }

        /** A conditional jump; a {@code null} label means "the next instruction". */
        void jump(int opcode, int k, Label ifTrue, Label ifFalse) {
            emit(new Pending(opcode, k, ifTrue, ifFalse));
            if (ifTrue != null) {
                ifTrue.arriving(accumulator);
            }
            if (ifFalse != null) {
                ifFalse.arriving(accumulator);
            }
        }

        void ja(Label target) {
            emit(new Pending(JMP_JA, 0, target, null));
            target.arriving(accumulator);
            fallsThrough = false;
        }

        /** Places {@code label} here; every jump to it must already be emitted (jumps go forward). */
        void bind(Label label) {
            if (!code.isEmpty() && lastBound != code.size()) {
                Pending last = code.get(code.size() - 1);
                if (last.code == JMP_JA && last.jt == label) {
                    // a jump to the very next instruction: falling through does the same
                    code.remove(code.size() - 1);
                    fallsThrough = true; // A still holds what it held at the jump
                }
            }
            lastBound = code.size();
            label.position = code.size();
            if (fallsThrough) {
                label.arriving(accumulator);
            }
            accumulator = label.accumulator == NO_JUMPS_YET ? UNKNOWN : label.accumulator;
            fallsThrough = true;
        }

        private void emit(Pending instruction) {
            if (!fallsThrough) {
                // code nobody jumps to yet: its state is only known once a label is bound here
                accumulator = UNKNOWN;
                fallsThrough = true;
            }
            code.add(instruction);
        }

        List<BpfInstruction> resolve() {
            List<BpfInstruction> out = new ArrayList<>(code.size());
            for (int pc = 0; pc < code.size(); pc++) {
                Pending p = code.get(pc);
                if (p.code == JMP_JA) {
                    out.add(BpfInstruction.stmt(JMP_JA, offset(pc, p.jt)));
                } else {
                    out.add(new BpfInstruction(p.code, offset(pc, p.jt), offset(pc, p.jf), p.k));
                }
            }
            return shrink(out);
        }

        /**
         * Shares code the way libseccomp's block hashing does: a jump to a {@code ja} goes straight to where
         * it leads, a jump to a {@code ret} goes to the last identical {@code ret} within reach, and what no
         * path reaches any more is dropped. Returns {@code code} unchanged if anything would not fit.
         */
        static List<BpfInstruction> shrink(List<BpfInstruction> code) {
            int n = code.size();
            int[] jt = new int[n];
            int[] jf = new int[n];
            for (int pc = 0; pc < n; pc++) {
                BpfInstruction i = code.get(pc);
                if (i.code() == JMP_JA) {
                    jt[pc] = pc + 1 + i.k();
                } else if (Bpf.cls(i.code()) == Bpf.JMP) {
                    jt[pc] = pc + 1 + i.jt();
                    jf[pc] = pc + 1 + i.jf();
                }
            }
            for (int pc = 0; pc < n; pc++) {
                if (Bpf.cls(code.get(pc).code()) == Bpf.JMP) {
                    jt[pc] = better(code, jt, pc, jt[pc]);
                    if (code.get(pc).code() != JMP_JA) {
                        jf[pc] = better(code, jt, pc, jf[pc]);
                    }
                }
            }
            boolean[] reached = new boolean[n];
            reached[0] = true;
            for (int pc = 0; pc < n; pc++) {
                if (!reached[pc]) {
                    continue;
                }
                int c = code.get(pc).code();
                if (c == JMP_JA) {
                    reached[jt[pc]] = true;
                } else if (Bpf.cls(c) == Bpf.JMP) {
                    reached[jt[pc]] = true;
                    reached[jf[pc]] = true;
                } else if (Bpf.cls(c) != Bpf.RET) {
                    reached[pc + 1] = true;
                }
            }
            int[] moved = new int[n];
            int next = 0;
            for (int pc = 0; pc < n; pc++) {
                moved[pc] = next;
                if (reached[pc]) {
                    next++;
                }
            }
            List<BpfInstruction> out = new ArrayList<>(next);
            for (int pc = 0; pc < n; pc++) {
                if (!reached[pc]) {
                    continue;
                }
                BpfInstruction i = code.get(pc);
                int at = moved[pc];
                if (i.code() == JMP_JA) {
                    out.add(BpfInstruction.stmt(JMP_JA, moved[jt[pc]] - at - 1));
                } else if (Bpf.cls(i.code()) == Bpf.JMP) {
                    int t = moved[jt[pc]] - at - 1;
                    int f = moved[jf[pc]] - at - 1;
                    if (t > MAX_JUMP || f > MAX_JUMP) {
                        return code;
                    }
                    out.add(new BpfInstruction(i.code(), t, f, i.k()));
                } else {
                    out.add(i);
                }
            }
            return out;
        }

        /** Where a jump from {@code pc} to {@code target} may go instead: past {@code ja}s, to a later equal ret. */
        private static int better(List<BpfInstruction> code, int[] jaTarget, int pc, int target) {
            boolean conditional = code.get(pc).code() != JMP_JA;
            int t = target;
            while (code.get(t).code() == JMP_JA && (!conditional || jaTarget[t] - pc - 1 <= MAX_JUMP)) {
                t = jaTarget[t];
            }
            if (Bpf.cls(code.get(t).code()) == Bpf.RET) {
                for (int q = code.size() - 1; q > t; q--) {
                    if (code.get(q).equals(code.get(t)) && (!conditional || q - pc - 1 <= MAX_JUMP)) {
                        return q;
                    }
                }
            }
            return t;
        }

        private int offset(int pc, Label target) {
            if (target == null) {
                return 0;
            }
            if (target.position < 0) {
                throw new IllegalStateException("unbound label in code for " + syscall);
            }
            int offset = target.position - pc - 1;
            if (offset > MAX_JUMP) {
                throw new SeccompException("the argument rules for syscall '" + syscall + "' need a jump of " + offset
                        + " instructions, more than BPF's " + MAX_JUMP + "; use fewer conditions for it");
            }
            return offset;
        }
    }
}
