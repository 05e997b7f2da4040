package dev.sandbox4j.exec.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitySetTest {

    @Test
    void bitNumbersFollowLinuxCapabilityH() {
        assertThat(Capability.CAP_CHOWN.number()).isZero();
        assertThat(Capability.CAP_SYS_ADMIN.number()).isEqualTo(21);
        assertThat(Capability.CAP_SYS_RESOURCE.number()).isEqualTo(24);
        assertThat(Capability.CAP_CHECKPOINT_RESTORE.number()).isEqualTo(40);
        for (Capability capability : Capability.values()) {
            assertThat(Capability.ofNumber(capability.number())).contains(capability);
        }
        assertThat(Capability.ofNumber(41)).isEmpty();
        assertThat(Capability.ofNumber(-1)).isEmpty();
    }

    @Test
    void parsesTheStatusFileHexForm() {
        CapabilitySet set = CapabilitySet.parseHex("000001fffeffffff");

        assertThat(set.known()).hasSize(40).doesNotContain(Capability.CAP_SYS_RESOURCE);
        assertThat(set.unknownBits()).isEmpty();
        assertThat(set.mask()).isEqualTo(0x1fffeffffffL);
        assertThat(set).isEqualTo(CapabilitySet.ofMask(0x1fffeffffffL));
    }

    @Test
    void keepsEveryBitEvenTheSixtyFourth() {
        CapabilitySet set = CapabilitySet.parseHex("ffffffffffffffff");

        assertThat(set.known()).hasSize(41);
        assertThat(set.unknownBits()).hasSize(23).startsWith(41).endsWith(63);
    }

    @Test
    void missingListsWhatIsLackingInBitOrder() {
        CapabilitySet set = CapabilitySet.of(List.of(Capability.CAP_SETUID, Capability.CAP_KILL));

        assertThat(set.missing(EnumSet.of(Capability.CAP_SYS_ADMIN, Capability.CAP_KILL, Capability.CAP_SETGID)))
                .containsExactly(Capability.CAP_SETGID, Capability.CAP_SYS_ADMIN);
        assertThat(set.containsAll(List.of(Capability.CAP_KILL, Capability.CAP_SETUID)))
                .isTrue();
    }

    @Test
    void describesSmallSetsByNameAndLargeSetsByWhatIsMissing() {
        assertThat(CapabilitySet.ofMask(0).describe()).isEqualTo("none");
        assertThat(CapabilitySet.of(List.of(Capability.CAP_NET_BIND_SERVICE)).describe())
                .isEqualTo("CAP_NET_BIND_SERVICE");
        assertThat(CapabilitySet.parseHex("000001ffffffffff").describe()).isEqualTo("all 41 known");
        assertThat(CapabilitySet.ofMask(1L << 45).describe()).isEqualTo("cap_45");
        assertThat(CapabilitySet.ofMask(1L << 45).toString()).isEqualTo("0000200000000000 (cap_45)");
    }
}
