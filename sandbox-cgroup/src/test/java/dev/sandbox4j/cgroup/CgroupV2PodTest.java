package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod on pure cgroup v2 with a cgroup namespace and its cgroup delegated (writable), against the fake cgroupfs:
 * the JVM is a member of the namespace's root, which the no-internal-process rule then keeps from enabling
 * controllers for sandboxes, until sandbox4j moves the JVM into a leaf of its own.
 */
class CgroupV2PodTest {

    private static final CgroupConfig LIMITS =
            CgroupConfig.builder().memory("64M").cpuPercent(20).maxPids(32).build();

    @TempDir
    Path dir;

    @Test
    void calibrationTheRootOfANamespaceWithTheJvmInItCannotEnableMemory() throws IOException {
        FakeHost host = new FakeHost(dir).podNamespace("cpu memory pids");
        Path mount = host.path("/sys/fs/cgroup");

        assertThatThrownBy(() -> host.fs.write(mount.resolve("cgroup.subtree_control"), "+memory"))
                .hasMessageContaining("Device or resource busy");
    }

    @Test
    void theJvmMovesIntoALeafAndTheSandboxGoesBesideItWithEveryLimit() throws IOException {
        FakeHost host = new FakeHost(dir).podNamespace("cpu memory pids");
        Path mount = host.path("/sys/fs/cgroup");
        Path leaf = mount.resolve(JvmLeaf.NAME);
        assertThat(host.availability(LIMITS).available()).isTrue();
        assertThat(host.fs.operations()).as("asking writes nothing").isEmpty();

        try (SandboxCgroup cgroup = host.create("pod-1", LIMITS)) {
            Path sandbox = mount.resolve(cgroup.name());
            assertThat(host.fs.operations())
                    .containsSubsequence(
                            "mkdir " + leaf,
                            "write " + leaf.resolve("cgroup.procs") + " " + FakeHost.SELF.pid(),
                            "write " + mount.resolve("cgroup.subtree_control") + " +cpu",
                            "write " + mount.resolve("cgroup.subtree_control") + " +memory",
                            "write " + mount.resolve("cgroup.subtree_control") + " +pids",
                            "mkdir " + sandbox,
                            "write " + sandbox.resolve("memory.max") + " 67108864",
                            "write " + sandbox.resolve("cpu.max") + " 20000 100000",
                            "write " + sandbox.resolve("pids.max") + " 32");
            assertThat(Files.readString(leaf.resolve("cgroup.procs")).strip()).isEqualTo("4242");
            assertThat(Files.readString(mount.resolve("cgroup.procs")).strip())
                    .as("the root has no members")
                    .isEmpty();
            assertThat(cgroup.settings())
                    .containsEntry("memory.max", "67108864")
                    .containsEntry("pids.max", "32");
        }
    }

    @Test
    void theMoveEnablesEveryLimitsControllerSoLaterRunsNeitherMoveNorEnable() throws IOException {
        FakeHost host = new FakeHost(dir).podNamespace("cpu io memory pids");
        Path mount = host.path("/sys/fs/cgroup");
        host.create("first", CgroupConfig.builder().memory("64M").build()).close();
        assertThat(Files.readString(mount.resolve("cgroup.subtree_control")).strip())
                .isEqualTo("cpu memory pids");
        // As the kernel now shows it: the JVM's cgroup is the leaf, which offers what the root enables.
        host.file("proc/self/cgroup", "0::/" + JvmLeaf.NAME + "\n");
        int before = host.fs.operations().size();

        try (SandboxCgroup cgroup = host.create("second", LIMITS)) {
            assertThat(cgroup.directories()).containsExactly(mount.resolve(cgroup.name()));
            assertThat(host.fs.operations().subList(before, host.fs.operations().size()))
                    .noneMatch(op -> op.contains("cgroup.procs") || op.contains("cgroup.subtree_control"));
            assertThat(cgroup.settings())
                    .containsEntry("cpu.max", "20000 100000")
                    .containsEntry("pids.max", "32");
        }
    }

    @Test
    void anotherProcessInTheRootIsNamedWhenTheKernelStillRefuses() {
        FakeHost host = new FakeHost(dir).podNamespace("memory pids");
        Path mount = host.path("/sys/fs/cgroup");
        host.fs.join(mount, 999);

        assertThatThrownBy(() -> host.create(
                        "crowded", CgroupConfig.builder().memory("64M").build()))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cannot enable the memory controller")
                .hasMessageContaining("pids 999")
                .hasMessageContaining("the JVM as the container's only process");
    }

    @Test
    void aReadOnlyNamespaceRootIsLeftAloneAndReportedUnavailable() {
        FakeHost host = new FakeHost(dir).podNamespace("memory pids");
        host.file("proc/self/mountinfo", """
                26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
                30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
                """);

        assertThat(host.availability(CgroupConfig.builder().memory("64M").build())
                        .unavailable())
                .containsKey("memory")
                .extractingByKey("memory")
                .asString()
                .contains("read-only");
        assertThat(host.fs.operations()).isEmpty();
    }
}
