package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LandlockProbeTest {

    @Test
    void theKernelAnswersWithAnAbiOrANamedReason() {
        LandlockSupport landlock = LandlockSupport.probe();

        if (landlock.available()) {
            assertThat(landlock.abi()).isBetween(1, 64);
        } else {
            // Never "cannot call into libc" here: jnr-ffi is on this module's test class path.
            assertThat(landlock.unavailableReason()).containsAnyOf("ENOSYS", "EOPNOTSUPP", "landlock_create_ruleset");
        }
        assertThat(LandlockSupport.probe()).isEqualTo(landlock);
    }
}
