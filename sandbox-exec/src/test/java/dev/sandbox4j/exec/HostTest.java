package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.LandlockSupport;
import dev.sandbox4j.namespace.internal.SubordinateIds;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What build() decides from the host alone, with the host described rather than detected. */
class HostTest {

    @Test
    void rootWithADelegatedRangeMapsTheSandboxIntoIt() {
        FakeHost host = FakeHost.root()
                .withSubordinateIds(Map.of(
                        SubordinateIds.SUBUID, IdMap.range(0, 100_000, 65_536),
                        SubordinateIds.SUBGID, IdMap.range(0, 200_000, 65_536)));

        SandboxConfig c = SandboxConfig.builder().build(host);

        assertThat(c.uidMap()).hasValue(IdMap.of(IdMap.range(0, 100_000, 65_536)));
        assertThat(c.gidMap()).hasValue(IdMap.of(IdMap.range(0, 200_000, 65_536)));
    }

    @Test
    void rootWithoutARangeRunsAsTheOverflowId() {
        SandboxConfig c = SandboxConfig.builder().build(FakeHost.root());

        assertThat(c.uidMap()).hasValue(IdMap.single(0, SandboxConfig.OVERFLOW_ID));
    }

    @Test
    void requiredLandlockRulesOnAHostWithoutLandlockAreRefusedWithTheHostsReason() {
        FakeHost host = FakeHost.root().withLandlock(LandlockSupport.unavailable("disabled at boot (EOPNOTSUPP)"));
        SandboxBuilder b = SandboxConfig.builder()
                .landlock(LandlockRules.builder()
                        .readOnly(Path.of("/usr"))
                        .bestEffort(false)
                        .build());

        assertThatThrownBy(() -> b.build(host))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("disabled at boot (EOPNOTSUPP)");
    }

    @Test
    void landlockRulesFollowTheHostsAbi() {
        SandboxBuilder b = SandboxConfig.builder()
                .landlock(LandlockRules.builder()
                        .readOnly(Path.of("/usr"))
                        .bestEffort(false)
                        .build());

        long abi1 = b.build(FakeHost.root().withLandlock(LandlockSupport.abi(1)))
                .effectiveLandlock()
                .orElseThrow()
                .handledAccess();
        long abi6 = b.build(FakeHost.root()).effectiveLandlock().orElseThrow().handledAccess();

        // ABI 2 added REFER, 3 TRUNCATE, 5 IOCTL_DEV: a newer kernel handles strictly more rights.
        assertThat(abi6 & abi1).isEqualTo(abi1);
        assertThat(abi6).isNotEqualTo(abi1);
    }

    @Test
    void aUserModeNetworkOnAHostWithoutItIsRefusedWithTheHostsReason() {
        FakeHost host = FakeHost.root().withoutUserNetwork("slirp4netns is not installed");
        SandboxBuilder b = SandboxConfig.builder().network(Network.user());

        assertThatThrownBy(() -> b.build(host))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("user-mode networking")
                .hasMessageContaining("slirp4netns is not installed")
                .hasMessageContaining("Network.none()");
        assertThat(b.build(FakeHost.root()).network().mode()).isEqualTo(Network.Mode.USER);
    }

    @Test
    void withoutUserNotificationARefusedCallIsNotNamed() {
        SandboxBuilder b = SandboxConfig.builder().seccomp(SeccompProfile.MINIMAL);

        assertThat(b.build(FakeHost.root()).seccompSupervised()).isTrue();
        assertThat(b.build(FakeHost.root().withoutUserNotification()).seccompSupervised())
                .isFalse();
    }
}
