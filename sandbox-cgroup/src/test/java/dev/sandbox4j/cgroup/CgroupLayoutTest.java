package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupLayoutTest {

    @TempDir
    Path dir;

    @Test
    void pureV2HostReadsControllersFromTheOwnCgroup() {
        FakeTree tree = new FakeTree(dir).unifiedCgroups("/user.slice/user-1000.slice/session-2.scope", "memory pids");

        CgroupLayout layout = CgroupLayout.read(dir);

        assertThat(layout.kind()).isEqualTo(CgroupLayout.Kind.UNIFIED);
        CgroupHierarchy v2 = layout.unified().orElseThrow();
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.mountPoint()).isEqualTo(tree.root().resolve("sys/fs/cgroup"));
        assertThat(v2.ownPath()).isEqualTo("/user.slice/user-1000.slice/session-2.scope");
        assertThat(v2.ownDirectory())
                .isEqualTo(tree.root().resolve("sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope"));
        assertThat(v2.controllers()).containsExactly("memory", "pids");
        assertThat(v2.readOnly()).isFalse();
        assertThat(layout.hierarchyFor("memory")).contains(v2);
        assertThat(layout.hierarchyFor("cpu"))
                .as("not enabled for the own cgroup")
                .isEmpty();
        assertThat(layout.hierarchies()).containsExactly(v2);
    }

    @Test
    void pureV1HostWithCombinedCpuAndCpuacct() {
        new FakeTree(dir).file("proc/self/mountinfo", """
                        25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
                        26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
                        29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
                        30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
                        31 25 0:28 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
                        """).file("proc/self/cgroup", """
                        4:pids:/user.slice/user-1000.slice
                        3:memory:/user.slice
                        2:cpu,cpuacct:/user.slice
                        1:name=systemd:/user.slice/user-1000.slice/session-2.scope
                        """);

        CgroupLayout layout = CgroupLayout.read(dir);

        assertThat(layout.kind()).isEqualTo(CgroupLayout.Kind.LEGACY);
        assertThat(layout.unified()).isEmpty();
        assertThat(layout.hierarchies()).hasSize(4);
        CgroupHierarchy cpu = layout.hierarchyFor("cpu").orElseThrow();
        assertThat(layout.hierarchyFor("cpuacct")).contains(cpu);
        assertThat(cpu.controllers()).containsExactly("cpu", "cpuacct");
        assertThat(cpu.mountPoint()).isEqualTo(dir.resolve("sys/fs/cgroup/cpu,cpuacct"));
        assertThat(cpu.ownDirectory()).isEqualTo(dir.resolve("sys/fs/cgroup/cpu,cpuacct/user.slice"));
        CgroupHierarchy systemd = layout.hierarchyFor("name=systemd").orElseThrow();
        assertThat(systemd.controllers())
                .as("xattr and release_agent are options, not controllers")
                .containsExactly("name=systemd");
        assertThat(systemd.ownPath()).isEqualTo("/user.slice/user-1000.slice/session-2.scope");
        assertThat(layout.hierarchyFor("pids").orElseThrow().ownDirectory())
                .isEqualTo(dir.resolve("sys/fs/cgroup/pids/user.slice/user-1000.slice"));
        assertThat(layout.controllers()).containsExactly("cpu", "cpuacct", "memory", "pids");
    }

    @Test
    void thisMachinesHybridLayout() {
        new FakeTree(dir).hybridCgroups("/process_api/0940eaeff507ca313fb39f8db74e53fd");

        CgroupLayout layout = CgroupLayout.read(dir);

        assertThat(layout.kind()).isEqualTo(CgroupLayout.Kind.HYBRID);
        assertThat(layout.hierarchies()).hasSize(10);
        CgroupHierarchy cpu = layout.hierarchyFor("cpu").orElseThrow();
        CgroupHierarchy cpuacct = layout.hierarchyFor("cpuacct").orElseThrow();
        assertThat(cpu).isNotEqualTo(cpuacct);
        assertThat(cpu.controllers()).containsExactly("cpu");
        assertThat(cpuacct.mountPoint()).isEqualTo(dir.resolve("sys/fs/cgroup/cpuacct"));

        CgroupHierarchy memory = layout.hierarchyFor("memory").orElseThrow();
        assertThat(memory.version()).isEqualTo(1);
        assertThat(memory.ownPath()).isEqualTo("/process_api/0940eaeff507ca313fb39f8db74e53fd");
        assertThat(memory.ownDirectory())
                .isEqualTo(dir.resolve("sys/fs/cgroup/memory/process_api/0940eaeff507ca313fb39f8db74e53fd"));

        CgroupHierarchy unified = layout.unified().orElseThrow();
        assertThat(unified.mountPoint()).isEqualTo(dir.resolve("sys/fs/cgroup/unified"));
        assertThat(unified.controllers()).containsExactly("hugetlb");
        assertThat(unified.ownDirectory()).isEqualTo(unified.mountPoint());
        assertThat(layout.hierarchyFor("hugetlb")).contains(unified);
        assertThat(layout.hierarchyFor("io")).isEmpty();
    }

    @Test
    void cgroupNamespaceRootOutsideTheMountIsUnreachable() {
        // Seen after unshare --cgroup in a child cgroup: pre-existing mounts' roots read "/..".
        new FakeTree(dir)
                .file("proc/self/mountinfo", """
                        34 30 0:31 /../../.. /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                        40 30 0:37 /.. /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                        """)
                .file("proc/self/cgroup", """
                        4:memory:/
                        0::/
                        """)
                .file("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");

        CgroupLayout layout = CgroupLayout.read(dir);

        CgroupHierarchy memory = layout.hierarchyFor("memory").orElseThrow();
        assertThat(memory.ownPath()).isEqualTo("/");
        assertThat(memory.ownDirectory()).isNull();
        assertThat(memory.ownDirectoryReachable()).isFalse();
        assertThat(memory.toString()).contains("not reachable");
        CgroupHierarchy unified = layout.unified().orElseThrow();
        assertThat(unified.ownDirectory()).isNull();
        assertThat(unified.controllers()).as("falls back to the mount root").containsExactly("hugetlb");
    }

    @Test
    void mountRootBelowTheHierarchyRootIsResolvedRelativeToIt() {
        // A container that bind-mounts only its own subtree at /sys/fs/cgroup.
        new FakeTree(dir)
                .file(
                        "proc/self/mountinfo",
                        "50 40 0:30 /kubepods/pod1 /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n")
                .file("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");

        CgroupHierarchy unified = CgroupLayout.read(dir).unified().orElseThrow();

        assertThat(unified.ownDirectory()).isEqualTo(dir.resolve("sys/fs/cgroup/ctr"));
    }

    @Test
    void readOnlyMountIsReportedFromThePerMountOptions() {
        new FakeTree(dir)
                .file("proc/self/mountinfo", """
                        30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
                        """)
                .file("proc/self/cgroup", "0::/\n")
                .file("sys/fs/cgroup/cgroup.controllers", "memory pids\n");

        CgroupHierarchy unified = CgroupLayout.read(dir).unified().orElseThrow();

        assertThat(unified.readOnly()).isTrue();
        assertThat(unified.toString()).contains("read-only");
    }

    @Test
    void escapedMountPointsAreDecoded() {
        new FakeTree(dir)
                .file(
                        "proc/self/mountinfo",
                        "31 30 0:28 / /srv/my\\040cgroups/mem\\134ory rw - cgroup cgroup rw,memory\n")
                .file("proc/self/cgroup", "4:memory:/a\n");

        CgroupHierarchy memory = CgroupLayout.read(dir).hierarchyFor("memory").orElseThrow();

        assertThat(memory.mountPoint()).isEqualTo(dir.resolve("srv/my cgroups/mem\\ory"));
        assertThat(memory.ownDirectory()).isEqualTo(dir.resolve("srv/my cgroups/mem\\ory/a"));
    }

    @Test
    void aHierarchyMountedTwiceIsListedOnceThroughTheReachableMount() {
        new FakeTree(dir).file("proc/self/mountinfo", """
                        31 30 0:28 /other /mnt/elsewhere rw - cgroup cgroup rw,memory
                        32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                        """).file("proc/self/cgroup", "4:memory:/mine\n");

        CgroupLayout layout = CgroupLayout.read(dir);

        assertThat(layout.hierarchies()).hasSize(1);
        assertThat(layout.hierarchyFor("memory").orElseThrow().ownDirectory())
                .isEqualTo(dir.resolve("sys/fs/cgroup/memory/mine"));
    }

    @Test
    void noCgroupMountsMeansNone() {
        new FakeTree(dir)
                .file("proc/self/mountinfo", "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")
                .file("proc/self/cgroup", "0::/\n");

        CgroupLayout layout = CgroupLayout.read(dir);

        assertThat(layout.kind()).isEqualTo(CgroupLayout.Kind.NONE);
        assertThat(layout.hierarchies()).isEmpty();
        assertThat(layout.hierarchyFor("memory")).isEmpty();
        assertThat(CgroupLayout.read(dir.resolve("missing")).kind()).isEqualTo(CgroupLayout.Kind.NONE);
    }

    @Test
    void detectOnThisMachineIsConsistent() {
        CgroupLayout layout = CgroupLayout.detect();

        assertThat(layout.kind() == CgroupLayout.Kind.NONE)
                .isEqualTo(layout.hierarchies().isEmpty());
        for (CgroupHierarchy hierarchy : layout.hierarchies()) {
            assertThat(hierarchy.mountPoint()).isDirectory();
            if (hierarchy.ownDirectory() != null) {
                assertThat(hierarchy.ownDirectory()).isDirectory();
                assertThat(hierarchy.ownDirectory().startsWith(hierarchy.mountPoint()))
                        .isTrue();
                assertThat(hierarchy.ownDirectory().resolve("cgroup.procs")).exists();
            }
            if (hierarchy.version() == 1) {
                for (String controller : hierarchy.controllers()) {
                    assertThat(layout.hierarchyFor(controller)).contains(hierarchy);
                }
            }
        }
        if (layout.kind() == CgroupLayout.Kind.HYBRID || layout.kind() == CgroupLayout.Kind.UNIFIED) {
            assertThat(Files.isDirectory(layout.unified().orElseThrow().mountPoint()))
                    .isTrue();
        }
    }
}
