package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.Enforcement;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What enforcement() announces at build() is what the run then gets from the kernel. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class EnforcementKernelTest {
    private static final long MIB = 1L << 20;

    @Test
    void anUnprivilegedMemoryLimitIsTheRlimitDataTheWorkloadSees() throws Exception {
        SandboxConfig config = SandboxConfig.builder()
                .privilegeMode(PrivilegeMode.UNPRIVILEGED)
                .memoryLimit(64 * MIB)
                .timeout(Duration.ofSeconds(30))
                .build();
        Enforcement memory = config.enforcement().get(0);

        assertThat(memory.mechanism()).isEqualTo(Enforcement.Mechanism.RLIMIT);
        assertThat(memory.detail()).startsWith("RLIMIT_DATA = 64 MiB per process");
        try (Sandbox sandbox = Sandbox.create(config)) {
            requireRunnable(sandbox, "user namespaces (unprivileged mode)");
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "ulimit -d"));
            assertThat(r.stdoutText()).as("KiB").isEqualTo((64 * MIB / 1024) + "\n");
        }
    }

    @Test
    void aPrivilegedMemoryLimitIsInTheHierarchyThatHoldsTheMemoryController() throws Exception {
        requireFeature(KernelTestSupport.euid() == 0, "root (privileged mode)");
        CgroupHierarchy memoryHierarchy =
                CgroupLayout.detect().hierarchyFor("memory").orElseThrow();
        SandboxConfig config = SandboxConfig.builder()
                .privilegeMode(PrivilegeMode.PRIVILEGED)
                .memoryLimit(64 * MIB)
                .timeout(Duration.ofSeconds(30))
                .build();
        Enforcement memory = config.enforcement().get(0);

        assertThat(memory.mechanism())
                .isEqualTo(
                        memoryHierarchy.version() == 1
                                ? Enforcement.Mechanism.CGROUP_V1
                                : Enforcement.Mechanism.CGROUP_V2);
        assertThat(memory.detail())
                .startsWith((memoryHierarchy.version() == 1 ? "memory.limit_in_bytes" : "memory.max") + " = 64 MiB");
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r = sandbox.run(List.of("/bin/true"));
            assertThat(r.success()).isTrue();
            assertThat(r.memoryLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        }
    }
}
