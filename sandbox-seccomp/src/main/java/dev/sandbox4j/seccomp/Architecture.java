package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.SeccompException;
import java.util.Locale;

/**
 * A CPU architecture a filter can be compiled for, with the {@code AUDIT_ARCH_*} value the kernel puts in
 * {@code seccomp_data.arch} for its native system calls.
 */
public enum Architecture {
    /** {@code AUDIT_ARCH_X86_64} = EM_X86_64 | 64-bit | little-endian. x32 reports this value too. */
    X86_64("x86_64", 0xC000003E, true),
    /** {@code AUDIT_ARCH_AARCH64} = EM_AARCH64 | 64-bit | little-endian. */
    AARCH64("aarch64", 0xC00000B7, false);

    private final String tableName;
    private final int auditArch;
    private final boolean hasX32;

    Architecture(String tableName, int auditArch, boolean hasX32) {
        this.tableName = tableName;
        this.auditArch = auditArch;
        this.hasX32 = hasX32;
    }

    /** The value of {@code seccomp_data.arch} for this architecture's native syscalls. */
    public int auditArch() {
        return auditArch;
    }

    /** The kernel's name for the architecture: {@code x86_64}, {@code aarch64}. */
    public String kernelName() {
        return tableName;
    }

    /**
     * Whether the x32 ABI shares this architecture's {@code AUDIT_ARCH} value. x32 calls carry
     * {@link #X32_SYSCALL_BIT} in the number, and a filter must refuse them: otherwise an x32 number whose
     * low bits match an allowed syscall slips through a rule meant for the 64-bit call.
     */
    public boolean hasX32Abi() {
        return hasX32;
    }

    /** {@code __X32_SYSCALL_BIT}: set in {@code nr} for every x32 system call. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    /** This architecture's syscall table. */
    public SyscallTable syscalls() {
        return SyscallTable.of(this);
    }

    /** The architecture of the running JVM, from {@code os.arch}. */
    public static Architecture current() {
        return fromOsArch(System.getProperty("os.arch", ""));
    }

    static Architecture fromOsArch(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return X86_64;
            case "aarch64":
            case "arm64":
                return AARCH64;
            default:
                throw new SeccompException("seccomp filters are not supported on architecture '" + osArch
                        + "' (supported: x86_64, aarch64)");
        }
    }

    /** Looks an architecture up by its kernel name ({@code x86_64}, {@code aarch64}), case-insensitively. */
    public static Architecture fromKernelName(String name) {
        for (Architecture arch : values()) {
            if (arch.tableName.equalsIgnoreCase(name)) {
                return arch;
            }
        }
        throw new SeccompException("unknown architecture '" + name + "' (supported: x86_64, aarch64)");
    }

    /** The architecture whose {@code AUDIT_ARCH} value this is, or {@code null} for a foreign one. */
    static Architecture fromAuditArch(int auditArch) {
        for (Architecture arch : values()) {
            if (arch.auditArch == auditArch) {
                return arch;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return tableName;
    }
}
