package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM that owns sandbox cgroups: its pid namespace, pid and start time, as written into every
 * {@link CgroupName}.
 */
record Owner(long pidNamespace, long pid, long startTime) {

    private static final Pattern NS_LINK = Pattern.compile("pid:\\[(\\d+)]");

    /** This JVM. */
    static Owner current(CgroupFs fs) {
        long pid = ProcessHandle.current().pid();
        long startTime = fs.startTime(pid)
                .orElseThrow(() -> new IllegalStateException(
                        "cannot read /proc/" + pid + "/stat; sandbox4j needs a mounted proc file system"));
        return new Owner(pidNamespaceInode(), pid, startTime);
    }

    private static long pidNamespaceInode() {
        Path link = Path.of("/proc/self/ns/pid");
        try {
            String target = Files.readSymbolicLink(link).toString();
            Matcher matcher = NS_LINK.matcher(target);
            if (!matcher.matches()) {
                throw new IllegalStateException("unexpected " + link + " target: " + target);
            }
            return Long.parseLong(matcher.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + link, e);
        }
    }

    /** Whether {@code name} was created by this owner. */
    boolean owns(CgroupName name) {
        return name.pidNamespace() == pidNamespace && name.ownerPid() == pid && name.ownerStartTime() == startTime;
    }

    String tag() {
        return CgroupName.ownerTag(pidNamespace, pid, startTime);
    }
}
