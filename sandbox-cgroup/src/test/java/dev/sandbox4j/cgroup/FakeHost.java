package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fake host for unit tests: /proc/self/mountinfo and /proc/self/cgroup beneath a temporary root, read by
 * the real {@link CgroupLayout#read}, and a {@link FakeCgroupFs} for the cgroup trees.
 */
final class FakeHost {
    /** The test JVM as the owner of the sandbox cgroups it creates. */
    static final Owner SELF = new Owner(4026531836L, 4242, 777_000);

    final Path root;
    final FakeCgroupFs fs = new FakeCgroupFs();

    FakeHost(Path root) {
        this.root = root;
        fs.process(SELF.pid(), SELF.startTime());
    }

    Path path(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /**
     * A pure cgroup v2 host (systemd's default) with the JVM in {@code ownPath}, every ancestor enabling
     * {@code controllers} for its children, the own cgroup enabling {@code ownSubtree} and holding the JVM.
     */
    FakeHost unified(String ownPath, String controllers, String ownSubtree) {
        Path mount = path("/sys/fs/cgroup");
        fs.mountV2(mount, controllers);
        Path cgroup = mount;
        for (String part : ownPath.substring(1).split("/")) {
            if (part.isEmpty()) {
                break;
            }
            fs.put(cgroup.resolve("cgroup.subtree_control"), controllers + "\n");
            cgroup = cgroup.resolve(part);
            fs.existing(cgroup);
        }
        fs.put(cgroup.resolve("cgroup.subtree_control"), ownSubtree + "\n");
        if (!ownPath.equals("/")) {
            fs.join(cgroup, SELF.pid());
        }
        return file("proc/self/mountinfo", """
                26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
                30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
                """).file("proc/self/cgroup", "0::" + ownPath + "\n");
    }

    /**
     * A pod (or container) on pure cgroup v2 with a cgroup namespace and its cgroup delegated: the JVM sees its
     * cgroup as "/", writable, offering {@code controllers}, none enabled for children, and is a member of it.
     * Unlike the real root, the namespace's root has a cgroup.type and obeys the no-internal-process rule.
     */
    FakeHost podNamespace(String controllers) {
        unified("/", controllers, "");
        Path mount = path("/sys/fs/cgroup");
        fs.put(mount.resolve("cgroup.type"), "domain\n");
        fs.join(mount, SELF.pid());
        return this;
    }

    /**
     * The reference host's hybrid layout: v1 cpu and cpuacct mounted separately, memory own cgroup
     * {@code memoryPath}, all others "/", cgroup2 at /sys/fs/cgroup/unified offering hugetlb only.
     */
    FakeHost hybrid(String memoryPath) {
        for (String controller : new String[] {"cpu", "cpuacct", "memory", "freezer", "pids"}) {
            fs.mountV1(path("/sys/fs/cgroup/" + controller), controller);
        }
        Path memory = path("/sys/fs/cgroup/memory");
        for (String part : memoryPath.substring(1).split("/")) {
            memory = memory.resolve(part);
            fs.existing(memory);
        }
        fs.join(memory, SELF.pid());
        fs.mountV2(path("/sys/fs/cgroup/unified"), "hugetlb");
        return file("proc/self/mountinfo", """
                30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
                34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
                38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
                39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
                40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """).file("proc/self/cgroup", """
                9:name=systemd:/
                8:pids:/
                6:freezer:/
                4:memory:%s
                2:cpuacct:/
                1:cpu:/
                0::/
                """.formatted(memoryPath));
    }

    /**
     * A cgroup v1 host with one hierarchy per argument, each a comma-separated controller list mounted at
     * /sys/fs/cgroup/&lt;that list&gt;, the JVM in every root.
     */
    FakeHost legacy(String... hierarchies) {
        StringBuilder mountinfo = new StringBuilder("30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n");
        StringBuilder cgroups = new StringBuilder();
        int id = hierarchies.length;
        for (String controllers : hierarchies) {
            fs.mountV1(path("/sys/fs/cgroup/" + controllers), controllers.split(","));
            mountinfo
                    .append(31 + id)
                    .append(" 30 0:")
                    .append(28 + id)
                    .append(" / /sys/fs/cgroup/")
                    .append(controllers)
                    .append(" rw,relatime - cgroup cgroup rw,")
                    .append(controllers)
                    .append('\n');
            cgroups.append(id--).append(':').append(controllers).append(":/\n");
        }
        return file("proc/self/mountinfo", mountinfo.toString()).file("proc/self/cgroup", cgroups.toString());
    }

    FakeHost file(String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    CgroupLayout layout() {
        return CgroupLayout.read(root);
    }

    /** The value of -Dsandbox4j.cgroup.v2.parent on this fake host; null = not set. */
    String v2Parent;

    FakeHost v2Parent(String cgroupPath) {
        this.v2Parent = cgroupPath;
        return this;
    }

    SandboxCgroup create(String id, CgroupConfig config) {
        return SandboxCgroups.create(id, config, layout(), fs, SELF, v2Parent);
    }

    SandboxCgroups.Reservation reserve(String id, CgroupConfig config) {
        return SandboxCgroups.reserve(id, config, layout(), fs, SELF, v2Parent);
    }

    CgroupAvailability availability(CgroupConfig config) {
        return SandboxCgroups.availability(config, layout(), fs, v2Parent);
    }
}
