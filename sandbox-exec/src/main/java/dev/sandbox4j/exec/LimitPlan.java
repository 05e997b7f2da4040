package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupAvailability;
import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.RlimitConfig.Resource;
import dev.sandbox4j.cgroup.RlimitFallback;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a sandbox's memory, cpu and pids limits are enforced in the mode it resolved to, decided once at
 * {@code build()} so that a run never finds out late that a limit cannot be held, and never claims one it
 * does not hold.
 *
 * <ul>
 *   <li>Privileged: every run gets its own cgroup, limits or not: it is what reports the memory peak, CPU time
 *       and OOM kills of the whole tree and what kills a tree without a PID namespace (~1 ms per run on the
 *       reference host). A controller a limit needs must be usable; if one is not, an explicit
 *       {@code PRIVILEGED} fails with the cgroup library's reason, while {@code AUTO} moves memory and pids
 *       to their rlimits, as unprivileged mode does.</li>
 *   <li>Unprivileged: no cgroup; memory becomes {@code RLIMIT_DATA} and pids {@code RLIMIT_NPROC} (see
 *       {@link RlimitFallback} for why DATA and not AS, and what neither guarantees).</li>
 *   <li>CPU bandwidth and weight have no rlimit equivalent: without a usable cpu controller they are rejected,
 *       naming the value and what would work.</li>
 * </ul>
 *
 * @param cgroup  the limits each run's cgroup gets; null when runs get no cgroup (unprivileged mode)
 * @param rlimits the rlimits the workload gets: the explicit ones, lowered by any fallback
 * @param memory  how the memory limit is enforced, null without one
 * @param pids    how the pids limit is enforced, null without one
 */
record LimitPlan(CgroupConfig cgroup, RlimitConfig rlimits, LimitMechanism memory, LimitMechanism pids) {
    private static final Logger LOG = LoggerFactory.getLogger(LimitPlan.class);

    static LimitPlan resolve(String sandboxId, CgroupConfig limits, RlimitConfig explicit, PrivilegeMode requested,
            PrivilegeMode mode, CgroupHost host) {
        if (mode == PrivilegeMode.UNPRIVILEGED) {
            rejectCpu(limits, "unprivileged mode creates no cgroups");
            return byRlimit(limits, explicit, true, true, false);
        }
        // Without limits nothing can be unavailable: the run's cgroup then uses whatever hierarchies are usable.
        CgroupAvailability availability = limits.limitsAnything() ? host.availability(limits) : null;
        if (availability == null || availability.available()) {
            return byRlimit(limits, explicit, false, false, true);
        }
        if (requested == PrivilegeMode.PRIVILEGED) {
            throw availability.toException();
        }
        Map<String, String> unavailable = availability.unavailable();
        if (unavailable.containsKey("cpu")) {
            rejectCpu(limits, "the cpu cgroup controller cannot be used here: " + unavailable.get("cpu"));
        }
        unavailable.forEach((controller, why) -> LOG.warn("sandbox {}: the {} limit falls back to an rlimit (per process, "
                + "no tree-wide total; see LimitMechanism.RLIMIT): {}", sandboxId, controller, why));
        return byRlimit(limits, explicit, unavailable.containsKey("memory"), unavailable.containsKey("pids"), true);
    }

    /**
     * @param memory    whether the memory limit becomes {@code RLIMIT_DATA} instead of a cgroup limit
     * @param pids      whether the pids limit becomes {@code RLIMIT_NPROC} instead of a cgroup limit
     * @param withCgroup whether runs get a cgroup at all
     */
    private static LimitPlan byRlimit(CgroupConfig limits, RlimitConfig explicit, boolean memory, boolean pids,
            boolean withCgroup) {
        CgroupConfig.Builder kept = limits.toBuilder();
        CgroupConfig.Builder moved = CgroupConfig.builder();
        if (memory && limits.memoryBytes().isPresent()) {
            kept.noMemoryLimit();
            moved.memoryBytes(limits.memoryBytes().getAsLong());
        }
        if (pids && limits.maxPids().isPresent()) {
            kept.noPidsLimit();
            moved.maxPids(limits.maxPids().getAsInt());
        }
        RlimitFallback fallback = RlimitFallback.of(moved.build());
        RlimitConfig.Builder rlimits = explicit.toBuilder();
        fallback.dataBytes().ifPresent(bytes -> {
            long data = lower(explicit, Resource.DATA, bytes);
            rlimits.limit(Resource.DATA, data, data);
        });
        fallback.processes().ifPresent(count -> rlimits.processes(lower(explicit, Resource.NPROC, count)));
        return new LimitPlan(withCgroup ? kept.build() : null, rlimits.build(),
                mechanism(limits.memoryBytes().isPresent(), memory), mechanism(limits.maxPids().isPresent(), pids));
    }

    private static LimitMechanism mechanism(boolean limited, boolean byRlimit) {
        return !limited ? null : byRlimit ? LimitMechanism.RLIMIT : LimitMechanism.CGROUP;
    }

    /** The smaller of {@code value} and an explicit hard limit: a fallback never raises what the caller set. */
    private static long lower(RlimitConfig explicit, Resource resource, long value) {
        RlimitConfig.Limit existing = explicit.limits().get(resource);
        return existing == null || Long.compareUnsigned(value, existing.hard()) < 0 ? value : existing.hard();
    }

    /** No rlimit limits a CPU rate or share: refuse rather than run with a limit that is not there. */
    private static void rejectCpu(CgroupConfig limits, String why) {
        List<String> settings = new ArrayList<>();
        limits.cpuQuotaUs().ifPresent(quota -> settings.add("cpu limit " + percent(limits) + "% (" + quota
                + "us per " + limits.cpuPeriodUs() + "us)"));
        limits.cpuWeight().ifPresent(weight -> settings.add("cpu weight " + weight));
        if (settings.isEmpty()) {
            return;
        }
        throw new FeatureUnavailableException(String.join(" and ", settings), why
                + ", and no rlimit can limit a CPU rate or share (RLIMIT_CPU counts CPU seconds per process)",
                "Run in privileged mode where the cpu cgroup controller is usable, or drop the cpu setting and "
                + "bound the run with timeout(...) (or RlimitConfig cpuTime for CPU seconds)");
    }

    private static String percent(CgroupConfig limits) {
        double percent = limits.cpuPercent().orElseThrow();
        return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
    }
}
