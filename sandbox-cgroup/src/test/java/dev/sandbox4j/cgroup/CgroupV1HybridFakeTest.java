package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v1 and hybrid logic on a fake tree laid out like the reference host: write order, failure paths and the
 * kill sequences that the real-kernel tests ({@link CgroupLiveTest}) cannot provoke on demand.
 */
class CgroupV1HybridFakeTest {

    private static final String MEMORY_PATH = "/process_api/abc";

    @TempDir
    Path dir;

    @Test
    void onTheReferenceLayoutEveryControllerGetsItsOwnDirectoryPlusTheUnifiedTree() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        CgroupConfig limits =
                CgroupConfig.builder().memory("64M").cpuPercent(20).maxPids(32).build();

        // Required controllers first, then the optional ones, then the unified tree for tracking.
        assertThat(host.availability(limits).directories())
                .containsExactly(
                        "v1 memory beneath " + host.path("/sys/fs/cgroup/memory" + MEMORY_PATH),
                        "v1 cpu beneath " + host.path("/sys/fs/cgroup/cpu"),
                        "v1 pids beneath " + host.path("/sys/fs/cgroup/pids"),
                        "v1 cpuacct beneath " + host.path("/sys/fs/cgroup/cpuacct"),
                        "v1 freezer beneath " + host.path("/sys/fs/cgroup/freezer"),
                        "v2 (tracking only) beneath " + host.path("/sys/fs/cgroup/unified"));
        try (SandboxCgroup cgroup = host.create("hybrid", limits)) {
            String name = cgroup.name();
            assertThat(cgroup.procsFiles())
                    .as("unified first, then one per v1 hierarchy")
                    .containsExactly(
                            host.path("/sys/fs/cgroup/unified/" + name + "/cgroup.procs"),
                            host.path("/sys/fs/cgroup/memory" + MEMORY_PATH + "/" + name + "/cgroup.procs"),
                            host.path("/sys/fs/cgroup/cpu/" + name + "/cgroup.procs"),
                            host.path("/sys/fs/cgroup/pids/" + name + "/cgroup.procs"),
                            host.path("/sys/fs/cgroup/cpuacct/" + name + "/cgroup.procs"),
                            host.path("/sys/fs/cgroup/freezer/" + name + "/cgroup.procs"));
            Path memory = host.path("/sys/fs/cgroup/memory" + MEMORY_PATH + "/" + name);
            Path cpu = host.path("/sys/fs/cgroup/cpu/" + name);
            assertThat(host.fs.operations())
                    .containsSubsequence(
                            // every directory first, so every file is checked before the first value is written
                            "mkdir " + memory,
                            "mkdir " + cpu,
                            // oom_kill_disable is inherited: reset before any limit can trigger an OOM
                            "write " + memory.resolve("memory.oom_control") + " 0",
                            // lowering from unlimited: the limit first, then memsw (limit <= memsw at every step)
                            "write " + memory.resolve("memory.limit_in_bytes") + " 67108864",
                            "write " + memory.resolve("memory.memsw.limit_in_bytes") + " 67108864",
                            // the period first: the quota is checked against it
                            "write " + cpu.resolve("cpu.cfs_period_us") + " 100000",
                            "write " + cpu.resolve("cpu.cfs_quota_us") + " 20000");
            assertThat(cgroup.settings())
                    .containsEntry("memory.limit_in_bytes", "67108864")
                    .containsEntry("memory.memsw.limit_in_bytes", "67108864")
                    .containsEntry("cpu.cfs_quota_us", "20000")
                    .containsEntry("pids.max", "32");
        }
        assertThat(CgroupV2Test.sandboxDirectories(host.path("/sys/fs/cgroup/memory" + MEMORY_PATH)))
                .isEmpty();
        assertThat(CgroupV2Test.sandboxDirectories(host.path("/sys/fs/cgroup/unified")))
                .isEmpty();
    }

    @Test
    void aReservationNamesTheProcsFilesAndCreatesNothingUntilAskedTo() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        SandboxCgroups.Reservation reserved = host.reserve(
                "later", CgroupConfig.builder().memory("64M").maxPids(32).build());
        List<Path> procs = reserved.procsFiles();
        assertThat(procs)
                .isNotEmpty()
                .allSatisfy(p -> assertThat(host.fs.exists(p.getParent())).isFalse());
        try (SandboxCgroup cgroup = reserved.create()) {
            assertThat(cgroup.procsFiles()).isEqualTo(procs);
            assertThat(procs)
                    .allSatisfy(p -> assertThat(host.fs.exists(p.getParent())).isTrue());
            assertThat(cgroup.settings())
                    .containsEntry("memory.limit_in_bytes", "67108864")
                    .containsEntry("pids.max", "32");
        }
    }

    @Test
    void swapIsMemsworMinusMemory() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        try (SandboxCgroup cgroup = host.create(
                "swap",
                CgroupConfig.builder().memory("64M").swapBytes(32L << 20).build())) {
            assertThat(cgroup.settings())
                    .containsEntry("memory.limit_in_bytes", "67108864")
                    .containsEntry("memory.memsw.limit_in_bytes", Long.toString(96L << 20));
        }
    }

    @Test
    void statsOnV1UseMaxUsageOomControlCpuacctAndPidsPeak() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        SandboxCgroup cgroup =
                host.create("stats", CgroupConfig.builder().memory("64M").build());
        String name = cgroup.name();
        host.fs
                .put(
                        host.path("/sys/fs/cgroup/memory" + MEMORY_PATH + "/" + name + "/memory.max_usage_in_bytes"),
                        "67108864\n")
                .put(
                        host.path("/sys/fs/cgroup/memory" + MEMORY_PATH + "/" + name + "/memory.oom_control"),
                        "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
                .put(host.path("/sys/fs/cgroup/cpuacct/" + name + "/cpuacct.usage"), "606861645\n")
                .put(host.path("/sys/fs/cgroup/unified/" + name + "/cpu.stat"), "usage_usec 999\n")
                .put(host.path("/sys/fs/cgroup/pids/" + name + "/pids.peak"), "7\n");

        CgroupStats stats = cgroup.stats();

        assertThat(stats.memoryPeakBytes()).hasValue(67_108_864);
        assertThat(stats.oomKilled()).isTrue();
        assertThat(stats.cpuTimeUs())
                .as("cpuacct, the controller's own hierarchy, wins")
                .hasValue(606_861);
        assertThat(stats.pidsPeak()).hasValue(7);
        cgroup.close();
    }

    @Test
    void withoutCgroupKillTheFreezerFreezesKillsAndAlwaysThaws() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        SandboxCgroup cgroup = host.create("freeze", CgroupConfig.NONE);
        String name = cgroup.name();
        Path freezer = host.path("/sys/fs/cgroup/freezer/" + name);
        host.fs.delete(host.path("/sys/fs/cgroup/unified/" + name + "/cgroup.kill"));
        for (Path procs : cgroup.procsFiles()) {
            host.fs.join(procs.getParent(), 501).join(procs.getParent(), 502);
        }

        cgroup.killAll();

        assertThat(host.fs.operations())
                .containsSubsequence(
                        "write " + freezer.resolve("freezer.state") + " FROZEN",
                        "kill 501",
                        "kill 502",
                        "write " + freezer.resolve("freezer.state") + " THAWED");
        assertThat(host.fs.operations()).as("no pid-by-pid fallback needed").noneMatch(op -> op.endsWith("pids.max 0"));
        assertThat(host.fs.content(freezer.resolve("freezer.state")).strip()).isEqualTo("THAWED");
        assertThat(cgroup.isPopulated()).isFalse();
        cgroup.close();
    }

    @Test
    void closeReapedRemovesEveryDirectoryWithoutLookingForTasks() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        SandboxCgroup cgroup = host.create("reaped", CgroupConfig.NONE);
        String name = cgroup.name();
        host.fs.put(host.path("/sys/fs/cgroup/pids/" + name + "/pids.peak"), "3\n");

        cgroup.closeReaped();

        assertThat(host.fs.operations())
                .as("no kill-all")
                .noneMatch(op -> op.startsWith("kill ") || op.contains("freezer.state") || op.contains("cgroup.kill"));
        for (Path procs : cgroup.procsFiles()) {
            assertThat(procs.getParent()).doesNotExist();
        }
        assertThat(cgroup.stats().pidsPeak())
                .as("the figures taken before removal")
                .hasValue(3);
    }

    @Test
    void closeReapedStillKillsATaskThatKeepsACgroupBusy() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        SandboxCgroup cgroup = host.create("straggler", CgroupConfig.NONE);
        for (Path procs : cgroup.procsFiles()) {
            host.fs.join(procs.getParent(), 601);
        }

        cgroup.closeReaped();

        assertThat(host.fs.operations()).contains("kill 601");
        for (Path procs : cgroup.procsFiles()) {
            assertThat(procs.getParent()).doesNotExist();
        }
    }

    @Test
    void aFailureHalfwayRemovesEveryDirectoryAlreadyCreated() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        host.fs.failWrites("pids.max", "Invalid argument");

        assertThatThrownBy(() -> host.create(
                        "half", CgroupConfig.builder().memory("64M").maxPids(32).build()))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("pids.max: Invalid argument");

        for (String hierarchy : List.of("cpu", "cpuacct", "memory" + MEMORY_PATH, "freezer", "pids", "unified")) {
            assertThat(CgroupV2Test.sandboxDirectories(host.path("/sys/fs/cgroup/" + hierarchy)))
                    .as(hierarchy)
                    .isEmpty();
        }
        List<String> made = host.fs.operations().stream()
                .filter(op -> op.startsWith("mkdir "))
                .map(op -> "rmdir " + op.substring("mkdir ".length()))
                .toList();
        assertThat(made)
                .as("every hierarchy's directory is made before the first limit is written")
                .hasSize(5);
        assertThat(host.fs.operations()).containsAll(made);
    }

    @Test
    void aQuotaAboveTheParentsIsExplained() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        host.fs
                .put(host.path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), "50000\n")
                .failWrites("cpu.cfs_quota_us", "Invalid argument");

        assertThatThrownBy(() -> host.create(
                        "quota", CgroupConfig.builder().cpuPercent(80).build()))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cpu.cfs_quota_us: Invalid argument")
                .hasMessageContaining("cgroup v1 refuses a CPU limit above the parent's")
                .hasMessageContaining("allows 50000us per 100000us");
    }

    @Test
    void staleCgroupsOfDeadOwnersAreKilledAndRemovedOthersAreLeftAlone() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        Path pids = host.path("/sys/fs/cgroup/pids");
        long ns = FakeHost.SELF.pidNamespace();
        host.fs.process(7001, 55).process(7002, 66);
        Path deadOwner = pids.resolve("sandbox4j-old-" + ns + "-6000-10-1"); // pid 6000 does not exist
        Path reusedPid = pids.resolve("sandbox4j-old-" + ns + "-7001-54-2"); // 7001 started at 55, not 54
        Path liveOwner = pids.resolve("sandbox4j-live-" + ns + "-7001-55-3");
        Path otherNamespace = pids.resolve("sandbox4j-x-1234-6000-10-1");
        Path foreign = pids.resolve("libpod_parent");
        for (Path cgroup : List.of(deadOwner, reusedPid, liveOwner, otherNamespace, foreign)) {
            host.fs.existing(cgroup);
        }
        host.fs.join(deadOwner, 7002).put(deadOwner.resolve("pids.max"), "5\n");
        host.fs.existing(deadOwner.resolve("nested"));

        host.create("fresh", CgroupConfig.NONE).close();

        assertThat(deadOwner).doesNotExist();
        assertThat(reusedPid).doesNotExist();
        assertThat(host.fs.startTime(7002)).as("orphaned workload killed").isEmpty();
        assertThat(host.fs.operations()).contains("write " + deadOwner.resolve("pids.max") + " 0");
        assertThat(liveOwner).isDirectory();
        assertThat(otherNamespace).isDirectory();
        assertThat(foreign).isDirectory();
        assertThat(host.fs.operations())
                .noneMatch(
                        op -> op.contains("libpod_parent") || op.contains("-1234-") || op.contains("sandbox4j-live-"));
    }

    @Test
    void aFreezerLeftFrozenByADeadOwnerIsThawedSoItsTasksCanDie() {
        FakeHost host = new FakeHost(dir).hybrid(MEMORY_PATH);
        Path stale =
                host.path("/sys/fs/cgroup/freezer/sandbox4j-crashed-" + FakeHost.SELF.pidNamespace() + "-6000-10-9");
        host.fs.existing(stale).join(stale, 8001).put(stale.resolve("freezer.state"), "FROZEN\n");

        host.create("fresh", CgroupConfig.NONE).close();

        assertThat(stale).doesNotExist();
        assertThat(host.fs.startTime(8001)).isEmpty();
        assertThat(host.fs.operations())
                .containsSubsequence(
                        "kill 8001", "write " + stale.resolve("freezer.state") + " THAWED", "rmdir " + stale);
    }
}
