package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.ownSandboxCgroups;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupUnavailableException;
import dev.sandbox4j.cgroup.IoLimit;
import dev.sandbox4j.cgroup.SandboxCgroups;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A further cgroup limit where no cgroup can hold it fails closed, before anything runs: unprivileged mode
 * (asked for as root, automatic as uid 65534) and, for a caller that may not write the cgroup hierarchies,
 * the cgroup library itself. Runs as root and as uid 65534.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CgroupLimitRefusalKernelTest {
    private static final IoLimit IO = IoLimit.builder()
            .device(IoLimit.deviceOf(Path.of("/tmp")))
            .writeBytesPerSecond(1 << 20)
            .build();

    @Test
    void unprivilegedRunsRefuseTheLimitNamingItAndTheRemedy() throws Exception {
        boolean root = KernelTestSupport.euid() == 0;
        SandboxBuilder builder = SandboxConfig.builder()
                .cgroupLimit(IO)
                .privilegeMode(root ? PrivilegeMode.UNPRIVILEGED : PrivilegeMode.AUTO);

        assertThatThrownBy(builder::build)
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining(IO.toString())
                .hasMessageContaining("unprivileged mode creates no cgroups")
                .hasMessageContaining("Run in privileged mode");
    }

    @Test
    void aCallerWhoMayNotWriteTheHierarchyGetsTheReasonFromTheLibraryAndNothingIsMade() throws Exception {
        CgroupConfig config = CgroupConfig.builder().limit(IO).build();
        if (KernelTestSupport.euid() == 0) {
            assertThat(SandboxCgroups.availability(config).available()).isTrue();
            return;
        }
        assertThatThrownBy(() -> SandboxCgroups.create("refused", config))
                .isInstanceOf(CgroupUnavailableException.class)
                .hasMessageContaining("blkio/io")
                .hasMessageContaining("no write permission");
        assertThat(ownSandboxCgroups()).isEmpty();
    }
}
