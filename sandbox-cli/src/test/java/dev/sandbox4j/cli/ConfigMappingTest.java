package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SystemCapabilities;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The options as the executor receives them. {@code build()} resolves the privilege mode on this host, so
 * these tests need a host where some mode works; the kernel tests in integration-tests run the same
 * mapping for real.
 */
class ConfigMappingTest {

    @BeforeAll
    static void someModeWorksHere() {
        boolean works;
        try {
            SystemCapabilities.detect().resolve(PrivilegeMode.AUTO);
            works = true;
        } catch (FeatureUnavailableException e) {
            works = false;
        }
        Assumptions.assumeTrue(works, "no privilege mode works on this host (see sandbox-ctl check)");
    }

    private static SandboxConfig config(String... args) {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        commandLine.parseArgs(args);
        RunOptionsSpec spec = (RunOptionsSpec) commandLine.getCommandSpec().mixins().get("runOptions").userObject();
        RunOptions options = spec.toRunOptions(false);
        return ConfigMapping.builder(options, RunSettings.resolve(options, Enforcement.THIS_BUILD)).build();
    }

    @Test
    void theDefaultIsTheStrictPresetWithTheCallersStreams() {
        SandboxConfig config = config("true");

        assertThat(config.namespaces()).isEqualTo(NamespaceConfig.all());
        assertThat(config.seccompProgram()).hasValueSatisfying(program -> assertThat(program.toBytes())
                .isEqualTo(SeccompProfile.MINIMAL.filter().compile(Architecture.current()).toBytes()));
        assertThat(config.memoryLimit()).hasValue(128L << 20);
        assertThat(config.pidsLimit()).hasValue(64);
        assertThat(config.timeout()).contains(Duration.ofSeconds(30));
        assertThat(config.cpuPercent()).as("not enforced by this build, so not passed on").isEmpty();
        assertThat(config.stdin()).hasToString("Input.inherit()");
        assertThat(config.stdout()).hasToString("Output.inherit()");
        assertThat(config.stderr()).hasToString("Output.inherit()");
        assertThat(config.requestedMode()).isEqualTo(PrivilegeMode.AUTO);
        assertThat(config.cwd()).isEmpty();
        assertThat(config.id()).startsWith("sbx-");
    }

    @Test
    void permissiveSharesTheHostNetworkAndOptionsReachTheExecutor() {
        SandboxConfig config = config("-P", "permissive", "-s", "compute", "-m", "none", "--pids", "7", "-t", "2m",
                "-i", "job-42", "-w", "/tmp", "true");

        assertThat(config.namespaces()).isEqualTo(NamespaceConfig.all().without(Namespace.NET));
        assertThat(config.seccompProgram()).hasValueSatisfying(program -> assertThat(program.toBytes())
                .isEqualTo(SeccompProfile.COMPUTE.filter().compile(Architecture.current()).toBytes()));
        assertThat(config.memoryLimit()).isEmpty();
        assertThat(config.pidsLimit()).hasValue(7);
        assertThat(config.timeout()).contains(Duration.ofMinutes(2));
        assertThat(config.id()).isEqualTo("job-42");
        assertThat(config.cwd()).contains(Path.of("/tmp"));
    }

    @Test
    void environmentIsCleanWithSetAndPassedVariables() {
        String hostPath = System.getenv("PATH");
        Assumptions.assumeTrue(hostPath != null, "PATH is set");

        SandboxConfig clean = config("true");
        assertThat(clean.environment()).containsOnlyKeys("PATH", "HOME", "TERM", "LANG");

        SandboxConfig configured = config("-e", "A=1", "-e", "B=x=y", "-e", "EMPTY=", "-e", "PATH",
                "-e", "SANDBOX4J_SURELY_UNSET_VARIABLE", "true");
        assertThat(configured.environment())
                .containsEntry("A", "1").containsEntry("B", "x=y").containsEntry("EMPTY", "")
                .containsEntry("PATH", hostPath)
                .doesNotContainKey("SANDBOX4J_SURELY_UNSET_VARIABLE");
    }

    @Test
    void anExecutorRefusalNamesTheOptionTheUserTyped() {
        assertThatThrownBy(() -> config("-m", "512K", "true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --memory '512 KiB': must be at least 1 MiB");
    }

    @Test
    void anUnusableModeIsNotABadCommandLine() {
        Optional<String> privilegedUnusable;
        try {
            SystemCapabilities.detect().resolve(PrivilegeMode.PRIVILEGED);
            privilegedUnusable = Optional.empty();
        } catch (RuntimeException e) {
            privilegedUnusable = Optional.of(e.getMessage());
        }
        Assumptions.assumeTrue(privilegedUnusable.isPresent(), "privileged mode works here");
        assertThatThrownBy(() -> config("--mode", "privileged", "true"))
                .isNotInstanceOf(InvalidConfigException.class)
                .hasMessage(privilegedUnusable.get());
    }
}
