package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sandbox's own cgroups at /sys/fs/cgroup of its filesystem view, read-only and rooted at the run's cgroup
 * (cgroup namespace), against the real kernel in privileged mode (the reference host is cgroup v1 + hybrid):
 * a runtime that sizes itself from its cgroup, the JVM here, sees the sandbox's limit.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class CgroupViewKernelTest {
    private static final long MIB = 1L << 20;
    private static final Path JAVA = Path.of("/usr/bin/java");

    @BeforeAll
    static void privilegedWithCgroups() throws Exception {
        String problem = null;
        if (KernelTestSupport.euid() != 0) {
            problem = "root";
        } else {
            try {
                privileged().build();
            } catch (SandboxException e) {
                problem = e.getMessage();
            }
        }
        requireFeature(problem == null, "privileged mode with memory, cpu and pids cgroups (" + problem + ")");
        requireFeature(Files.isExecutable(JAVA), "java in the sandbox's PATH");
    }

    private static SandboxBuilder privileged() {
        return SandboxConfig.builder()
                .privilegeMode(PrivilegeMode.PRIVILEGED)
                .timeout(Duration.ofSeconds(60))
                .memoryLimit(256 * MIB)
                .cpuPercent(50)
                .pidsLimit(256)
                .seccomp(SeccompProfile.IO_HEAVY)
                .filesystem(FilesystemView.defaults().build());
    }

    private static SandboxResult run(String... command) throws InterruptedException {
        try (Sandbox sandbox = Sandbox.create(privileged().build())) {
            return sandbox.run(List.of(command));
        }
    }

    @Test
    void theProgramSeesItsOwnLimitsReadOnly() throws Exception {
        SandboxResult r = run(
                "sh",
                "-c",
                "cat /proc/self/cgroup; echo limit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes);"
                        + " echo quota $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us);"
                        + " echo pids $(cat /sys/fs/cgroup/pids/pids.max);"
                        + " echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes && echo RAISED;"
                        + " mkdir /sys/fs/cgroup/memory/child && echo NESTED; touch /sys/fs/cgroup/x && echo WROTE; true");
        String out = r.stdoutText();
        assertThat(r.exitCode()).as(r + r.stderrText()).hasValue(0);
        assertThat(out)
                .as(r.stderrText())
                .contains("limit 268435456\n")
                .contains("quota 50000 100000\n")
                .contains("pids 256\n")
                .doesNotContain("RAISED")
                .doesNotContain("NESTED")
                .doesNotContain("WROTE");
        // rooted at the run's cgroup: its path inside is "/", nothing of the host's tree above it shows
        assertThat(out).containsPattern("(?m)^\\d+:memory:/$");
        assertThat(r.stderrText()).contains("Read-only file system");
    }

    @Test
    void aJvmInsideSizesItsHeapWithinTheSandboxsMemoryLimit() throws Exception {
        SandboxResult r = run(JAVA.toString(), "-XshowSettings:system", "-XX:+PrintFlagsFinal", "-version");
        String all = r.stdoutText() + r.stderrText();
        assertThat(r.exitCode()).as(all).hasValue(0);
        assertThat(all).contains("Memory Limit: 256.00M").contains("Provider: cgroupv1");
        Matcher heap = Pattern.compile("size_t MaxHeapSize\\s+= (\\d+)").matcher(all);
        assertThat(heap.find()).as(all).isTrue();
        // the JVM's default share of what it believes it has (half, below about 512 MiB): of the sandbox's
        // 256 MiB, not of the host's RAM (6 GB on a 24 GiB host without the view)
        assertThat(Long.parseLong(heap.group(1))).isLessThanOrEqualTo(128 * MIB);
    }
}
