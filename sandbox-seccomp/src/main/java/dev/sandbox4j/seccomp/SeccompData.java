package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Arrays;

/**
 * What a seccomp filter sees of one system call — the kernel's 64-byte {@code struct seccomp_data}:
 * {@code nr} (offset 0), {@code arch} (4), {@code instruction_pointer} (8), {@code args[6]} (16 + 8·i).
 * Immutable.
 */
public final class SeccompData {
    /** {@code sizeof(struct seccomp_data)}. */
    public static final int SIZE = 64;

    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_IP = 8;
    static final int OFFSET_ARGS = 16;

    private final int arch;
    private final int nr;
    private final long instructionPointer;
    private final long[] args;

    /**
     * @param arch               {@code AUDIT_ARCH_*} value
     * @param nr                 syscall number as the filter sees it (x32 calls include bit 30)
     * @param instructionPointer address of the syscall instruction
     * @param args               up to six argument registers; missing ones are 0
     */
    public SeccompData(int arch, int nr, long instructionPointer, long... args) {
        if (args.length > ArgCondition.ARGUMENTS) {
            throw new InvalidConfigException(
                    "syscall arguments",
                    Integer.toString(args.length),
                    "a syscall has at most " + ArgCondition.ARGUMENTS);
        }
        this.arch = arch;
        this.nr = nr;
        this.instructionPointer = instructionPointer;
        this.args = Arrays.copyOf(args, ArgCondition.ARGUMENTS);
    }

    /** A native call of {@code architecture}, instruction pointer 0. */
    public static SeccompData of(Architecture architecture, int nr, long... args) {
        return new SeccompData(architecture.auditArch(), nr, 0, args);
    }

    public int arch() {
        return arch;
    }

    public int nr() {
        return nr;
    }

    public long instructionPointer() {
        return instructionPointer;
    }

    /** Argument register {@code i} (0..5). */
    public long arg(int i) {
        return args[i];
    }

    long[] argsView() {
        return args;
    }

    /**
     * The 32-bit word a {@code BPF_LD|BPF_W|BPF_ABS} at {@code offset} reads: the struct is laid out in
     * the machine's byte order, little-endian on both supported architectures, so the low half of a
     * 64-bit field comes first.
     */
    int word(int offset) {
        if (offset == OFFSET_NR) {
            return nr;
        }
        if (offset == OFFSET_ARCH) {
            return arch;
        }
        long field = offset < OFFSET_ARGS ? instructionPointer : args[(offset - OFFSET_ARGS) / 8];
        return (offset & 4) == 0 ? (int) field : (int) (field >>> 32);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("SeccompData[arch=0x")
                .append(Integer.toHexString(arch))
                .append(", nr=")
                .append(nr)
                .append(", ip=0x")
                .append(Long.toHexString(instructionPointer));
        for (int i = 0; i < args.length; i++) {
            s.append(", a").append(i).append("=0x").append(Long.toHexString(args[i]));
        }
        return s.append(']').toString();
    }
}
