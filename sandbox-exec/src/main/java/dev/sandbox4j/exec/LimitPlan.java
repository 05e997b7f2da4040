package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupAvailability;
import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.RlimitConfig.Resource;
import dev.sandbox4j.cgroup.RlimitFallback;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.Enforcement.Mechanism;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
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
 * @param whyRlimit for each controller ({@code memory}, {@code pids}) whose limit became an rlimit, why
 */
record LimitPlan(
        CgroupConfig cgroup,
        RlimitConfig rlimits,
        LimitMechanism memory,
        LimitMechanism pids,
        Map<String, String> whyRlimit) {
    private static final Logger LOG = LoggerFactory.getLogger(LimitPlan.class);

    static LimitPlan resolve(
            String sandboxId,
            CgroupConfig limits,
            RlimitConfig explicit,
            PrivilegeMode requested,
            PrivilegeMode mode,
            CgroupHost host) {
        if (mode == PrivilegeMode.UNPRIVILEGED) {
            String why = "unprivileged mode creates no cgroups";
            rejectCpu(limits, why);
            rejectFurther(limits, why);
            return byRlimit(limits, explicit, true, true, false, Map.of("memory", why, "pids", why));
        }
        // Without limits nothing can be unavailable: the run's cgroup then uses whatever hierarchies are usable.
        CgroupAvailability availability = limits.limitsAnything() ? host.availability(limits) : null;
        if (availability == null || availability.available()) {
            return byRlimit(limits, explicit, false, false, true, Map.of());
        }
        if (requested == PrivilegeMode.PRIVILEGED) {
            throw availability.toException();
        }
        Map<String, String> unavailable = availability.unavailable();
        if (unavailable.containsKey("cpu")) {
            rejectCpu(limits, "the cpu cgroup controller cannot be used here: " + unavailable.get("cpu"));
        }
        // Only memory and pids have rlimit stand-ins; any other limit that cannot be held is refused.
        for (Map.Entry<String, String> entry : unavailable.entrySet()) {
            if (!List.of("memory", "pids", "cpu").contains(entry.getKey())) {
                throw availability.toException();
            }
        }
        unavailable.forEach((controller, why) -> LOG.warn(
                "sandbox {}: the {} limit falls back to an rlimit (per process, "
                        + "no tree-wide total; see LimitMechanism.RLIMIT): {}",
                sandboxId,
                controller,
                why));
        return byRlimit(
                limits,
                explicit,
                unavailable.containsKey("memory"),
                unavailable.containsKey("pids"),
                true,
                unavailable);
    }

    /**
     * @param memory    whether the memory limit becomes {@code RLIMIT_DATA} instead of a cgroup limit
     * @param pids      whether the pids limit becomes {@code RLIMIT_NPROC} instead of a cgroup limit
     * @param withCgroup whether runs get a cgroup at all
     */
    private static LimitPlan byRlimit(
            CgroupConfig limits,
            RlimitConfig explicit,
            boolean memory,
            boolean pids,
            boolean withCgroup,
            Map<String, String> whyRlimit) {
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
        return new LimitPlan(
                withCgroup ? kept.build() : null,
                rlimits.build(),
                mechanism(limits.memoryBytes().isPresent(), memory),
                mechanism(limits.maxPids().isPresent(), pids),
                Map.copyOf(whyRlimit));
    }

    /**
     * How each of {@code configured}'s limits is held, for {@link SandboxConfig#enforcement()}: memory, cpu,
     * pids, in that order.
     */
    List<Enforcement> enforcement(CgroupConfig configured, CgroupHost host) {
        List<Enforcement> all = new ArrayList<>();
        OptionalLong memoryBytes = configured.memoryBytes();
        if (memoryBytes.isEmpty()) {
            all.add(none("memory"));
        } else if (memory == LimitMechanism.RLIMIT) {
            all.add(new Enforcement(
                    "memory",
                    Mechanism.RLIMIT,
                    "RLIMIT_DATA = "
                            + Sizes.format(rlimits.limits().get(Resource.DATA).hard())
                            + " per process (no total for the tree, no OOM kill), since " + whyRlimit.get("memory")));
        } else {
            int version = version(host, "memory");
            all.add(new Enforcement(
                    "memory",
                    mechanism(version),
                    (version == 2 ? "memory.max" : "memory.limit_in_bytes")
                            + " = " + Sizes.format(memoryBytes.getAsLong())
                            + " on each run's cgroup: the whole tree, page cache and tmpfs included; the kernel OOM-kills"
                            + " inside when it is reached"));
        }
        if (configured.cpuQuotaUs().isEmpty() && configured.cpuWeight().isEmpty()) {
            all.add(none("cpu"));
        } else {
            // build() refused a cpu limit without a usable cpu controller, so it is a cgroup limit here.
            int version = version(host, "cpu");
            List<String> settings = new ArrayList<>();
            configured
                    .cpuQuotaUs()
                    .ifPresent(quota -> settings.add(
                            version == 2
                                    ? "cpu.max = " + quota + " " + configured.cpuPeriodUs()
                                    : "cpu.cfs_quota_us = " + quota + " per cpu.cfs_period_us = "
                                            + configured.cpuPeriodUs()));
            configured
                    .cpuWeight()
                    .ifPresent(weight -> settings.add(
                            version == 2
                                    ? "cpu.weight = " + weight
                                    : "cpu.shares = " + configured.cpuShares().getAsLong()));
            all.add(new Enforcement(
                    "cpu", mechanism(version), String.join(", ", settings) + " on each run's cgroup: the whole tree"));
        }
        OptionalInt maxPids = configured.maxPids();
        if (maxPids.isEmpty()) {
            all.add(none("pids"));
        } else if (pids == LimitMechanism.RLIMIT) {
            all.add(new Enforcement(
                    "pids",
                    Mechanism.RLIMIT,
                    "RLIMIT_NPROC = "
                            + rlimits.limits().get(Resource.NPROC).hard()
                            + " for the workload's host uid (its every process counts, inside the sandbox or not), since "
                            + whyRlimit.get("pids")));
        } else {
            int version = version(host, "pids");
            all.add(new Enforcement(
                    "pids",
                    mechanism(version),
                    "pids.max = " + maxPids.getAsInt()
                            + " on each run's cgroup: processes and threads of the tree, the sandbox's init included"));
        }
        return List.copyOf(all);
    }

    private static Enforcement none(String limit) {
        return new Enforcement(limit, Mechanism.NONE, "no " + limit + " limit set");
    }

    /** The controller's cgroup version; v2 when the host does not say (the kernel's default layout). */
    private static int version(CgroupHost host, String controller) {
        return host.hierarchyFor(controller).map(CgroupHierarchy::version).orElse(2);
    }

    private static Mechanism mechanism(int cgroupVersion) {
        return cgroupVersion == 1 ? Mechanism.CGROUP_V1 : Mechanism.CGROUP_V2;
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
        limits.cpuQuotaUs()
                .ifPresent(quota -> settings.add(
                        "cpu limit " + percent(limits) + "% (" + quota + "us per " + limits.cpuPeriodUs() + "us)"));
        limits.cpuWeight().ifPresent(weight -> settings.add("cpu weight " + weight));
        if (settings.isEmpty()) {
            return;
        }
        throw new FeatureUnavailableException(
                String.join(" and ", settings),
                why + ", and no rlimit can limit a CPU rate or share (RLIMIT_CPU counts CPU seconds per process)",
                "Run in privileged mode where the cpu cgroup controller is usable, or drop the cpu setting and "
                        + "bound the run with timeout(...) (or RlimitConfig cpuTime for CPU seconds)");
    }

    /** A limit added with {@code cgroupLimit(...)} has no rlimit equivalent: refuse it without a cgroup. */
    private static void rejectFurther(CgroupConfig limits, String why) {
        if (limits.limits().isEmpty()) {
            return;
        }
        throw new FeatureUnavailableException(
                limits.limits().toString(),
                why + ", and these limits exist only as " + "cgroup limits",
                "Run in privileged mode (as root, with writable cgroups), or drop the limit");
    }

    private static String percent(CgroupConfig limits) {
        double percent = limits.cpuPercent().orElseThrow();
        return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
    }
}
