package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill-all on the real kernel without cgroup.kill, as on a legacy (v1-only) host: the freezer path, and the
 * pids.max = 0 plus kill-by-pid path, each against a fork chain — a process that forks its successor and
 * exits, over and over, which a naive snapshot-and-kill of cgroup.procs keeps missing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CgroupLegacyKillLiveTest {

    /** Forks a successor and exits, for at most 30 s (a safety net should a test fail to kill it). */
    private static final String FORK_CHAIN = """
            import os, time
            end = time.time() + 30
            while time.time() < end:
                try:
                    if os.fork() > 0:
                        os._exit(0)
                except OSError:
                    time.sleep(0.001)
            """;

    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @TempDir
    Path root;

    private CgroupLayout real;

    @BeforeEach
    void requireCgroups() {
        real = LiveCgroups.requireUsable();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        // Remove the links to the real mounts ourselves, before @TempDir cleanup walks the directory.
        try (var paths = Files.walk(root)) {
            for (Path path : paths.filter(Files::isSymbolicLink).toList()) {
                Files.delete(path);
            }
        }
        if (real != null) {
            LiveCgroups.assertNoLeftovers(real);
        }
    }

    @Test
    void theFreezerStopsAForkChainAndIsThawedAfterwards() throws Exception {
        CgroupLayout view = LiveCgroups.legacyView(root, "freezer", "pids", "memory");
        try (SandboxCgroup cgroup = SandboxCgroups.create(
                "freezer", CgroupConfig.builder().maxPids(16).build(), view)) {
            assertThat(cgroup.procsFiles()).noneMatch(p -> p.toString().contains("unified"));
            startChain(cgroup);

            cgroup.killAll();

            assertStaysEmpty(cgroup);
            Path freezer = cgroup.directories().stream()
                    .filter(d -> Files.exists(d.resolve("freezer.state")))
                    .findFirst()
                    .orElseThrow();
            assertThat(LiveCgroups.read(freezer.resolve("freezer.state"))).isEqualTo("THAWED");
            assertThat(LiveCgroups.read(directory(cgroup, "pids.max").resolve("pids.max")))
                    .as("one pass sufficed: no pid-by-pid fallback")
                    .isEqualTo("16");
        }
    }

    @Test
    void withoutAFreezerForksAreBlockedThenTasksKilledByPid() throws Exception {
        CgroupLayout view = LiveCgroups.legacyView(root, "pids", "memory");
        try (SandboxCgroup cgroup = SandboxCgroups.create(
                "pidsonly", CgroupConfig.builder().maxPids(16).build(), view)) {
            startChain(cgroup);

            cgroup.killAll();

            assertStaysEmpty(cgroup);
            assertThat(LiveCgroups.read(directory(cgroup, "pids.max").resolve("pids.max")))
                    .isEqualTo("0");
        }
    }

    private static void startChain(SandboxCgroup cgroup) throws Exception {
        Process first = LiveCgroups.startIn(cgroup, PYTHON, "-c", FORK_CHAIN);
        assertThat(first.waitFor(10, TimeUnit.SECONDS))
                .as("the first link exits at once")
                .isTrue();
        Thread.sleep(300);
        assertThat(cgroup.isPopulated()).as("the chain runs on without it").isTrue();
    }

    private static void assertStaysEmpty(SandboxCgroup cgroup) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            assertThat(cgroup.isPopulated()).isFalse();
            Thread.sleep(10);
        }
    }

    private static Path directory(SandboxCgroup cgroup, String file) {
        return cgroup.directories().stream()
                .filter(d -> Files.exists(d.resolve(file)))
                .findFirst()
                .orElseThrow();
    }
}
