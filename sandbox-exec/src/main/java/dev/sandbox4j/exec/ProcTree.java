package dev.sandbox4j.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;

/**
 * A live process tree as the host's {@code /proc} shows it: a sandbox's init and everything below it. Read-only
 * and best effort, since processes come and go while it is read: a process that vanished is simply not counted.
 */
final class ProcTree {
    private static final Path PROC = Path.of("/proc");
    /** USER_HZ, the unit of /proc/PID/stat's times: 100 on every architecture Linux builds for x86_64 and arm64. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcTree() {}

    /** {@code root} and its descendants (host pids), parents before children. */
    static List<Long> of(long root) {
        List<Long> all = new ArrayList<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            long pid = todo.removeFirst();
            if (!Files.isDirectory(PROC.resolve(Long.toString(pid)))) {
                continue;
            }
            all.add(pid);
            todo.addAll(children(pid));
        }
        return all;
    }

    /** The children of every thread of {@code pid}. */
    static List<Long> children(long pid) {
        List<Long> children = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    for (String c :
                            Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!c.isEmpty()) {
                            children.add(Long.parseLong(c));
                        }
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException gone) {
            // the process ended meanwhile
        }
        return children;
    }

    /** User plus system CPU time of the process's live threads, in microseconds; empty if it is gone. */
    static OptionalLong cpuMicros(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(pid + "/stat"));
            // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
            return OptionalLong.of(ticks * 1_000_000 / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** The resident set of the process in bytes ({@code VmRSS}); empty if it is gone or a kernel thread. */
    static OptionalLong rssBytes(long pid) {
        return statusField(pid, "VmRSS:")
                .map(v -> v.split("\\s+")[0])
                .map(kib -> OptionalLong.of(Long.parseLong(kib) * 1024))
                .orElse(OptionalLong.empty());
    }

    /**
     * The process's pid in the innermost PID namespace it belongs to (the last {@code NSpid} entry); the host pid
     * on kernels without that line.
     */
    static OptionalLong innermostPid(long pid) {
        return statusField(pid, "NSpid:")
                .map(v -> {
                    String[] ids = v.trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(ids[ids.length - 1]));
                })
                .orElse(
                        Files.isDirectory(PROC.resolve(Long.toString(pid)))
                                ? OptionalLong.of(pid)
                                : OptionalLong.empty());
    }

    private static java.util.Optional<String> statusField(long pid, String name) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/status"))) {
                if (line.startsWith(name)) {
                    return java.util.Optional.of(line.substring(name.length()).trim());
                }
            }
        } catch (IOException | RuntimeException gone) {
            // ended meanwhile
        }
        return java.util.Optional.empty();
    }
}
