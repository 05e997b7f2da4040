package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.CgroupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cgroup v2 backend against a fake cgroupfs (the reference host has no v2 controllers to test on). */
class CgroupV2Test {

    private static final CgroupConfig LIMITS = CgroupConfig.builder()
            .memory("64M")
            .cpuPercent(20)
            .cpuWeight(50)
            .maxPids(32)
            .build();

    @TempDir
    Path dir;

    @Test
    void atTheRootControllersAreEnabledAndEveryLimitIsWrittenBeforeCreateReturns() {
        FakeHost host = new FakeHost(dir).unified("/", "cpuset cpu io memory hugetlb pids", "");
        Path mount = host.path("/sys/fs/cgroup");

        SandboxCgroup cgroup = host.create("job-1", LIMITS);

        Path sandbox = mount.resolve(cgroup.name());
        assertThat(cgroup.name()).startsWith("sandbox4j-job-1-4026531836-4242-777000-");
        assertThat(cgroup.directories()).containsExactly(sandbox);
        assertThat(cgroup.procsFiles()).containsExactly(sandbox.resolve("cgroup.procs"));
        assertThat(host.fs.operations())
                .containsSubsequence(
                        "write " + mount.resolve("cgroup.subtree_control") + " +cpu",
                        "write " + mount.resolve("cgroup.subtree_control") + " +memory",
                        "write " + mount.resolve("cgroup.subtree_control") + " +pids",
                        "mkdir " + sandbox,
                        "write " + sandbox.resolve("memory.max") + " 67108864",
                        "write " + sandbox.resolve("memory.swap.max") + " 0",
                        "write " + sandbox.resolve("cpu.max") + " 20000 100000",
                        "write " + sandbox.resolve("cpu.weight") + " 50",
                        "write " + sandbox.resolve("pids.max") + " 32");
        assertThat(cgroup.settings())
                .containsEntry("memory.max", "67108864")
                .containsEntry("memory.swap.max", "0")
                .containsEntry("cpu.max", "20000 100000")
                .containsEntry("cpu.weight", "50")
                .containsEntry("pids.max", "32");
        cgroup.close();
        assertThat(sandbox).doesNotExist();
    }

    @Test
    void theKernelsPageRoundingIsWhatIsReported() {
        FakeHost host = new FakeHost(dir).unified("/", "memory", "memory");

        try (SandboxCgroup cgroup = host.create(
                "round", CgroupConfig.builder().memoryBytes((8L << 20) + 100).build())) {
            assertThat(cgroup.settings()).containsEntry("memory.max", Long.toString(8L << 20));
            assertThat(host.fs.operations())
                    .as("memory already enabled: nothing to enable")
                    .noneMatch(op -> op.contains("cgroup.subtree_control"));
        }
    }

    @Test
    void statsComeFromTheDocumentedFiles() {
        FakeHost host = new FakeHost(dir).unified("/", "cpu memory pids", "");
        SandboxCgroup cgroup = host.create("stats", LIMITS);
        Path sandbox = cgroup.directories().get(0);
        host.fs
                .put(sandbox.resolve("memory.peak"), "31457280\n")
                .put(sandbox.resolve("memory.current"), "1000\n")
                .put(sandbox.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
                .put(
                        sandbox.resolve("cpu.stat"),
                        "usage_usec 601234\nuser_usec 600000\nsystem_usec 1234\n"
                                + "nr_periods 30\nnr_throttled 29\nthrottled_usec 2400000\n")
                .put(sandbox.resolve("pids.peak"), "32\n");

        CgroupStats stats = cgroup.stats();

        assertThat(stats.memoryPeakBytes()).hasValue(31_457_280);
        assertThat(stats.cpuTimeUs()).hasValue(601_234);
        assertThat(stats.pidsPeak()).hasValue(32);
        assertThat(stats.oomKills()).hasValue(1);
        assertThat(stats.oomKilled()).isTrue();

        cgroup.close();
        assertThat(cgroup.stats()).as("kept from before the removal").isEqualTo(stats);
    }

    @Test
    void withoutMemoryPeakTheHighestSampledCurrentIsReported() {
        FakeHost host = new FakeHost(dir).unified("/", "memory", "memory");
        try (SandboxCgroup cgroup =
                host.create("old-kernel", CgroupConfig.builder().memory("64M").build())) {
            Path sandbox = cgroup.directories().get(0);
            host.fs.delete(sandbox.resolve("memory.peak")).put(sandbox.resolve("memory.current"), "5000000\n");
            assertThat(cgroup.stats().memoryPeakBytes()).hasValue(5_000_000);

            host.fs.put(sandbox.resolve("memory.current"), "2000000\n");
            assertThat(cgroup.stats().memoryPeakBytes()).hasValue(5_000_000);
            assertThat(cgroup.stats().oomKilled()).isFalse();
        }
    }

    @Test
    void killAllWritesCgroupKillAndCloseRemovesTheEmptiedCgroup() {
        FakeHost host = new FakeHost(dir).unified("/", "memory pids", "");
        SandboxCgroup cgroup =
                host.create("kill", CgroupConfig.builder().maxPids(8).build());
        Path sandbox = cgroup.directories().get(0);
        host.fs.join(sandbox, 101).join(sandbox, 102);
        assertThat(cgroup.isPopulated()).isTrue();

        cgroup.killAll();

        assertThat(cgroup.isPopulated()).isFalse();
        assertThat(host.fs.operations())
                .contains("write " + sandbox.resolve("cgroup.kill") + " 1")
                .as("cgroup.kill reaches every task: no pid-by-pid kill")
                .noneMatch(op -> op.startsWith("kill "));
        cgroup.close();
        assertThat(sandbox).doesNotExist();
    }

    @Test
    void closeKillsWhatStillRunsAndIsIdempotent() {
        FakeHost host = new FakeHost(dir).unified("/", "memory", "memory");
        SandboxCgroup cgroup = host.create("close", CgroupConfig.NONE);
        Path sandbox = cgroup.directories().get(0);
        host.fs.join(sandbox, 300);

        cgroup.close();
        int operations = host.fs.operations().size();
        cgroup.close();

        assertThat(sandbox).doesNotExist();
        assertThat(host.fs.operations())
                .hasSize(operations)
                .containsSubsequence("write " + sandbox.resolve("cgroup.kill") + " 1", "rmdir " + sandbox);
        assertThat(host.fs.startTime(300)).isEmpty();
    }

    @Test
    void withoutCgroupKillTasksAreStoppedFromForkingThenKilledByPid() {
        FakeHost host = new FakeHost(dir).unified("/", "pids", "pids");
        SandboxCgroup cgroup =
                host.create("oldkernel", CgroupConfig.builder().maxPids(16).build());
        Path sandbox = cgroup.directories().get(0);
        host.fs.delete(sandbox.resolve("cgroup.kill")).join(sandbox, 401).join(sandbox, 402);

        cgroup.killAll();

        assertThat(host.fs.operations())
                .containsSubsequence("write " + sandbox.resolve("pids.max") + " 0", "kill 401", "kill 402");
        assertThat(cgroup.isPopulated()).isFalse();
        cgroup.close();
    }

    @Test
    void theJvmsOwnNonRootCgroupCannotEnableMemoryAndNothingIsCreated() {
        FakeHost host = new FakeHost(dir).unified("/user.slice/user-1000.slice/session-3.scope", "memory pids", "");
        CgroupConfig memory = CgroupConfig.builder().memory("64M").build();

        CgroupAvailability availability = host.availability(memory);
        assertThat(availability.available()).isFalse();
        assertThat(availability.unavailable()).containsOnlyKeys("memory");
        assertThat(availability.unavailable().get("memory"))
                .contains("/user.slice/user-1000.slice/session-3.scope")
                .contains("no-internal-process rule")
                .contains("never moves the JVM")
                .contains("systemd-run --scope -p Delegate=yes");

        assertThatThrownBy(() -> host.create("nope", memory))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageStartingWith("cgroup controller memory is not available: memory: cgroup v2:")
                .satisfies(e ->
                        assertThat(((CgroupUnavailableException) e).reasons()).containsOnlyKeys("memory"));
        assertThat(host.fs.operations()).as("no write, no mkdir").isEmpty();
    }

    @Test
    void withoutLimitsANonRootOwnCgroupStillTracksTheSandbox() {
        FakeHost host = new FakeHost(dir).unified("/user.slice/app.scope", "memory pids", "");
        Path own = host.path("/sys/fs/cgroup/user.slice/app.scope");

        try (SandboxCgroup cgroup = host.create("track", CgroupConfig.NONE)) {
            assertThat(cgroup.directories()).containsExactly(own.resolve(cgroup.name()));
            assertThat(host.fs.operations()).noneMatch(op -> op.contains("subtree_control"));
            assertThat(cgroup.stats().cpuTimeUs()).hasValue(0);
        }
    }

    @Test
    void inADelegatedSubtreeNamedByTheAdminTheSandboxGoesBesideTheJvmsLeaf() {
        FakeHost host = new FakeHost(dir).unified("/system.slice/app.scope/supervisor", "cpu memory pids", "");
        Path scope = host.path("/sys/fs/cgroup/system.slice/app.scope");
        assertThat(host.availability(LIMITS).available()).as("never guessed").isFalse();

        host.v2Parent("/system.slice/app.scope");

        assertThat(host.availability(LIMITS).directories()).containsExactly("v2 cpu,memory,pids beneath " + scope);
        try (SandboxCgroup cgroup = host.create("beside", LIMITS)) {
            assertThat(cgroup.directories()).containsExactly(scope.resolve(cgroup.name()));
            assertThat(cgroup.settings()).containsEntry("memory.max", "67108864");
        }
        assertThat(host.fs.operations()).noneMatch(op -> op.contains("subtree_control"));
    }

    @Test
    void aDelegatedParentThatIsNoAncestorOrDoesNotEnableTheControllersIsRefused() {
        FakeHost host = new FakeHost(dir).unified("/system.slice/app.scope/supervisor", "cpu memory pids", "");

        host.v2Parent("/other.slice");
        assertThat(host.availability(LIMITS).unavailable().get("memory"))
                .isEqualTo("-Dsandbox4j.cgroup.v2.parent=/other.slice: must be an absolute cgroup path that is an "
                        + "ancestor of this JVM's cgroup /system.slice/app.scope/supervisor");

        host.fs.put(host.path("/sys/fs/cgroup/system.slice/app.scope/cgroup.subtree_control"), "pids\n");
        host.v2Parent("/system.slice/app.scope");
        assertThat(host.availability(LIMITS).unavailable().get("memory"))
                .contains("its cgroup.subtree_control (\"pids\") must enable cpu memory pids");
    }

    @Test
    void aFailedLimitRemovesWhatWasCreatedAndNamesFileAndValue() {
        FakeHost host = new FakeHost(dir).unified("/", "cpu memory pids", "cpu memory pids");
        host.fs.failWrites("pids.max", "Invalid argument");
        Path mount = host.path("/sys/fs/cgroup");

        assertThatThrownBy(() -> host.create("half", LIMITS))
                .isInstanceOf(CgroupException.class)
                .hasMessageMatching("cannot write '32' to .*/sandbox4j-half-[-0-9]+/pids\\.max: Invalid argument");
        assertThat(sandboxDirectories(mount)).isEmpty();
    }

    @Test
    void anUnwritableHierarchyIsReportedNotAttempted() {
        FakeHost host = new FakeHost(dir).unified("/", "memory", "");
        host.fs.unwritable(host.path("/sys/fs/cgroup"));

        CgroupAvailability availability =
                host.availability(CgroupConfig.builder().memory("64M").build());

        assertThat(availability.unavailable().get("memory"))
                .contains("no write permission on")
                .contains("systemd-run --user --scope -p Delegate=yes");
        assertThat(host.availability(CgroupConfig.NONE).available())
                .as("nothing required")
                .isTrue();
        assertThat(host.availability(CgroupConfig.NONE).directories()).isEmpty();
    }

    @Test
    void unavailableControllersAreListedInAStableOrder() {
        FakeHost host = new FakeHost(dir).unified("/", "cpu memory pids", "");
        host.fs.unwritable(host.path("/sys/fs/cgroup"));

        assertThatThrownBy(() -> host.create("order", LIMITS))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageStartingWith("cgroup controller memory, cpu, pids is not available: memory: no write");
    }

    @Test
    void noCgroupsAtAllGiveAnEmptySandboxCgroupOrAClearRefusal() {
        FakeHost host = new FakeHost(dir)
                .file("proc/self/mountinfo", "26 1 254:0 / / rw - ext4 /dev/vda rw\n")
                .file("proc/self/cgroup", "");

        assertThatThrownBy(() ->
                        host.create("none", CgroupConfig.builder().maxPids(10).build()))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("pids: no cgroup file system is mounted");
        try (SandboxCgroup cgroup = host.create("none", CgroupConfig.NONE)) {
            assertThat(cgroup.procsFiles()).isEmpty();
            assertThat(cgroup.stats()).isEqualTo(CgroupStats.EMPTY);
            cgroup.killAll();
        }
    }

    static List<Path> sandboxDirectories(Path base) {
        try (var entries = Files.list(base)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(CgroupName.PREFIX))
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
