package dev.sandbox4j.core;

/**
 * Names and descriptions of Linux errno values, for messages. Backed by jnr-constants (a dependency of
 * jnr-ffi), so the table is the platform's, not a hand-written copy.
 */
public final class Errno {
    private Errno() {
    }

    /** Symbolic name such as {@code "EPERM"}, or {@code "errno N"} when unknown. */
    public static String name(int errno) {
        jnr.constants.platform.Errno known = lookup(errno);
        return known == null ? "errno " + errno : known.name();
    }

    /** {@code "EPERM (Operation not permitted)"}, or {@code "errno N"} when unknown. */
    public static String describe(int errno) {
        jnr.constants.platform.Errno known = lookup(errno);
        return known == null ? "errno " + errno : known.name() + " (" + known.description() + ")";
    }

    private static jnr.constants.platform.Errno lookup(int errno) {
        if (errno <= 0) {
            return null;
        }
        jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(errno);
        return known == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__ ? null : known;
    }
}
