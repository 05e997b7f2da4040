package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every backend shares whatever its cgroup version: its directory in one hierarchy, the controllers
 * driven there, and the limit files as the kernel holds them after they were written.
 */
abstract class DirectoryBackend implements CgroupBackend {
    final CgroupFs fs;
    final CgroupHierarchy hierarchy;
    final Path directory;
    final Set<String> controllers;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private volatile List<CgroupLimit> applied = List.of();

    DirectoryBackend(CgroupFs fs, CgroupHierarchy hierarchy, Path directory, Set<String> controllers) {
        this.fs = fs;
        this.hierarchy = hierarchy;
        this.directory = directory;
        this.controllers = Set.copyOf(controllers);
    }

    @Override
    public final CgroupHierarchy hierarchy() {
        return hierarchy;
    }

    @Override
    public final Path directory() {
        return directory;
    }

    @Override
    public final Set<String> controllers() {
        return controllers;
    }

    /** The limits whose controller is driven through this directory. */
    final List<CgroupLimit> mine(List<CgroupLimit> limits) {
        return limits.stream()
                .filter(l -> controllers.contains(l.controller().name(hierarchy.version())))
                .toList();
    }

    @Override
    public final void checkFiles(List<CgroupLimit> limits) {
        for (CgroupLimit limit : mine(limits)) {
            for (CgroupWrite write : limit.writes(hierarchy.version())) {
                if (!write.onlyIfPresent() && !fs.exists(directory.resolve(write.file()))) {
                    throw new CgroupException("cannot apply " + limit + ": the kernel provides no " + write.file()
                            + " in " + directory + " (a kernel without that feature of the "
                            + limit.controller().name(hierarchy.version()) + " controller); nothing was written");
                }
            }
        }
    }

    @Override
    public final void applyLimits(List<CgroupLimit> limits) {
        List<CgroupLimit> own = mine(limits);
        prepare(own);
        for (CgroupLimit limit : own) {
            for (CgroupWrite write : limit.writes(hierarchy.version())) {
                if (write.onlyIfPresent() && !fs.exists(directory.resolve(write.file()))) {
                    skipped(write);
                    continue;
                }
                try {
                    set(write.file(), write.value());
                } catch (CgroupException e) {
                    throw new CgroupException(
                            e.getMessage()
                                    + explainFailure(write)
                                    + (limit instanceof BuiltinLimits.Fixed ? "" : " (" + limit + ")"),
                            e);
                }
            }
        }
        applied = own;
    }

    /** Whatever the controllers need in a fresh directory before any limit, even without one. */
    void prepare(List<CgroupLimit> limits) {}

    /** An optional write whose file this kernel lacks. */
    void skipped(CgroupWrite write) {}

    /** More about why the kernel refused {@code write}, or "". */
    String explainFailure(CgroupWrite write) {
        return "";
    }

    /** Adds the figures the applied limits ask for. */
    final void collectLimitStats(StatsCollector stats) {
        for (CgroupLimit limit : applied) {
            for (CgroupStatistic statistic : limit.statistics(hierarchy.version())) {
                CgroupFiles.read(fs, directory.resolve(statistic.file()))
                        .ifPresent(content ->
                                statistic.parse(content).ifPresent(value -> stats.extra(statistic.name(), value)));
            }
        }
    }

    /** Writes, then records what the kernel holds (it rounds memory limits down to whole pages). */
    final void set(String file, String value) {
        Path path = directory.resolve(file);
        CgroupFiles.write(fs, path, value);
        // One line: the log line that shows the settings must not be split by a file's newlines (v1's
        // memory.oom_control reads back as three "key value" lines).
        settings.put(
                file,
                CgroupFiles.read(fs, path)
                        .orElseThrow(() -> new CgroupException(path + " disappeared right after it was written"))
                        .strip()
                        .replace("\n", "; "));
    }

    /** {@code pids.max} is 0 to stop forks, on v1 and v2 alike. */
    @Override
    public final boolean blockForks() {
        if (!controllers.contains("pids")) {
            return false;
        }
        CgroupFiles.write(fs, directory.resolve("pids.max"), "0");
        return true;
    }

    @Override
    public final Map<String, String> settings() {
        return Map.copyOf(settings);
    }
}
