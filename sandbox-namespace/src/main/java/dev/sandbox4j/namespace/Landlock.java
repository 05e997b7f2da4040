package dev.sandbox4j.namespace;

import dev.sandbox4j.core.Errno;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;

/** Asks the running kernel which Landlock ABI it offers. */
final class Landlock {
    /** landlock_create_ruleset(2); the same number on x86_64 and aarch64 (asm-generic numbering). */
    private static final long LANDLOCK_CREATE_RULESET = 444;
    /** landlock_create_ruleset flag: return the ABI version instead of creating a ruleset. */
    private static final int LANDLOCK_CREATE_RULESET_VERSION = 1;

    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    /** The one C function this module calls; glibc has no wrapper for the Landlock calls. */
    @SaveError
    public interface Syscall {
        /** {@code long syscall(long number, ...)}, declared variadic to keep jnr-ffi honest on every ABI. */
        @Variadic(fixedCount = 1)
        long syscall(long number, Pointer arg1, long arg2, int arg3);
    }

    private Landlock() {}

    /** The kernel's answer: the ABI version (≥ 1), or 0 and why not. */
    static LandlockSupport probe() {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            return LandlockSupport.unavailable("syscall numbers unknown for " + arch);
        }
        try {
            Syscall libc = LibraryLoader.create(Syscall.class).failImmediately().load("c");
            long abi = libc.syscall(LANDLOCK_CREATE_RULESET, null, 0L, LANDLOCK_CREATE_RULESET_VERSION);
            if (abi >= 1) {
                return LandlockSupport.abi((int) abi);
            }
            int errno = LastError.getLastError(jnr.ffi.Runtime.getRuntime(libc));
            return LandlockSupport.unavailable(
                    switch (errno) {
                        case ENOSYS -> "not built into this kernel (ENOSYS)";
                        case EOPNOTSUPP -> "disabled at boot (EOPNOTSUPP; add landlock to the lsm= kernel parameter)";
                        default -> "landlock_create_ruleset failed: " + Errno.describe(errno);
                    });
        } catch (LinkageError | RuntimeException e) {
            // Also the answer when jnr-ffi is not on the class path (it is optional for this module).
            return LandlockSupport.unavailable("cannot call into libc: " + e);
        }
    }
}
