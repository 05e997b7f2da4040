package dev.sandbox4j.exec;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockSupport;
import dev.sandbox4j.namespace.internal.SubordinateIds;
import java.nio.file.Path;
import java.util.Optional;

/** The machine this JVM runs on; each fact is detected on first use and kept. */
final class LiveHost implements Host {
    static final LiveHost INSTANCE = new LiveHost();

    private volatile SystemCapabilities capabilities;
    private volatile LandlockSupport landlock;

    private LiveHost() {}

    @Override
    public HostIdentity identity() {
        return HostIdentity.current();
    }

    @Override
    public PrivilegeMode resolve(PrivilegeMode requested) {
        return capabilities().resolve(requested).mode();
    }

    @Override
    public boolean seccompUserNotification() {
        return capabilities().seccompUserNotification().available();
    }

    @Override
    public LandlockSupport landlock() {
        LandlockSupport known = landlock;
        if (known == null) {
            known = LandlockSupport.probe();
            landlock = known;
        }
        return known;
    }

    @Override
    public CgroupHost cgroups() {
        return CgroupHost.live(); // a layout per configuration: a JVM moved to another cgroup is seen by the next
    }

    @Override
    public Optional<IdMap.Range> subordinateIds(Path file, String user, long id) {
        return SubordinateIds.firstRange(file, user, id);
    }

    @Override
    public Optional<String> userNetworkUnavailable() {
        return UserNetwork.unavailableReason(); // not kept: a tool installed while the JVM runs is found
    }

    private SystemCapabilities capabilities() {
        SystemCapabilities known = capabilities;
        if (known == null) {
            known = SystemCapabilities.detect();
            capabilities = known;
        }
        return known;
    }
}
