package dev.sandbox4j.parity;

import static dev.sandbox4j.parity.Parity.builder;
import static dev.sandbox4j.parity.Parity.cpus;
import static dev.sandbox4j.parity.Parity.root;
import static dev.sandbox4j.parity.Parity.run;
import static dev.sandbox4j.parity.ParityIntegrationKernelTest.runWithCpu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.it.KernelTestSupport;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * sandbox-rs 0.2.1's stress tests (crates/sandbox-rs/tests/stress_tests.rs): many configurations in a row. Upstream
 * built each; here each one that sandbox4j accepts also runs a program, and each it refuses is a documented
 * divergence asserted as such (minimum limits, more CPU than the machine has, ids longer than 64).
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
public class ParityStressKernelTest {

    @Test
    void rapidBuilderCreation() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (Sandbox sandbox = Sandbox.create(
                    builder().id("stress-builder-" + i).memoryLimit("256M").build())) {
                assertThat(sandbox.run(List.of("/bin/true")).success()).isTrue();
            }
        }
    }

    @Test
    void cpuLimitConfigurations() throws Exception {
        for (int percent : new int[] {1, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400}) {
            if (percent > 100 * cpus()) {
                assertCpuBeyondTheMachineRefused(percent);
                continue;
            }
            SandboxResult r = runWithCpu(builder().id("stress-cpu-" + percent).cpuPercent(percent), "/bin/true");
            if (r != null) {
                assertThat(r.success()).as(percent + "%").isTrue();
            }
        }
    }

    /** Divergence: more than 100 per CPU of this machine would limit nothing, so it is refused. */
    private static void assertCpuBeyondTheMachineRefused(int percent) {
        assertThatThrownBy(() -> builder().cpuPercent(percent))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("more than the " + cpus() + " CPU(s)");
    }

    @Test
    void memoryLimitConfigurations() throws Exception {
        for (String limit : new String[] {"4M", "8M", "16M", "32M", "64M", "128M", "256M", "512M", "1G", "2G"}) {
            assertThat(run(builder().id("stress-mem").memoryLimit(limit).build(), "/bin/true")
                            .success())
                    .as(limit)
                    .isTrue();
        }
    }

    @Test
    void combinedConfigurations() throws Exception {
        int[][] configs = {{64, 10}, {128, 25}, {256, 50}, {512, 75}, {1024, 100}};
        for (int[] c : configs) {
            SandboxResult r = runWithCpu(builder().memoryLimit(c[0] + "M").cpuPercent(c[1]), "/bin/true");
            if (r != null) {
                assertThat(r.success()).isTrue();
            }
        }
    }

    @Test
    void timeoutConfigurations() throws Exception {
        for (Duration t : new Duration[] {
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            Duration.ofSeconds(300),
            Duration.ofSeconds(3600)
        }) {
            assertThat(run(builder().timeout(t).build(), "/bin/true").success())
                    .as(t.toString())
                    .isTrue();
        }
        assertThat(run(builder().timeout(Duration.ofMillis(100)).build(), "sleep", "5")
                        .timedOut())
                .isTrue();
    }

    @Test
    void maxPidsConfigurations() throws Exception {
        for (int pids : new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
            if (pids < 3) {
                // Divergence: init and the program count too, so fewer than 3 could not even start it.
                assertThatThrownBy(() -> builder().pidsLimit(pids))
                        .isInstanceOf(InvalidConfigException.class)
                        .hasMessageContaining("below the minimum of 3");
                continue;
            }
            assertThat(run(builder().pidsLimit(pids).build(), "/bin/true").success())
                    .as(pids + " pids")
                    .isTrue();
        }
    }

    @Test
    void seccompProfiles() throws Exception {
        for (SeccompProfile p : new SeccompProfile[] {
            SeccompProfile.MINIMAL,
            SeccompProfile.IO_HEAVY,
            SeccompProfile.COMPUTE,
            SeccompProfile.NETWORK,
            SeccompProfile.UNRESTRICTED
        }) {
            assertThat(run(builder().seccomp(p).build(), "/bin/echo", "hi").stdoutText())
                    .as(p.name())
                    .isEqualTo("hi\n");
        }
    }

    @Test
    void namespaceConfigurations() throws Exception {
        for (NamespaceConfig ns : new NamespaceConfig[] {
            NamespaceConfig.all(),
            NamespaceConfig.minimal(),
            NamespaceConfig.allButNetwork(),
            NamespaceConfig.allButUser()
        }) {
            if (!ns.contains(dev.sandbox4j.namespace.Namespace.USER) && !root()) {
                assertThatThrownBy(() -> builder().namespaces(ns).build()).isInstanceOf(InvalidConfigException.class);
                continue;
            }
            assertThat(run(builder().namespaces(ns).build(), "/bin/true").success())
                    .as(ns.toString())
                    .isTrue();
        }
    }

    @Test
    void extremeMemoryLimits() throws Exception {
        for (String limit : new String[] {"1M", "4M", "8M", "512M", "1G", "2G", "4G", "8G", "16G"}) {
            if (limit.equals("1M")) {
                // Divergence: below 4 MiB the sandbox's own init and namespaces would not fit.
                assertThatThrownBy(() -> builder().memoryLimit(limit))
                        .isInstanceOf(InvalidConfigException.class)
                        .hasMessageContaining("'1M'");
                continue;
            }
            assertThat(run(builder().memoryLimit(limit).build(), "/bin/true").success())
                    .as(limit)
                    .isTrue();
        }
    }

    @Test
    void extremeCpuLimits() throws Exception {
        for (int percent : new int[] {1, 10, 50, 100, 200, 400, 800}) {
            if (percent > 100 * cpus()) {
                assertCpuBeyondTheMachineRefused(percent);
                continue;
            }
            SandboxResult r = runWithCpu(builder().cpuPercent(percent), "/bin/true");
            if (r != null) {
                assertThat(r.success()).isTrue();
            }
        }
    }

    @Test
    void allSeccompProfiles() throws Exception {
        assertThat(SeccompProfile.values()).isNotEmpty();
        for (SeccompProfile p : SeccompProfile.values()) {
            assertThat(run(builder().seccomp(p).build(), "/bin/true").success())
                    .as(p.name())
                    .isTrue();
        }
    }

    /** Divergence: ids are at most 64 characters (they name cgroup directories); upstream's is 105. */
    @Test
    void longSandboxIds() throws Exception {
        String upstreams = "very_long_sandbox_id_".repeat(5);
        assertThatThrownBy(() -> builder().id(upstreams))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("1 to 64");
        String longest = "very_long_sandbox_id_".repeat(3) + "x";
        assertThat(longest).hasSize(64);
        assertThat(run(builder().id(longest).build(), "/bin/true").id()).isEqualTo(longest);
    }

    @Test
    void specialCharSandboxIds() throws Exception {
        for (String id : new String[] {
            "sandbox-with-dashes", "sandbox_with_underscores", "sandbox123numbers", "UPPERCASE", "MixedCase"
        }) {
            assertThat(run(builder().id(id).build(), "/bin/true").id()).isEqualTo(id);
        }
    }

    @Test
    void memoryFormatVariations() throws Exception {
        for (String format : new String[] {"1M", "10M", "100M", "256M", "512M", "1G", "2G", "10G"}) {
            if (format.equals("1M")) {
                assertThatThrownBy(() -> builder().memoryLimit(format)).isInstanceOf(InvalidConfigException.class);
                continue;
            }
            assertThat(run(builder().memoryLimit(format).build(), "/bin/true").success())
                    .as(format)
                    .isTrue();
        }
    }
}
