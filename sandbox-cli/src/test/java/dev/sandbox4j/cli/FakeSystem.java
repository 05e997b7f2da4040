package dev.sandbox4j.cli;

import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.namespace.LandlockSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fake /proc and cgroupfs tree for {@code check}: a root process on a v2 host, or an unprivileged user. */
final class FakeSystem {
    private FakeSystem() {}

    static SystemCapabilities root(Path dir) {
        return write(dir, 0, "000001fffeffffff", "96364");
    }

    static SystemCapabilities userWithoutUserNamespaces(Path dir) {
        return write(dir, 1000, "0000000000000000", "0");
    }

    private static SystemCapabilities write(Path dir, int uid, String capEff, String maxUserNamespaces) {
        file(
                dir,
                "proc/self/status",
                "Name:\tjava\nUid:\t%d\t%d\t%d\t%d\nCapEff:\t%s\nSeccomp:\t0\n".formatted(uid, uid, uid, uid, capEff));
        file(
                dir,
                "proc/self/mountinfo",
                "35 24 0:30 / /sys/fs/cgroup rw,nosuid,relatime - cgroup2 cgroup2 rw,nsdelegate\n");
        file(dir, "proc/self/cgroup", "0::/sandbox4j.slice\n");
        file(dir, "sys/fs/cgroup/sandbox4j.slice/cgroup.controllers", "memory pids\n");
        file(dir, "proc/sys/user/max_user_namespaces", maxUserNamespaces + "\n");
        file(dir, "proc/sys/kernel/osrelease", "6.1.0-test\n");
        file(
                dir,
                "proc/sys/kernel/seccomp/actions_avail",
                "kill_process kill_thread trap errno user_notif trace log allow\n");
        file(dir, "proc/filesystems", "nodev\tcgroup2\nnodev\toverlay\n");
        return SystemCapabilities.read(dir, LandlockSupport.abi(4));
    }

    private static void file(Path dir, String relative, String content) {
        try {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
