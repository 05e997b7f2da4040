package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.Bpf.ABS;
import static dev.sandbox4j.seccomp.Bpf.ALU;
import static dev.sandbox4j.seccomp.Bpf.DIV;
import static dev.sandbox4j.seccomp.Bpf.IMM;
import static dev.sandbox4j.seccomp.Bpf.JA;
import static dev.sandbox4j.seccomp.Bpf.JMP;
import static dev.sandbox4j.seccomp.Bpf.LD;
import static dev.sandbox4j.seccomp.Bpf.LDX;
import static dev.sandbox4j.seccomp.Bpf.LEN;
import static dev.sandbox4j.seccomp.Bpf.LSH;
import static dev.sandbox4j.seccomp.Bpf.MEM;
import static dev.sandbox4j.seccomp.Bpf.MEMWORDS;
import static dev.sandbox4j.seccomp.Bpf.MISC;
import static dev.sandbox4j.seccomp.Bpf.MOD;
import static dev.sandbox4j.seccomp.Bpf.NEG;
import static dev.sandbox4j.seccomp.Bpf.RET;
import static dev.sandbox4j.seccomp.Bpf.RSH;
import static dev.sandbox4j.seccomp.Bpf.ST;
import static dev.sandbox4j.seccomp.Bpf.STX;
import static dev.sandbox4j.seccomp.Bpf.TXA;
import static dev.sandbox4j.seccomp.Bpf.X;

import dev.sandbox4j.core.SeccompException;
import java.util.List;
import java.util.Objects;

/**
 * Runs a seccomp BPF program in Java, the way the kernel would: for tests, for {@code explain}, and to
 * measure how many instructions a decision costs.
 *
 * <p>Creating an interpreter first checks the program against the rules the kernel applies when the
 * filter is installed (size, opcodes seccomp accepts, aligned loads inside {@code seccomp_data}, jumps
 * inside the program, scratch memory written before it is read, a return at the end), so a program that
 * passes here is one the kernel will take.
 */
public final class BpfInterpreter {

    /** The outcome of running the program on one {@link SeccompData}. */
    public record Execution(int returnValue, int instructionsExecuted) {
        /** The action the kernel takes for this return value. */
        public SeccompAction action() {
            return SeccompAction.fromReturnValue(returnValue);
        }
    }

    private final BpfInstruction[] program;

    private BpfInterpreter(BpfInstruction[] program) {
        this.program = program;
    }

    /**
     * An interpreter for {@code program}.
     *
     * @throws SeccompException naming the first instruction the kernel would refuse, and why
     */
    public static BpfInterpreter of(BpfProgram program) {
        List<BpfInstruction> list = Objects.requireNonNull(program, "program").instructions();
        BpfInstruction[] insns = list.toArray(new BpfInstruction[0]);
        verify(insns);
        return new BpfInterpreter(insns);
    }

    /** Runs the program on one call. */
    public Execution run(SeccompData data) {
        int a = 0;
        int x = 0;
        int[] mem = new int[MEMWORDS];
        int pc = 0;
        int executed = 0;
        while (true) {
            BpfInstruction insn = program[pc++];
            executed++;
            int code = insn.code();
            int k = insn.k();
            switch (Bpf.cls(code)) {
                case LD:
                    a = load(code, k, data, mem, a);
                    break;
                case LDX:
                    x = load(code, k, data, mem, x);
                    break;
                case ST:
                    mem[k] = a;
                    break;
                case STX:
                    mem[k] = x;
                    break;
                case ALU:
                    a = alu(Bpf.op(code), a, Bpf.src(code) == X ? x : k);
                    break;
                case JMP:
                    if (Bpf.op(code) == JA) {
                        pc += k;
                    } else {
                        pc += jumpTaken(Bpf.op(code), a, Bpf.src(code) == X ? x : k) ? insn.jt() : insn.jf();
                    }
                    break;
                case RET:
                    return new Execution((code & 0x18) == Bpf.A ? a : k, executed);
                case MISC:
                    if ((code & 0xf8) == TXA) {
                        a = x;
                    } else {
                        x = a;
                    }
                    break;
                default:
                    throw new AssertionError("verified program has class " + Bpf.cls(code));
            }
        }
    }

    /** Convenience for {@link #run(SeccompData)}. */
    public Execution run(int auditArch, int nr, long instructionPointer, long... args) {
        return run(new SeccompData(auditArch, nr, instructionPointer, args));
    }

    private static int load(int code, int k, SeccompData data, int[] mem, int current) {
        switch (code & 0xe0) {
            case ABS:
                return data.word(k);
            case MEM:
                return mem[k];
            case LEN:
                return SeccompData.SIZE;
            case IMM:
                return k;
            default:
                throw new AssertionError("verified program has load mode " + (code & 0xe0));
        }
    }

    private static int alu(int op, int a, int operand) {
        switch (op) {
            case Bpf.ADD:
                return a + operand;
            case Bpf.SUB:
                return a - operand;
            case Bpf.MUL:
                return a * operand;
            // The kernel makes division by a zero register return 0 from the whole filter; programs here
            // never divide, so treating it as a result of 0 only matters for hand-written input.
            case DIV:
                return operand == 0 ? 0 : Integer.divideUnsigned(a, operand);
            case MOD:
                return operand == 0 ? 0 : Integer.remainderUnsigned(a, operand);
            case Bpf.OR:
                return a | operand;
            case Bpf.AND:
                return a & operand;
            case Bpf.XOR:
                return a ^ operand;
            case LSH:
                return a << operand;
            case RSH:
                return a >>> operand;
            case NEG:
                return -a;
            default:
                throw new AssertionError("verified program has ALU op " + op);
        }
    }

    private static boolean jumpTaken(int op, int a, int operand) {
        switch (op) {
            case Bpf.JEQ:
                return a == operand;
            case Bpf.JGT:
                return Integer.compareUnsigned(a, operand) > 0;
            case Bpf.JGE:
                return Integer.compareUnsigned(a, operand) >= 0;
            case Bpf.JSET:
                return (a & operand) != 0;
            default:
                throw new AssertionError("verified program has jump op " + op);
        }
    }

    /** The checks of the kernel's {@code bpf_check_classic} and {@code seccomp_check_filter}. */
    private static void verify(BpfInstruction[] p) {
        int len = p.length;
        if (len == 0 || len > BpfProgram.MAX_INSTRUCTIONS) {
            throw new SeccompException(
                    "BPF program has " + len + " instructions; the kernel accepts 1 to " + BpfProgram.MAX_INSTRUCTIONS);
        }
        for (int pc = 0; pc < len; pc++) {
            String problem = check(p[pc], pc, len);
            if (problem != null) {
                throw new SeccompException("BPF instruction " + pc + " (" + p[pc] + ") would be refused: " + problem);
            }
        }
        if (Bpf.cls(p[len - 1].code()) != RET) {
            throw new SeccompException("BPF program does not end with a return instruction");
        }
        checkMemoryWrittenBeforeRead(p);
    }

    private static String check(BpfInstruction insn, int pc, int len) {
        int code = insn.code();
        int k = insn.k();
        if ((code & ~0xff) != 0) {
            return "unknown opcode";
        }
        switch (Bpf.cls(code)) {
            case LD:
            case LDX: {
                int mode = code & 0xe0;
                if ((code & 0x18) != Bpf.W) {
                    return "seccomp allows only 32-bit loads";
                }
                if (mode == ABS && Bpf.cls(code) == LD) {
                    return k >= 0 && k < SeccompData.SIZE && (k & 3) == 0
                            ? null
                            : "load offset " + k + " is not an aligned word inside seccomp_data";
                }
                if (mode == MEM) {
                    return k >= 0 && k < MEMWORDS ? null : "scratch memory index " + k + " out of range";
                }
                return mode == IMM || mode == LEN ? null : "load mode not allowed in seccomp";
            }
            case ST:
            case STX:
                return code == Bpf.cls(code) && k >= 0 && k < MEMWORDS ? null : "bad store";
            case ALU: {
                int op = Bpf.op(code);
                if (Bpf.aluName(op) == null || (code & ~0xf8) != ALU || (op == NEG && Bpf.src(code) == X)) {
                    return "unknown ALU operation";
                }
                if (Bpf.src(code) == Bpf.K && (op == DIV || op == MOD) && k == 0) {
                    return "division by constant zero";
                }
                if (Bpf.src(code) == Bpf.K && (op == LSH || op == RSH) && Integer.compareUnsigned(k, 32) >= 0) {
                    return "shift by " + Integer.toUnsignedString(k);
                }
                return null;
            }
            case JMP: {
                int op = Bpf.op(code);
                if (op == JA) {
                    return code == (JMP | JA) && Integer.compareUnsigned(k, len - pc - 1) < 0
                            ? null
                            : "jump beyond the end";
                }
                if (Bpf.jumpName(op) == null || (code & 0x07) != JMP || (code & ~0xf8) != JMP) {
                    return "unknown jump";
                }
                return pc + 1 + insn.jt() < len && pc + 1 + insn.jf() < len ? null : "jump beyond the end";
            }
            case RET:
                return code == (RET | Bpf.K) || code == (RET | Bpf.A) ? null : "unknown return";
            case MISC:
                return code == (MISC | Bpf.TAX) || code == (MISC | TXA) ? null : "unknown misc operation";
            default:
                return "unknown instruction class";
        }
    }

    /**
     * The kernel's {@code check_load_and_stores}: every read of M[i] must follow a store to it on every
     * path. Jumps only go forward, so one pass in program order sees every predecessor first.
     */
    private static void checkMemoryWrittenBeforeRead(BpfInstruction[] p) {
        int all = (1 << MEMWORDS) - 1;
        int[] valid = new int[p.length];
        java.util.Arrays.fill(valid, all);
        valid[0] = 0;
        for (int pc = 0; pc < p.length; pc++) {
            int code = p[pc].code();
            int k = p[pc].k();
            int state = valid[pc];
            if ((Bpf.cls(code) == LD || Bpf.cls(code) == LDX) && (code & 0xe0) == MEM && (state & (1 << k)) == 0) {
                throw new SeccompException(
                        "BPF instruction " + pc + " reads scratch memory M[" + k + "] before anything is stored there");
            }
            if (Bpf.cls(code) == ST || Bpf.cls(code) == STX) {
                state |= 1 << k;
            }
            if (Bpf.cls(code) == JMP) {
                if (Bpf.op(code) == JA) {
                    valid[pc + 1 + k] &= state;
                } else {
                    valid[pc + 1 + p[pc].jt()] &= state;
                    valid[pc + 1 + p[pc].jf()] &= state;
                }
            } else if (Bpf.cls(code) != RET && pc + 1 < p.length) {
                valid[pc + 1] &= state;
            }
        }
    }
}
