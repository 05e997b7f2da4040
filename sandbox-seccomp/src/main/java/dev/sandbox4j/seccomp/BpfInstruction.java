package dev.sandbox4j.seccomp;

/**
 * One classic BPF instruction, the kernel's {@code struct sock_filter}: a 16-bit opcode, two 8-bit
 * forward jump offsets and a 32-bit constant.
 *
 * @param code opcode, 0..0xffff
 * @param jt   instructions to skip when a conditional jump is taken, 0..255
 * @param jf   instructions to skip when it is not, 0..255
 * @param k    the constant (unsigned in the kernel; held as its 32 bits)
 */
public record BpfInstruction(int code, int jt, int jf, int k) {
    /** Bytes per instruction in the kernel's array. */
    public static final int SIZE = 8;

    public BpfInstruction {
        if (code < 0 || code > 0xffff) {
            throw new IllegalArgumentException("opcode out of range: " + code);
        }
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
            throw new IllegalArgumentException("jump offset out of range: jt=" + jt + " jf=" + jf);
        }
    }

    static BpfInstruction stmt(int code, int k) {
        return new BpfInstruction(code, 0, 0, k);
    }

    static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(code, jt, jf, k);
    }

    /** Human-readable form, e.g. {@code jge #0x40000000, +0, +3}. */
    @Override
    public String toString() {
        return Bpf.disassemble(this);
    }
}
