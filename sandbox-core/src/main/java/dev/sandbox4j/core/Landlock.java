package dev.sandbox4j.core;

import jnr.ffi.Pointer;

/** Asks the running kernel which Landlock ABI it offers. */
final class Landlock {
    /** landlock_create_ruleset flag: return the ABI version instead of creating a ruleset. */
    private static final int LANDLOCK_CREATE_RULESET_VERSION = 1;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    private Landlock() {
    }

    /** The kernel's answer: the ABI version (≥ 1), or 0 and why not. */
    static LandlockSupport probe() {
        if (!LibC.syscallNumbersKnown()) {
            return LandlockSupport.unavailable("syscall numbers unknown for " + System.getProperty("os.arch"));
        }
        try {
            long abi = LibC.libc().syscall(LibC.Syscall.LANDLOCK_CREATE_RULESET, (Pointer) null, 0L,
                    LANDLOCK_CREATE_RULESET_VERSION);
            if (abi >= 1) {
                return LandlockSupport.abi((int) abi);
            }
            int errno = LibC.errno();
            return LandlockSupport.unavailable(switch (errno) {
                case ENOSYS -> "not built into this kernel (ENOSYS)";
                case EOPNOTSUPP -> "disabled at boot (EOPNOTSUPP; add landlock to the lsm= kernel parameter)";
                default -> "landlock_create_ruleset failed: " + Errno.describe(errno);
            });
        } catch (LinkageError | RuntimeException e) {
            return LandlockSupport.unavailable("cannot call into libc: " + e);
        }
    }
}
