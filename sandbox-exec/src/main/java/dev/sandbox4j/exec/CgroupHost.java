package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupAvailability;
import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.cgroup.SandboxCgroups;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * This host's cgroups as a privileged {@link SandboxConfig} uses them: whether its limits can be placed
 * ({@code build()}), and each run's cgroup ({@code run()}/{@code start()}). A seam, so unit tests can decide
 * availability without touching the host.
 */
interface CgroupHost {

    CgroupAvailability availability(CgroupConfig limits);

    /** The cgroups of one run, named but not created yet (the launch plan names them before they exist). */
    SandboxCgroups.Reservation reserve(String sandboxId, CgroupConfig limits);

    /**
     * The v1 hierarchies that hold any of {@code controllers}: a runtime in the sandbox looks for them (the
     * JVM finds its limits only when cpuset, cpu, cpuacct and memory are all mounted), also where the run has
     * no cgroup of its own.
     */
    default List<CgroupHierarchy> v1Hierarchies(Set<String> controllers) {
        return List.of();
    }

    /** The hierarchy whose cgroups hold {@code controller}'s limits, or empty when none can (or it is not known). */
    default Optional<CgroupHierarchy> hierarchyFor(String controller) {
        return Optional.empty();
    }

    /**
     * The running host. The layout (mountinfo and /proc/self/cgroup) is read once, on first use, and kept for the
     * configuration's life: reading it costs 0.1 to 0.6 ms, half of what creating and removing a run's cgroups
     * costs. Mounts do not move under a running application; if the JVM is moved to another cgroup, its sandboxes
     * stay beneath the old one, which works as long as it exists.
     */
    static CgroupHost live() {
        return new CgroupHost() {
            private volatile CgroupLayout layout;

            private CgroupLayout layout() {
                CgroupLayout read = layout;
                if (read == null) {
                    read = CgroupLayout.detect();
                    layout = read;
                }
                return read;
            }

            @Override
            public CgroupAvailability availability(CgroupConfig limits) {
                return SandboxCgroups.availability(limits, layout());
            }

            @Override
            public List<CgroupHierarchy> v1Hierarchies(Set<String> controllers) {
                return layout().hierarchies().stream()
                        .filter(h -> h.version() == 1 && controllers.stream().anyMatch(h::hasController))
                        .toList();
            }

            @Override
            public Optional<CgroupHierarchy> hierarchyFor(String controller) {
                return layout().hierarchyFor(controller);
            }

            @Override
            public SandboxCgroups.Reservation reserve(String sandboxId, CgroupConfig limits) {
                return SandboxCgroups.reserve(sandboxId, limits, layout());
            }
        };
    }
}
