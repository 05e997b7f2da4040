package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.PRIVILEGED_HOST;
import static dev.sandbox4j.exec.SandboxBuilderTest.ROOT;
import static dev.sandbox4j.exec.SandboxBuilderTest.asRoot;
import static dev.sandbox4j.exec.SandboxBuilderTest.asUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.CgroupAvailability;
import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.exec.Enforcement.Mechanism;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** enforcement() says before any run what holds each limit, and why a cgroup limit became an rlimit. */
class EnforcementTest {
    private static final long MIB = 1L << 20;

    private static SandboxBuilder limited() {
        return SandboxConfig.builder().memoryLimit(64 * MIB).pidsLimit(32);
    }

    @Test
    void privilegedLimitsAreCgroupFilesWithTheirValues() {
        List<Enforcement> e = asRoot(limited().cpuPercent(20).cpuWeight(50)).enforcement();

        assertThat(e).extracting(Enforcement::limit).containsExactly("memory", "cpu", "pids");
        assertThat(e)
                .extracting(Enforcement::mechanism)
                .containsExactly(Mechanism.CGROUP_V2, Mechanism.CGROUP_V2, Mechanism.CGROUP_V2);
        assertThat(e.get(0).detail()).startsWith("memory.max = 64 MiB on each run's cgroup");
        assertThat(e.get(1).detail()).startsWith("cpu.max = 20000 100000, cpu.weight = 50");
        assertThat(e.get(2).detail()).startsWith("pids.max = 32");
    }

    @Test
    void unprivilegedLimitsAreRlimitsAndSayWhy() {
        List<Enforcement> e = asUser(
                        limited().rlimits(RlimitConfig.builder().processes(10).build()))
                .enforcement();

        assertThat(e.get(0))
                .hasToString("memory: rlimit, RLIMIT_DATA = 64 MiB per process (no total for the tree, "
                        + "no OOM kill), since unprivileged mode creates no cgroups");
        assertThat(e.get(1).mechanism()).isEqualTo(Mechanism.NONE);
        assertThat(e.get(2).mechanism()).isEqualTo(Mechanism.RLIMIT);
        assertThat(e.get(2).detail())
                .as("the explicit, lower rlimit is what holds")
                .startsWith("RLIMIT_NPROC = 10 ");
    }

    @Test
    void aControllerThatCannotBeUsedNamesTheHostsReason() {
        FakeCgroupHost host = new FakeCgroupHost(Map.of("memory", "cgroup v2: memory is not enabled for sub-cgroups"));

        List<Enforcement> e = limited().build(ROOT, PRIVILEGED_HOST, host).enforcement();

        assertThat(e.get(0).mechanism()).isEqualTo(Mechanism.RLIMIT);
        assertThat(e.get(0).detail()).endsWith("since cgroup v2: memory is not enabled for sub-cgroups");
        assertThat(e.get(2).mechanism()).isEqualTo(Mechanism.CGROUP_V2);
    }

    @Test
    void onAV1HostTheLimitsAreTheV1Files() {
        CgroupHost v1 = new CgroupHost() {
            @Override
            public CgroupAvailability availability(CgroupConfig limits) {
                return new CgroupAvailability(Map.of(), List.of());
            }

            @Override
            public SandboxCgroups.Reservation reserve(String sandboxId, CgroupConfig limits) {
                throw new UnsupportedOperationException("unit tests create no cgroups");
            }

            @Override
            public Optional<CgroupHierarchy> hierarchyFor(String controller) {
                return Optional.of(new CgroupHierarchy(
                        1,
                        Path.of("/sys/fs/cgroup", controller),
                        Set.of(controller),
                        "/",
                        Path.of("/sys/fs/cgroup", controller),
                        false));
            }
        };

        List<Enforcement> e = limited()
                .cpuPercent(50)
                .cpuWeight(200)
                .build(ROOT, PRIVILEGED_HOST, v1)
                .enforcement();

        assertThat(e)
                .extracting(Enforcement::mechanism)
                .containsExactly(Mechanism.CGROUP_V1, Mechanism.CGROUP_V1, Mechanism.CGROUP_V1);
        assertThat(e.get(0).detail()).startsWith("memory.limit_in_bytes = 64 MiB");
        assertThat(e.get(1).detail())
                .startsWith("cpu.cfs_quota_us = 50000 per cpu.cfs_period_us = 100000, " + "cpu.shares = 2048");
    }

    @Test
    void limitsNotSetAreSaidToBeNone() {
        assertThat(asRoot(SandboxConfig.builder()).enforcement())
                .extracting(Enforcement::toString)
                .containsExactly(
                        "memory: none, no memory limit set",
                        "cpu: none, no cpu limit set",
                        "pids: none, no pids limit set");
    }
}
