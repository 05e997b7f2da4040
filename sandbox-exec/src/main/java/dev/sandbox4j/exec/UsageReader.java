package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads a running sandbox's {@link Usage}: from its cgroup where it has one, else from {@code /proc}. */
final class UsageReader {
    /** USER_HZ: the unit of /proc/PID/stat's times, 100 on every Linux architecture sandbox4j runs on. */
    private static final long TICK_NANOS = 10_000_000;

    private static final long PAGE_SIZE = 4096;

    private UsageReader() {}

    static Usage fromCgroup(CgroupStats stats, List<Path> directories) {
        return new Usage(
                firstNumber(directories, "memory.current", "memory.usage_in_bytes"),
                stats.memoryPeakBytes(),
                Duration.ofNanos(stats.cpuTimeUs().orElse(0) * 1000),
                firstNumber(directories, "pids.current"),
                UsageSource.CGROUP);
    }

    /** The launcher's descendants (the sandbox's init and everything under it), as {@code /proc} shows them now. */
    static Usage fromProc(long launcherPid) {
        long rss = 0;
        long ticks = 0;
        long tasks = 0;
        Optional<ProcessHandle> launcher = ProcessHandle.of(launcherPid);
        if (launcher.isPresent()) {
            for (ProcessHandle p : launcher.get().descendants().toList()) {
                Optional<String[]> stat = stat(p.pid());
                if (stat.isEmpty()) {
                    continue; // ended meanwhile
                }
                String[] f = stat.get();
                // Fields after the command's closing parenthesis: f[0] is state (field 3), so field N is f[N - 3].
                ticks += Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
                tasks += Long.parseLong(f[20 - 3]);
                rss += Long.parseLong(f[24 - 3]) * PAGE_SIZE;
            }
        }
        return new Usage(
                OptionalLong.of(rss),
                OptionalLong.empty(),
                Duration.ofNanos(ticks * TICK_NANOS),
                OptionalLong.of(tasks),
                UsageSource.PROC);
    }

    private static Optional<String[]> stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = s.lastIndexOf(')'); // the command may hold spaces and parentheses itself
            return close < 0
                    ? Optional.empty()
                    : Optional.of(s.substring(close + 2).trim().split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static OptionalLong firstNumber(List<Path> directories, String... names) {
        for (String name : names) {
            for (Path dir : directories) {
                try {
                    return OptionalLong.of(
                            Long.parseLong(Files.readString(dir.resolve(name)).trim()));
                } catch (IOException | NumberFormatException e) {
                    // not this hierarchy's file
                }
            }
        }
        return OptionalLong.empty();
    }
}
