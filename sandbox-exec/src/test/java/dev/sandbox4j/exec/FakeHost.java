package dev.sandbox4j.exec;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockSupport;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** A host described in full: nothing is read from this machine. */
record FakeHost(
        HostIdentity identity,
        UnaryOperator<PrivilegeMode> resolver,
        CgroupHost cgroups,
        LandlockSupport landlock,
        boolean seccompUserNotification,
        Map<Path, IdMap.Range> subordinate,
        Optional<String> userNetworkUnavailable)
        implements Host {

    /**
     * Root with every capability and cgroup, Landlock ABI 6, user notification, user-mode networking, no subordinate
     * ids.
     */
    static FakeHost root() {
        return new FakeHost(
                SandboxBuilderTest.ROOT,
                SandboxBuilderTest.PRIVILEGED_HOST,
                FakeCgroupHost.ALL_AVAILABLE,
                LandlockSupport.abi(6),
                true,
                Map.of(),
                Optional.empty());
    }

    FakeHost withLandlock(LandlockSupport support) {
        return new FakeHost(
                identity, resolver, cgroups, support, seccompUserNotification, subordinate, userNetworkUnavailable);
    }

    FakeHost withoutUserNotification() {
        return new FakeHost(identity, resolver, cgroups, landlock, false, subordinate, userNetworkUnavailable);
    }

    FakeHost withSubordinateIds(Map<Path, IdMap.Range> ranges) {
        return new FakeHost(
                identity, resolver, cgroups, landlock, seccompUserNotification, ranges, userNetworkUnavailable);
    }

    FakeHost withoutUserNetwork(String why) {
        return new FakeHost(
                identity, resolver, cgroups, landlock, seccompUserNotification, subordinate, Optional.of(why));
    }

    FakeHost withCgroups(CgroupHost host) {
        return new FakeHost(
                identity, resolver, host, landlock, seccompUserNotification, subordinate, userNetworkUnavailable);
    }

    @Override
    public PrivilegeMode resolve(PrivilegeMode requested) {
        return resolver.apply(requested);
    }

    @Override
    public Optional<IdMap.Range> subordinateIds(Path file, String user, long id) {
        return Optional.ofNullable(subordinate.get(file));
    }
}
