package dev.sandbox4j.namespace;

/**
 * What the kernel offers of Landlock.
 *
 * @param abi                the Landlock ABI version (1 = Linux 5.13 … 7 = 6.15), 0 when unavailable
 * @param unavailableReason  why Landlock cannot be used, {@code null} when it can
 */
public record LandlockSupport(int abi, String unavailableReason) {

    public LandlockSupport {
        if (abi < 0) {
            throw new IllegalArgumentException("Landlock ABI cannot be negative: " + abi);
        }
        if ((abi == 0) == (unavailableReason == null)) {
            throw new IllegalArgumentException("give a reason exactly when the ABI is 0");
        }
    }

    public static LandlockSupport abi(int abi) {
        if (abi < 1) {
            throw new IllegalArgumentException("Landlock ABI versions start at 1, not " + abi);
        }
        return new LandlockSupport(abi, null);
    }

    public static LandlockSupport unavailable(String reason) {
        return new LandlockSupport(0, reason);
    }

    /** The running kernel's answer to landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION). */
    public static LandlockSupport probe() {
        return Landlock.probe();
    }

    public boolean available() {
        return abi > 0;
    }

    @Override
    public String toString() {
        return available() ? "ABI " + abi : "unavailable: " + unavailableReason;
    }
}
