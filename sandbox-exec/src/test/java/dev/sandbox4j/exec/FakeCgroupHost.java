package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupAvailability;
import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.SandboxCgroups;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A host whose cgroup controllers are usable except the ones given, each with its reason. Creates nothing. */
final class FakeCgroupHost implements CgroupHost {
    static final FakeCgroupHost ALL_AVAILABLE = new FakeCgroupHost(Map.of());

    private final Map<String, String> unusable;
    final List<CgroupConfig> asked = new ArrayList<>();

    FakeCgroupHost(Map<String, String> unusable) {
        this.unusable = Map.copyOf(unusable);
    }

    @Override
    public CgroupAvailability availability(CgroupConfig limits) {
        asked.add(limits);
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (String controller : limits.requiredControllers()) {
            if (unusable.containsKey(controller)) {
                unavailable.put(controller, unusable.get(controller));
            }
        }
        return new CgroupAvailability(unavailable, List.of());
    }

    /** A unified hierarchy holding every usable controller. */
    @Override
    public Optional<CgroupHierarchy> hierarchyFor(String controller) {
        return unusable.containsKey(controller)
                ? Optional.empty()
                : Optional.of(new CgroupHierarchy(
                        2,
                        Path.of("/sys/fs/cgroup"),
                        Set.of("cpu", "memory", "pids"),
                        "/app",
                        Path.of("/sys/fs/cgroup/app"),
                        false));
    }

    @Override
    public SandboxCgroups.Reservation reserve(String sandboxId, CgroupConfig limits) {
        throw new UnsupportedOperationException("unit tests create no cgroups");
    }
}
