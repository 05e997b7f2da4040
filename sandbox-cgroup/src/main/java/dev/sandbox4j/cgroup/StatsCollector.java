package dev.sandbox4j.cgroup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/** Gathers the figures of one sandbox from the backends that hold them; the first source to report wins. */
final class StatsCollector {
    private OptionalLong memoryPeakBytes = OptionalLong.empty();
    private OptionalLong cpuTimeUs = OptionalLong.empty();
    private OptionalLong pidsPeak = OptionalLong.empty();
    private OptionalLong oomKills = OptionalLong.empty();
    private final Map<String, Long> extra = new LinkedHashMap<>();

    void memoryPeakBytes(long bytes) {
        if (memoryPeakBytes.isEmpty()) {
            memoryPeakBytes = OptionalLong.of(bytes);
        }
    }

    void cpuTimeUs(long micros) {
        if (cpuTimeUs.isEmpty()) {
            cpuTimeUs = OptionalLong.of(micros);
        }
    }

    void pidsPeak(long tasks) {
        if (pidsPeak.isEmpty()) {
            pidsPeak = OptionalLong.of(tasks);
        }
    }

    void oomKills(long kills) {
        if (oomKills.isEmpty()) {
            oomKills = OptionalLong.of(kills);
        }
    }

    void extra(String name, long value) {
        extra.putIfAbsent(name, value);
    }

    boolean hasCpuTime() {
        return cpuTimeUs.isPresent();
    }

    CgroupStats build() {
        return new CgroupStats(memoryPeakBytes, cpuTimeUs, pidsPeak, oomKills, extra);
    }
}
