package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.SeccompException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled seccomp filter: the classic BPF program the kernel receives through
 * {@code seccomp(SECCOMP_SET_MODE_FILTER)}. Immutable.
 */
public final class BpfProgram {
    /** {@code BPF_MAXINSNS}: the kernel refuses longer programs with EINVAL. */
    public static final int MAX_INSTRUCTIONS = 4096;

    private final List<BpfInstruction> instructions;

    BpfProgram(List<BpfInstruction> instructions) {
        this.instructions = List.copyOf(instructions);
    }

    /**
     * A program of these instructions, e.g. one assembled by hand to go in front of a compiled filter. Not
     * checked here: {@link BpfInterpreter#of} checks a program as the kernel will.
     *
     * @throws SeccompException if there are none
     */
    public static BpfProgram of(List<BpfInstruction> instructions) {
        if (instructions.isEmpty()) {
            throw new SeccompException("a BPF program needs at least one instruction");
        }
        return new BpfProgram(instructions);
    }

    /**
     * Reads a program in the kernel's layout, as {@link #toBytes()} writes it (e.g. an exported file).
     *
     * @throws SeccompException if the length is not a whole, non-zero number of instructions
     */
    public static BpfProgram fromBytes(byte[] bytes) {
        if (bytes.length == 0 || bytes.length % BpfInstruction.SIZE != 0) {
            throw new SeccompException("not a BPF program: " + bytes.length + " bytes is not a non-zero multiple of "
                    + BpfInstruction.SIZE);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<BpfInstruction> list = new ArrayList<>(bytes.length / BpfInstruction.SIZE);
        while (in.hasRemaining()) {
            int code = Short.toUnsignedInt(in.getShort());
            int jt = Byte.toUnsignedInt(in.get());
            int jf = Byte.toUnsignedInt(in.get());
            list.add(new BpfInstruction(code, jt, jf, in.getInt()));
        }
        return new BpfProgram(list);
    }

    /**
     * This program with every {@code ret} of {@code from} returning {@code to} instead, every other instruction
     * unchanged: the same decisions, the same paths, the same length. A supervisor uses it to have the calls a
     * filter refuses come to it ({@link SeccompAction#USER_NOTIF}) while every permitted call runs exactly the
     * instructions it ran before.
     */
    public BpfProgram withReturnReplaced(SeccompAction from, SeccompAction to) {
        int fromValue = from.returnValue();
        int toValue = to.returnValue();
        List<BpfInstruction> out = new ArrayList<>(instructions.size());
        for (BpfInstruction insn : instructions) {
            boolean match = insn.code() == Bpf.RET_K && insn.k() == fromValue;
            out.add(match ? new BpfInstruction(insn.code(), insn.jt(), insn.jf(), toValue) : insn);
        }
        return new BpfProgram(out);
    }

    /** Number of instructions. */
    public int length() {
        return instructions.size();
    }

    public List<BpfInstruction> instructions() {
        return instructions;
    }

    /**
     * The program as the kernel's {@code struct sock_filter} array: per instruction a little-endian u16
     * code, u8 jt, u8 jf, u32 k. Little-endian because both supported architectures are; this is exactly
     * the memory a launcher points {@code struct sock_fprog.filter} at.
     */
    public byte[] toBytes() {
        ByteBuffer out =
                ByteBuffer.allocate(instructions.size() * BpfInstruction.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (BpfInstruction insn : instructions) {
            out.putShort((short) insn.code())
                    .put((byte) insn.jt())
                    .put((byte) insn.jf())
                    .putInt(insn.k());
        }
        return out.array();
    }

    /**
     * One line per instruction: index, assembler, and for jumps the absolute targets, e.g.
     * {@code  12: jge #0x40, +0, +5        ; → 13 / 18}.
     */
    public String disassemble() {
        StringBuilder s = new StringBuilder();
        int width = Integer.toString(instructions.size()).length();
        for (int pc = 0; pc < instructions.size(); pc++) {
            BpfInstruction insn = instructions.get(pc);
            String text = insn.toString();
            s.append(String.format("%" + width + "d: %s", pc, text));
            if (Bpf.cls(insn.code()) == Bpf.JMP) {
                s.append(" ".repeat(Math.max(1, 34 - text.length())));
                if (Bpf.op(insn.code()) == Bpf.JA) {
                    s.append("; → ").append(pc + 1 + insn.k());
                } else {
                    s.append("; → ").append(pc + 1 + insn.jt()).append(" / ").append(pc + 1 + insn.jf());
                }
            }
            s.append('\n');
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpfProgram && ((BpfProgram) o).instructions.equals(instructions);
    }

    @Override
    public int hashCode() {
        return instructions.hashCode();
    }

    @Override
    public String toString() {
        return "BpfProgram[" + instructions.size() + " instructions]";
    }
}
