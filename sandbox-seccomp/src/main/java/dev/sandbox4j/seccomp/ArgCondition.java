package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Objects;

/**
 * A test on one syscall argument, part of a {@link SyscallRule}. Written as
 * {@code ArgCondition.arg32(1).eq(0x5412)} or {@code ArgCondition.arg(2).lt(4096)}.
 *
 * <p>Comparisons are unsigned, as in BPF. {@link #arg(int)} compares all 64 bits of the register;
 * {@link #arg32(int)} compares only the low 32 bits and must be used for arguments the kernel declares
 * as {@code int} or {@code unsigned int} (ioctl's command, socket's family, clone's flags): the kernel
 * ignores their upper half, and whether the caller's libc sign-extends into it differs between glibc
 * versions and musl, so a 64-bit rule would both misfire on legitimate calls and — for deny rules — be
 * bypassed by setting a high bit (CVE-2019-10063).
 *
 * <p><b>libseccomp's forms.</b> {@code SCMP_Ai(op, v)} on a 64-bit architecture is {@code arg(i).op(v)}.
 * {@code SCMP_Ai_32(op, v)} is <em>not</em> {@code arg32}: libseccomp casts {@code v} to 32 bits and still
 * compares all 64 bits of the register, so it is {@code arg(i).op(v & 0xffffffffL)} here (a call whose
 * high half is set, e.g. a sign-extended {@code -1}, does not equal it). {@code arg32} has no libseccomp
 * spelling for {@code < <= > >=}; its {@code eq(v)} is libseccomp's
 * {@code SCMP_Ai(SCMP_CMP_MASKED_EQ, 0xffffffff, v)}. {@link Arg#maskedEq} is
 * {@code SCMP_CMP_MASKED_EQ} exactly: {@code (arg & mask) == (value & mask)}.
 */
public final class ArgCondition {

    /** How the argument is compared with the rule's value. */
    public enum Op {
        EQ("=="),
        NE("!="),
        LT("<"),
        LE("<="),
        GT(">"),
        GE(">="),
        MASKED_EQ("=="),
        MASKED_NE("!=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        boolean isMasked() {
            return this == MASKED_EQ || this == MASKED_NE;
        }
    }

    /** Which bits of the argument register take part. */
    public enum Width {
        /** All 64 bits: pointers, sizes, {@code unsigned long} flags. */
        BITS64,
        /** The low 32 bits only: {@code int} and {@code unsigned int} arguments. */
        BITS32
    }

    /** Number of syscall arguments in {@code seccomp_data}. */
    public static final int ARGUMENTS = 6;

    private static final long LOW32 = 0xffffffffL;

    private final int index;
    private final Width width;
    private final Op op;
    private final long mask;
    private final long value;

    private ArgCondition(int index, Width width, Op op, long mask, long value) {
        this.index = index;
        this.width = width;
        this.op = op;
        this.mask = mask;
        this.value = value;
    }

    /** Conditions on all 64 bits of argument {@code index} (0..5). */
    public static Arg arg(int index) {
        return new Arg(index, Width.BITS64);
    }

    /** Conditions on the low 32 bits of argument {@code index} (0..5), for int-typed arguments. */
    public static Arg arg32(int index) {
        return new Arg(index, Width.BITS32);
    }

    /** The first half of a condition: which argument, how wide. */
    public static final class Arg {
        private final int index;
        private final Width width;

        private Arg(int index, Width width) {
            if (index < 0 || index >= ARGUMENTS) {
                throw new InvalidConfigException(
                        "syscall argument index", Integer.toString(index), "must be between 0 and " + (ARGUMENTS - 1));
            }
            this.index = index;
            this.width = width;
        }

        public ArgCondition eq(long value) {
            return make(Op.EQ, -1L, value);
        }

        public ArgCondition ne(long value) {
            return make(Op.NE, -1L, value);
        }

        public ArgCondition lt(long value) {
            return make(Op.LT, -1L, value);
        }

        public ArgCondition le(long value) {
            return make(Op.LE, -1L, value);
        }

        public ArgCondition gt(long value) {
            return make(Op.GT, -1L, value);
        }

        public ArgCondition ge(long value) {
            return make(Op.GE, -1L, value);
        }

        /**
         * {@code (arg & mask) == (value & mask)}, as libseccomp's {@code SCMP_CMP_MASKED_EQ}: bits of
         * {@code value} outside the mask do not take part, and a mask of 0 always holds.
         */
        public ArgCondition maskedEq(long mask, long value) {
            return make(Op.MASKED_EQ, mask, value);
        }

        /** {@code (arg & mask) != (value & mask)}: the negation of {@link #maskedEq}; a mask of 0 never holds. */
        public ArgCondition maskedNe(long mask, long value) {
            return make(Op.MASKED_NE, mask, value);
        }

        private ArgCondition make(Op op, long mask, long value) {
            long m = fit("mask", mask);
            long v = fit("value", value);
            // Only the masked bits are compared; keeping just those makes equal conditions equal.
            return new ArgCondition(index, width, op, m, op.isMasked() ? v & m : v);
        }

        /** A 32-bit condition takes an int either sign-extended or as unsigned; both mean the same low word. */
        private long fit(String what, long x) {
            if (width == Width.BITS64) {
                return x;
            }
            if (x < Integer.MIN_VALUE || x > LOW32) {
                throw new InvalidConfigException(
                        "32-bit argument " + what,
                        hex(x),
                        "does not fit 32 bits; use ArgCondition.arg(" + index + ") for a 64-bit argument");
            }
            return x & LOW32;
        }
    }

    /** The argument index, 0..5. */
    public int index() {
        return index;
    }

    public Width width() {
        return width;
    }

    public Op op() {
        return op;
    }

    /** The mask of a masked comparison; all ones (of the width) otherwise. */
    public long mask() {
        return op.isMasked() ? mask : (width == Width.BITS32 ? LOW32 : -1L);
    }

    /**
     * The value compared against (zero-extended to 64 bits for 32-bit conditions; for a masked comparison,
     * only its bits inside the mask).
     */
    public long value() {
        return value;
    }

    /** Whether this condition holds whatever the argument: a masked equality with a mask of 0. */
    boolean alwaysHolds() {
        return op == Op.MASKED_EQ && mask == 0;
    }

    /** Whether this condition holds for no argument: a masked inequality with a mask of 0. */
    boolean neverHolds() {
        return op == Op.MASKED_NE && mask == 0;
    }

    /** Whether a call whose argument register holds {@code argument} satisfies this condition. */
    public boolean test(long argument) {
        long x = width == Width.BITS32 ? argument & LOW32 : argument;
        switch (op) {
            case EQ:
                return x == value;
            case NE:
                return x != value;
            case LT:
                return Long.compareUnsigned(x, value) < 0;
            case LE:
                return Long.compareUnsigned(x, value) <= 0;
            case GT:
                return Long.compareUnsigned(x, value) > 0;
            case GE:
                return Long.compareUnsigned(x, value) >= 0;
            case MASKED_EQ:
                return (x & mask) == value;
            case MASKED_NE:
                return (x & mask) != value;
            default:
                throw new AssertionError(op);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ArgCondition)) {
            return false;
        }
        ArgCondition c = (ArgCondition) o;
        return c.index == index && c.width == width && c.op == op && c.mask() == mask() && c.value == value;
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, width, op, mask(), value);
    }

    /** {@code arg1.lo32 == 0x5412}, {@code (arg0.lo32 & 0x7e020000) != 0}, {@code arg2 < 0x1000}. */
    @Override
    public String toString() {
        String operand = "arg" + index + (width == Width.BITS32 ? ".lo32" : "");
        if (op.isMasked()) {
            operand = "(" + operand + " & " + hex(mask) + ")";
        }
        return operand + " " + op.symbol + " " + hex(value);
    }

    static String hex(long x) {
        return "0x" + Long.toHexString(x);
    }
}
