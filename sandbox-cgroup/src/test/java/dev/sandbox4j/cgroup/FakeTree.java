package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Writes a fake file-system tree (a /proc, a cgroupfs) beneath a temporary directory. */
final class FakeTree {
    private final Path root;

    FakeTree(Path root) {
        this.root = root;
    }

    /** A copy of the test resource tree {@code systems/<name>} in {@code dir}, ready to be varied. */
    static FakeTree copyOfSystem(String name, Path dir) {
        try {
            Path source = Path.of(FakeTree.class.getResource("/systems/" + name).toURI());
            try (Stream<Path> paths = Files.walk(source)) {
                for (Path path : (Iterable<Path>) paths::iterator) {
                    Path target = dir.resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return new FakeTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the Uid and CapEff lines of proc/self/status. */
    FakeTree identity(int uid, String capEff) {
        Path status = root.resolve("proc/self/status");
        try {
            String content = Files.readString(status)
                    .replaceAll("(?m)^Uid:.*$", "Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid)
                    .replaceAll("(?m)^Cap(Eff|Prm):.*$", "Cap$1:\t" + capEff);
            Files.writeString(status, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    FakeTree delete(String relativePath) {
        try {
            Files.delete(root.resolve(relativePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Path root() {
        return root;
    }

    FakeTree file(String relativePath, String content) {
        Path file = root.resolve(relativePath);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    FakeTree directory(String relativePath) {
        try {
            Files.createDirectories(root.resolve(relativePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** This machine's hybrid cgroup layout: v1 cpu and cpuacct mounted separately, cgroup2 with hugetlb only. */
    FakeTree hybridCgroups(String memoryPath) {
        return file("proc/self/mountinfo", """
                26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
                30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
                33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
                34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
                36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
                37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
                38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
                39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
                40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """)
                .file("proc/self/cgroup", """
                        9:name=systemd:/
                        8:pids:/
                        7:blkio:/
                        6:freezer:/
                        5:devices:/
                        4:memory:%s
                        3:cpuset:/
                        2:cpuacct:/
                        1:cpu:/
                        0::/
                        """.formatted(memoryPath))
                .file("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n")
                .directory("sys/fs/cgroup/memory" + memoryPath)
                .directory("sys/fs/cgroup/pids");
    }

    /** A pure cgroup v2 host (systemd default), own cgroup {@code path} with the given controllers. */
    FakeTree unifiedCgroups(String path, String controllers) {
        return file("proc/self/mountinfo", """
                26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
                30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
                """)
                .file("proc/self/cgroup", "0::" + path + "\n")
                .file("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
                .file("sys/fs/cgroup" + path + "/cgroup.controllers", controllers + "\n");
    }
}
