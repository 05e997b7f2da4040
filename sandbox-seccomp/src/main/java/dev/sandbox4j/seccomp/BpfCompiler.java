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

    private BpfCompiler() {
    }

    static BpfProgram compile(SeccompFilter filter, Architecture arch) {
        List<Range> ranges = ranges(filter, arch);
        List<BpfInstruction> out = new ArrayList<>();
        out.add(BpfInstruction.stmt(LD_W_ABS, SeccompData.OFFSET_ARCH));
        out.add(BpfInstruction.jump(JMP_JEQ_K, arch.auditArch(), 1, 0));
        out.add(BpfInstruction.stmt(RET_K, SeccompAction.KILL_PROCESS.returnValue()));
        out.add(BpfInstruction.stmt(LD_W_ABS, SeccompData.OFFSET_NR));
        out.addAll(tree(ranges, 0, ranges.size() - 1));
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
        java.util.NavigableMap<Integer, String> numbered = new java.util.TreeMap<>(arch.syscalls().byNumber());
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
     * Code for ranges[lo..hi]: {@code jge first(mid)} to the upper half, else fall into the lower half.
     * When the lower half is longer than a conditional jump reaches, the taken branch goes through a
     * {@code ja}, whose offset is 32 bits.
     */
    private static List<BpfInstruction> tree(List<Range> ranges, int lo, int hi) {
        if (lo == hi) {
            return ranges.get(lo).leaf.code();
        }
        int mid = (lo + hi + 1) >>> 1;
        List<BpfInstruction> left = tree(ranges, lo, mid - 1);
        List<BpfInstruction> right = tree(ranges, mid, hi);
        int pivot = (int) ranges.get(mid).first;
        List<BpfInstruction> out = new ArrayList<>(left.size() + right.size() + 2);
        if (left.size() <= MAX_JUMP) {
            out.add(BpfInstruction.jump(JMP_JGE_K, pivot, left.size(), 0));
        } else {
            out.add(BpfInstruction.jump(JMP_JGE_K, pivot, 0, 1));
            out.add(BpfInstruction.stmt(JMP_JA, left.size()));
        }
        out.addAll(left);
        out.addAll(right);
        return out;
    }

    /** Numbers {@code first..last} (inclusive, unsigned) all lead to {@code leaf}. */
    record Range(long first, long last, Leaf leaf) {
    }

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
                asm.jump(JMP_JEQ_K, low.test.datum(), eq.isEmpty() ? nextLow : ifEqual, ne.isEmpty() ? nextLow : ifNot);
                if (!eq.isEmpty()) {
                    asm.bind(ifEqual);
                    passed(asm, eq, RuleTree.continuation(eq, eq), nextLow);
                }
                if (!ne.isEmpty()) {
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
            for (RuleTree.Group low : g.lowGroups()) {
                Assembler.Label nextLow = new Assembler.Label();
                Assembler.Label holds = new Assembler.Label();
                int op = low.test.kind().endsWith("gt") ? JMP_JGT_K : JMP_JGE_K;
                asm.load(lo);
                if (above) {
                    asm.jump(op, low.test.datum(), holds, nextLow);
                } else {
                    asm.jump(op, low.test.datum(), nextLow, holds);
                }
                asm.bind(holds);
                passed(asm, low.members, RuleTree.continuation(g.members, low.members), nextLow);
                asm.bind(nextLow);
            }
        }
        asm.ja(next);
        if (decidedBy != null) {
            asm.bind(decided);
            passed(asm, RuleTree.endingOrderWhenHighDecides(decidedBy), RuleTree.continuation(decidedBy, decidedBy),
                    next);
        }
    }

    /**
     * After a test passed: the first of {@code ending}'s candidates that end here and whose pending
     * conditions hold, else the {@code continuation} level; jumps to {@code fail} when neither decides.
     */
    private static void passed(Assembler asm, List<RuleTree.Candidate> ending, List<RuleTree.Candidate> continuation,
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

        private record Pending(int code, int k, Label jt, Label jf) {
        }

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
            return out;
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
