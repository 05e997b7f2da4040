package dev.sandbox4j.seccomp;

/** Classic BPF opcodes (linux/filter.h, linux/bpf_common.h) and their assembler spelling. */
final class Bpf {
    private Bpf() {}

    // Instruction classes.
    static final int LD = 0x00;
    static final int LDX = 0x01;
    static final int ST = 0x02;
    static final int STX = 0x03;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int RET = 0x06;
    static final int MISC = 0x07;

    // Sizes and modes for loads.
    static final int W = 0x00;
    static final int IMM = 0x00;
    static final int ABS = 0x20;
    static final int MEM = 0x60;
    static final int LEN = 0x80;

    // ALU and jump operations.
    static final int ADD = 0x00;
    static final int SUB = 0x10;
    static final int MUL = 0x20;
    static final int DIV = 0x30;
    static final int OR = 0x40;
    static final int AND = 0x50;
    static final int LSH = 0x60;
    static final int RSH = 0x70;
    static final int NEG = 0x80;
    static final int MOD = 0x90;
    static final int XOR = 0xa0;
    static final int JA = 0x00;
    static final int JEQ = 0x10;
    static final int JGT = 0x20;
    static final int JGE = 0x30;
    static final int JSET = 0x40;

    // Operand source.
    static final int K = 0x00;
    static final int X = 0x08;
    static final int A = 0x10;

    // MISC operations.
    static final int TAX = 0x00;
    static final int TXA = 0x80;

    /** Scratch memory words M[0..15]. */
    static final int MEMWORDS = 16;

    static final int LD_W_ABS = LD | W | ABS;
    static final int JMP_JEQ_K = JMP | JEQ | K;
    static final int JMP_JGT_K = JMP | JGT | K;
    static final int JMP_JGE_K = JMP | JGE | K;
    static final int JMP_JA = JMP | JA;
    static final int ALU_AND_K = ALU | AND | K;
    static final int RET_K = RET | K;

    static int cls(int code) {
        return code & 0x07;
    }

    static int op(int code) {
        return code & 0xf0;
    }

    static int src(int code) {
        return code & 0x08;
    }

    static String disassemble(BpfInstruction insn) {
        int code = insn.code();
        int k = insn.k();
        String kx = "#0x" + Integer.toHexString(k);
        switch (cls(code)) {
            case LD:
            case LDX: {
                String reg = cls(code) == LD ? "ld" : "ldx";
                switch (code & 0xe0) {
                    case ABS:
                        return reg + " [" + k + "]" + fieldName(k);
                    case MEM:
                        return reg + " M[" + k + "]";
                    case LEN:
                        return reg + " #len";
                    case IMM:
                        return reg + " " + kx;
                    default:
                        return unknown(code);
                }
            }
            case ST:
                return "st M[" + k + "]";
            case STX:
                return "stx M[" + k + "]";
            case ALU: {
                String name = aluName(op(code));
                if (op(code) == NEG) {
                    return "neg";
                }
                return name == null ? unknown(code) : name + " " + (src(code) == X ? "x" : kx);
            }
            case JMP: {
                if (op(code) == JA) {
                    return "ja +" + Integer.toUnsignedString(k);
                }
                String name = jumpName(op(code));
                return name == null
                        ? unknown(code)
                        : name + " " + (src(code) == X ? "x" : kx) + ", +" + insn.jt() + ", +" + insn.jf();
            }
            case RET:
                return (code & 0x18) == A
                        ? "ret a"
                        : "ret " + SeccompAction.fromReturnValue(k).describe();
            case MISC:
                return (code & 0xf8) == TXA ? "txa" : "tax";
            default:
                return unknown(code);
        }
    }

    private static String fieldName(int offset) {
        if (offset == SeccompData.OFFSET_NR) {
            return "  ; nr";
        }
        if (offset == SeccompData.OFFSET_ARCH) {
            return "  ; arch";
        }
        if (offset == SeccompData.OFFSET_IP || offset == SeccompData.OFFSET_IP + 4) {
            return offset == SeccompData.OFFSET_IP ? "  ; ip.lo32" : "  ; ip.hi32";
        }
        if (offset >= SeccompData.OFFSET_ARGS && offset < SeccompData.SIZE) {
            int arg = (offset - SeccompData.OFFSET_ARGS) / 8;
            return "  ; arg" + arg + ((offset & 4) == 0 ? ".lo32" : ".hi32");
        }
        return "";
    }

    static String aluName(int op) {
        switch (op) {
            case ADD:
                return "add";
            case SUB:
                return "sub";
            case MUL:
                return "mul";
            case DIV:
                return "div";
            case OR:
                return "or";
            case AND:
                return "and";
            case LSH:
                return "lsh";
            case RSH:
                return "rsh";
            case NEG:
                return "neg";
            case MOD:
                return "mod";
            case XOR:
                return "xor";
            default:
                return null;
        }
    }

    static String jumpName(int op) {
        switch (op) {
            case JEQ:
                return "jeq";
            case JGT:
                return "jgt";
            case JGE:
                return "jge";
            case JSET:
                return "jset";
            default:
                return null;
        }
    }

    private static String unknown(int code) {
        return ".insn 0x" + Integer.toHexString(code);
    }
}
