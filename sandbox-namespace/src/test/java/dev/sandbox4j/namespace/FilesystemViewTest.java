package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.internal.CgroupMount;
import dev.sandbox4j.namespace.internal.MountPlan;
import dev.sandbox4j.namespace.internal.MountPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemViewTest {
    private static List<String> ops(FilesystemView view) {
        return MountPlanner.plan(view, true).operations().stream()
                .map(MountPlan.Operation::toString)
                .toList();
    }

    private static List<String> ops(FilesystemView view, List<CgroupMount> cgroups) {
        return MountPlanner.plan(view, true, cgroups, List.of(), FilesystemView.DEFAULT_TMPFS_SIZE)
                .operations()
                .stream()
                .map(MountPlan.Operation::toString)
                .toList();
    }

    @Test
    void theSandboxsCgroupsAreMountedReadOnlyAtSysFsCgroupBeforeTheRootIsSealed() {
        List<String> ops = ops(
                FilesystemView.builder().build(),
                List.of(
                        new CgroupMount("memory", 1, "memory"),
                        new CgroupMount("cpu,cpuacct", 1, "cpu,cpuacct"),
                        new CgroupMount("unified", 2, "")));
        assertThat(ops.subList(ops.indexOf("root /newroot") + 1, ops.size()))
                .containsExactly(
                        "directory /sys mode=0755",
                        "directory /sys/fs mode=0755",
                        "directory /sys/fs/cgroup mode=0755",
                        "filesystem tmpfs cgroup -> /sys/fs/cgroup attrs=0xe [size=64k,nr_inodes=64,mode=0755]",
                        "directory /sys/fs/cgroup/memory mode=0555",
                        "filesystem cgroup cgroup -> /sys/fs/cgroup/memory attrs=0xf [memory]",
                        "directory /sys/fs/cgroup/cpu,cpuacct mode=0555",
                        "filesystem cgroup cgroup -> /sys/fs/cgroup/cpu,cpuacct attrs=0xf [cpu,cpuacct]",
                        "directory /sys/fs/cgroup/unified mode=0555",
                        "filesystem cgroup2 cgroup -> /sys/fs/cgroup/unified attrs=0xf",
                        "set_attributes /sys/fs/cgroup attrs=0x1",
                        "set_attributes / attrs=0x1",
                        "pivot /newroot");
        // pure v2: the unified hierarchy is /sys/fs/cgroup itself
        assertThat(ops(FilesystemView.builder().build(), List.of(new CgroupMount("", 2, ""))))
                .contains("filesystem cgroup2 cgroup -> /sys/fs/cgroup attrs=0xf")
                .noneMatch(op -> op.startsWith("filesystem tmpfs cgroup"));
    }

    @Test
    void noCgroupsWhereTheViewHasAMountOfItsOwnThereOrAnExistingRoot(@TempDir Path dir) {
        List<CgroupMount> memory = List.of(new CgroupMount("memory", 1, "memory"));
        assertThat(ops(FilesystemView.builder().tmpfs(Path.of("/sys")).build(), memory))
                .noneMatch(op -> op.contains("cgroup"));
        assertThat(ops(FilesystemView.root(dir).build(), memory)).noneMatch(op -> op.contains("cgroup"));
        assertThat(ops(FilesystemView.builder().build(), List.of())).noneMatch(op -> op.contains("cgroup"));
        assertThatThrownBy(() -> new CgroupMount("../x", 1, "memory")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CgroupMount("", 1, "memory")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNewRootIsStagedBuiltMadeReadOnlyAndPivotedInto(@TempDir Path dir) throws Exception {
        Path real = dir.toRealPath();
        List<String> ops = ops(FilesystemView.builder()
                .roBind(dir, Path.of("/data/in"))
                .tmpfs(Path.of("/tmp"), "1M")
                .build());
        assertThat(ops)
                .containsExactly(
                        "filesystem tmpfs sandbox4j -> /tmp attrs=0x6 [size=268435456,nr_inodes=32768,mode=0700]",
                        "directory /tmp/newroot mode=0755",
                        "directory /tmp/oldroot mode=0700",
                        "pivot /tmp/oldroot -> /tmp",
                        "filesystem tmpfs sandbox4j-root -> /newroot attrs=0x6 [size=268435456,nr_inodes=32768,mode=0755]",
                        "root /newroot",
                        "directory /data mode=0755",
                        "directory /data/in mode=0755",
                        "bind " + real + " -> /data/in attrs=0x7 [/oldroot" + real + "]",
                        "directory /tmp mode=0755",
                        "filesystem tmpfs tmpfs -> /tmp attrs=0x6 [size=1048576,nr_inodes=1024,mode=0755]",
                        "set_attributes / attrs=0x1",
                        "pivot /newroot");
    }

    @Test
    void anExistingRootIsBoundNosuidNodevAndReadOnlyUnlessWritable(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("proc"));
        assertThat(ops(FilesystemView.root(dir).proc(Path.of("/proc")).build()))
                .contains("bind " + dir.toRealPath() + " -> /newroot attrs=0x7 [/oldroot" + dir.toRealPath() + "]")
                .contains("filesystem proc proc -> /proc attrs=0xe")
                .doesNotContain("set_attributes / attrs=0x1");
        assertThat(ops(FilesystemView.root(dir).writableRoot(true).build()))
                .contains("bind " + dir.toRealPath() + " -> /newroot attrs=0x6 [/oldroot" + dir.toRealPath() + "]");
    }

    @Test
    void aReadOnlyRootNeedsItsOwnMountPointsButNotThoseInsideItsMounts(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        FilesystemView.root(dir)
                .tmpfs(Path.of("/tmp"))
                .dir(Path.of("/tmp/a"))
                .tmpfs(Path.of("/tmp/a/b"))
                .build();
        assertThatThrownBy(() -> FilesystemView.root(dir).dir(Path.of("/new")).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/new");
        FilesystemView.root(dir).writableRoot(true).dir(Path.of("/new")).build();
    }

    @Test
    void aDiscardedOverlayUpperLivesInTheStagingTmpfsAndUserNamespacesUseUserXattrs(@TempDir Path dir)
            throws Exception {
        Path real = dir.toRealPath();
        FilesystemView view =
                FilesystemView.builder().overlay(dir, Path.of("/work")).build();
        assertThat(ops(view))
                .contains(
                        "directory /tmp/overlay/0/upper mode=0755",
                        "filesystem overlay overlay -> /work attrs=0x6 [lowerdir=/oldroot" + real
                                + ",upperdir=/overlay/0/upper,workdir=/overlay/0/work,userxattr]");
        assertThat(MountPlanner.plan(view, false).operations().stream().map(MountPlan.Operation::data))
                .noneMatch(d -> d.contains("userxattr"));
    }

    @Test
    void everyTmpfsIsSizedWithAnInodeLimitFromTheMemoryLimitOrTheDefault() {
        FilesystemView view = FilesystemView.defaults()
                .tmpfs(Path.of("/scratch"))
                .tmpfs(Path.of("/small"), "2M")
                .build();
        List<String> tmpfs = MountPlanner.plan(
                        view,
                        true,
                        List.of(),
                        List.of(),
                        MountPlanner.defaultTmpfsSize(java.util.OptionalLong.of(64L << 20)))
                .operations()
                .stream()
                .filter(op -> op.fstype().equals("tmpfs"))
                .map(MountPlan.Operation::data)
                .toList();
        assertThat(tmpfs)
                .hasSize(7) // staging, root, /proc's neighbours: /dev, /dev/shm, /tmp, /scratch, /small
                .allSatisfy(data -> assertThat(data).containsPattern("^size=\\w+,nr_inodes=\\d+,mode="));
        assertThat(tmpfs)
                .filteredOn(d -> d.startsWith("size=33554432,nr_inodes=4096,"))
                .hasSize(5);
        assertThat(tmpfs).contains("size=2097152,nr_inodes=1024,mode=0755", "size=64k,nr_inodes=64,mode=0755");
        assertThat(MountPlanner.defaultTmpfsSize(java.util.OptionalLong.empty()))
                .isEqualTo(256L << 20);
    }

    @Test
    void aTmpfsSizeOfZeroIsRefusedNotUnlimited() {
        assertThatThrownBy(
                        () -> FilesystemView.builder().tmpfs(Path.of("/t"), "0").build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("tmpfs size for /t")
                .hasMessageContaining("'0'")
                .hasMessageContaining("unlimited");
        assertThatThrownBy(() ->
                        FilesystemView.builder().tmpfs(Path.of("/t"), "0K").build())
                .isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void devicesAreBoundWithoutNodevInsideANodevTmpfs() {
        List<String> ops = ops(FilesystemView.builder().dev(Path.of("/dev")).build());
        assertThat(ops)
                .contains(
                        "filesystem tmpfs tmpfs -> /dev attrs=0xe [size=64k,nr_inodes=64,mode=0755]",
                        "bind /dev/null -> /dev/null attrs=0xa [/oldroot/dev/null]",
                        "symlink /proc/self/fd -> /dev/fd",
                        "filesystem devpts devpts -> /dev/pts attrs=0xa [newinstance,ptmxmode=0666,mode=620]",
                        "set_attributes /dev attrs=0x1");
    }

    @Test
    void badInputIsRefusedAtBuildNamingThePath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> FilesystemView.builder()
                        .bind(dir.resolve("nope"), Path.of("/x"))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(dir.resolve("nope").toString());
        assertThatThrownBy(
                        () -> FilesystemView.builder().bind(dir, Path.of("x")).build())
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> FilesystemView.builder()
                        .bind(dir, Path.of("/a/../../etc"))
                        .build())
                .hasMessageContaining("'..'");
        assertThatThrownBy(() ->
                        FilesystemView.builder().overlay(file, Path.of("/o")).build())
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() -> FilesystemView.builder()
                        .tmpfs(Path.of("/t"), "12 parsecs")
                        .build())
                .hasMessageContaining("12 parsecs");
        assertThatThrownBy(() -> FilesystemView.builder().tmpfs(Path.of("/")).build())
                .hasMessageContaining("root");
        assertThatThrownBy(() -> FilesystemView.builder()
                        .tmpfs(Path.of("/t"))
                        .dir(Path.of("/t"))
                        .build())
                .hasMessageContaining("twice");
        Path comma = Files.createDirectories(dir.resolve("a,b"));
        assertThatThrownBy(() ->
                        FilesystemView.builder().overlay(comma, Path.of("/o")).build())
                .hasMessageContaining("','");
        // Nothing is checked before build(): declaring is free of side effects.
        FilesystemView.builder().bind(dir.resolve("nope"), Path.of("relative"));
    }

    @Test
    void programsAreLookedUpThroughTheViewsMountsAndSymlinks(@TempDir Path dir) throws Exception {
        Path usrBin = Files.createDirectories(dir.resolve("usr/bin"));
        Path sh = Files.writeString(usrBin.resolve("sh"), "#!");
        Files.createSymbolicLink(dir.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(usrBin.resolve("abs"), Path.of("/usr/bin/sh"));
        FilesystemView root = FilesystemView.root(dir).writableRoot(true).build();
        assertThat(root.hostPath(Path.of("/bin/sh"))).contains(dir.resolve("usr/bin/sh"));
        assertThat(root.hostPath(Path.of("/usr/bin/abs"))).contains(dir.resolve("usr/bin/sh"));
        assertThat(root.hostPath(Path.of("/bin/missing"))).isEmpty();
        FilesystemView assembled = FilesystemView.builder()
                .roBind(usrBin, Path.of("/usr/bin"))
                .symlink(Path.of("/bin"), "usr/bin")
                .tmpfs(Path.of("/tmp"))
                .build();
        assertThat(assembled.hostPath(Path.of("/bin/sh"))).contains(sh);
        assertThat(assembled.hostPath(Path.of("/tmp/sh"))).isEmpty();
        assertThat(assembled.hostPath(Path.of("/etc/passwd"))).isEqualTo(Optional.empty());
    }

    @Test
    void theDefaultViewMirrorsTheHostsSystemDirectories() {
        FilesystemView view = FilesystemView.defaults().build();
        assertThat(view.existingRoot()).isEmpty();
        assertThat(view.writableRoot()).isFalse();
        assertThat(view.hasProc()).isTrue();
        assertThat(view.mounts())
                .contains(
                        new Mount.Bind(Path.of("/usr"), Path.of("/usr"), false),
                        new Mount.Tmpfs(Path.of("/tmp"), 0, 01777),
                        new Mount.Dev(Path.of("/dev")));
        assertThat(view.hostPath(Path.of("/bin/sh"))).isPresent();
        assertThat(view.toBuilder().build()).isEqualTo(view);
    }
}
