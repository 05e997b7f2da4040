package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The one place a {@link CgroupLimit} is checked, before any cgroup exists. */
final class LimitCheck {
    private static final String FILE = "[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)+";
    private static final String STATISTIC = "[A-Za-z0-9_]+([.:-][A-Za-z0-9_]+)*";

    private LimitCheck() {}

    /** One limit on its own: names, values, at least one version. */
    static void check(CgroupLimit limit) {
        CgroupController controller = limit.controller();
        if (controller == null) {
            throw invalid(limit, "names no controller");
        }
        boolean any = false;
        for (int version = 1; version <= 2; version++) {
            List<CgroupWrite> writes = limit.writes(version);
            List<CgroupStatistic> statistics = limit.statistics(version);
            if (writes == null || statistics == null) {
                throw invalid(limit, "returns null for cgroup v" + version + "; return an empty list instead");
            }
            String prefix = controller.name(version) + ".";
            for (CgroupWrite write : writes) {
                checkFile(limit, version, prefix, write.file());
                String value = write.value();
                if (value.isBlank() || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0 || value.length() > 4096) {
                    throw invalid(
                            limit,
                            "value '" + value + "' for " + write.file() + " on cgroup v" + version
                                    + " is not one line of text (each write is parsed on its own)");
                }
            }
            for (CgroupStatistic statistic : statistics) {
                checkFile(limit, version, prefix, statistic.file());
                if (!statistic.name().matches(STATISTIC) || statistic.name().length() > 128) {
                    throw invalid(
                            limit,
                            "statistic name '" + statistic.name()
                                    + "' must be words of A-Z a-z 0-9 _ joined by . : or -");
                }
            }
            any |= !writes.isEmpty();
        }
        if (!any) {
            throw invalid(limit, "writes nothing on either cgroup version");
        }
    }

    private static void checkFile(CgroupLimit limit, int version, String prefix, String file) {
        if (!file.matches(FILE) || !file.startsWith(prefix)) {
            throw invalid(
                    limit,
                    "file '" + file + "' on cgroup v" + version + " is not a control file of the "
                            + prefix.substring(0, prefix.length() - 1) + " controller (a plain name starting with '"
                            + prefix + "'); a limit touches only its own controller's files");
        }
    }

    /** All limits of one config: no file written twice, no statistic name meaning two things. */
    static void checkTogether(List<CgroupLimit> limits) {
        for (int version = 1; version <= 2; version++) {
            Map<String, CgroupLimit> writers = new HashMap<>();
            Map<String, CgroupStatistic> statistics = new HashMap<>();
            for (CgroupLimit limit : limits) {
                for (CgroupWrite write : limit.writes(version)) {
                    CgroupLimit other = writers.putIfAbsent(write.file(), limit);
                    if (other != null && other != limit) {
                        throw invalid(
                                limit,
                                "writes " + write.file() + " on cgroup v" + version + ", as " + other
                                        + " does; one file has one owner (combine them into one limit)");
                    }
                }
                for (CgroupStatistic statistic : limit.statistics(version)) {
                    CgroupStatistic other = statistics.putIfAbsent(statistic.name(), statistic);
                    if (other != null && !other.toString().equals(statistic.toString())) {
                        throw invalid(
                                limit,
                                "reports '" + statistic.name() + "' from " + statistic
                                        + ", but another limit reports that name from " + other);
                    }
                }
            }
        }
    }

    private static InvalidConfigException invalid(CgroupLimit limit, String problem) {
        return new InvalidConfigException("cgroup limit", String.valueOf(limit), problem);
    }
}
