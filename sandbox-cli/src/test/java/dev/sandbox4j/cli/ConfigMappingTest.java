package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.Network;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.namespace.Mount;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @TempDir
    Path project;

    private ConfigMapping.Configured configure(String... args) {
        return ConfigMapping.build(RunOptionsTest.parse(args), project);
    }

    private SandboxConfig config(String... args) {
        return configure(args).config();
    }

    @Test
    void theDefaultIsTheStrictPresetWithTheCallersStreams() {
        SandboxConfig config = config("true");

        assertThat(config.namespaces()).isEqualTo(NamespaceConfig.all());
        assertThat(config.seccompProgram())
                .hasValueSatisfying(program -> assertThat(program.toBytes())
                        .isEqualTo(SeccompProfile.MINIMAL
                                .filter()
                                .compile(Architecture.current())
                                .toBytes()));
        assertThat(config.memoryLimit()).hasValue(128L << 20);
        assertThat(config.pidsLimit()).hasValue(64);
        assertThat(config.timeout()).contains(Duration.ofSeconds(30));
        if (config.mode() == PrivilegeMode.PRIVILEGED) {
            assertThat(config.cpuPercent()).hasValue(50);
            assertThat(config.cpuLimitMechanism()).hasValue(LimitMechanism.CGROUP);
        } else {
            assertThat(config.cpuPercent())
                    .as("no cpu cgroup without privileges: the preset's is left out")
                    .isEmpty();
        }
        assertThat(config.stdin()).hasToString("Input.inherit()");
        assertThat(config.stdout()).hasToString("Output.inherit()");
        assertThat(config.stderr()).hasToString("Output.inherit()");
        assertThat(config.requestedMode()).isEqualTo(PrivilegeMode.AUTO);
        assertThat(config.cwd())
                .as("sandbox-ctl's own directory is not in the view unasked: /")
                .contains(Path.of("/"));
        assertThat(config.filesystem())
                .as("the default view, nothing of the host bound unasked")
                .hasValueSatisfying(view -> assertThat(view.mounts())
                        .contains(new Mount.Bind(Path.of("/usr"), Path.of("/usr"), false))
                        .doesNotContain(new Mount.Bind(project, project, false))
                        .containsOnlyOnce(new Mount.Tmpfs(Path.of("/tmp"), 0, 01777)));
        assertThat(config.id()).startsWith("sbx-");
    }

    @Test
    void permissiveUsesUserModeNetworkingAndOptionsReachTheExecutor() {
        SandboxConfig config = config(
                "-P",
                "permissive",
                "-s",
                "compute",
                "-m",
                "none",
                "--pids",
                "7",
                "-t",
                "2m",
                "-i",
                "job-42",
                "-w",
                "/tmp",
                "true");

        assertThat(config.namespaces()).isEqualTo(NamespaceConfig.all());
        assertThat(config.network().mode()).as("not the host's network").isEqualTo(Network.Mode.USER);
        assertThat(config.seccompProgram())
                .hasValueSatisfying(program -> assertThat(program.toBytes())
                        .isEqualTo(SeccompProfile.COMPUTE
                                .filter()
                                .compile(Architecture.current())
                                .toBytes()));
        assertThat(config.memoryLimit()).isEmpty();
        assertThat(config.pidsLimit()).hasValue(7);
        assertThat(config.timeout()).contains(Duration.ofMinutes(2));
        assertThat(config.id()).isEqualTo("job-42");
        assertThat(config.cwd()).contains(Path.of("/tmp"));
        assertThat(config.filesystem().orElseThrow().mounts())
                .as("-w /tmp is the view's private /tmp, not the host's")
                .noneMatch(m -> m instanceof Mount.Bind b && b.source().startsWith("/tmp"));
    }

    @Test
    void theWorkingDirectoryIsNeverBoundUnaskedAndMustBeInTheView() throws Exception {
        Path inside = Files.createDirectories(project.resolve("src"));
        // A bound directory shows every listening socket beneath it (an ssh-agent's): only where asked.
        assertThatThrownBy(() -> config("-w", inside.toString(), "true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(inside.toString())
                .hasMessageContaining("--ro-bind " + inside);
        SandboxConfig bound = config("--ro-bind", project.toString(), "-w", inside.toString(), "true");
        assertThat(bound.cwd()).contains(inside);
        assertThat(bound.filesystem().orElseThrow().mounts())
                .containsOnlyOnce(new Mount.Bind(project, project, false))
                .noneMatch(m -> m.destination().equals(inside));
        assertThat(config("-w", "/usr/bin", "true").filesystem().orElseThrow().mounts())
                .as("already there, read-only")
                .noneMatch(m -> m.destination().equals(Path.of("/usr/bin")));
        assertThat(config("--bind", project.toString(), "true")
                        .filesystem()
                        .orElseThrow()
                        .mounts())
                .as("bound writable by the user, not again read-only")
                .containsOnlyOnce(new Mount.Bind(project, project, true))
                .doesNotContain(new Mount.Bind(project, project, false));
        assertThat(config("-w", "/", "true").filesystem().orElseThrow().mounts())
                .as("the host's root would undo the view")
                .noneMatch(m -> m.destination().equals(Path.of("/")));
    }

    @Test
    void aRootDirectoryReplacesTheViewAndHostFsDropsIt(@TempDir Path rootfs) {
        SandboxConfig rooted = config("-r", rootfs.toString(), "-w", "/srv", "true");
        assertThat(rooted.filesystem().orElseThrow().existingRoot()).contains(rootfs);
        assertThat(rooted.cwd()).as("a path inside the root, nothing bound").contains(Path.of("/srv"));
        assertThat(rooted.filesystem().orElseThrow().mounts()).noneMatch(m -> m instanceof Mount.Bind);

        SandboxConfig host = config("--host-fs", "true");
        assertThat(host.filesystem()).isEmpty();
        assertThat(host.cwd())
                .as("the executor's default, the JVM's own directory")
                .isEmpty();
        assertThatThrownBy(() -> config("--host-fs", "--bind", "/usr", "true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("--host-fs cannot be combined with --bind");
        assertThatThrownBy(() -> config("--host-fs", "-r", rootfs.toString(), "true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("--host-fs cannot be combined with -r/--root");
    }

    @Test
    void aCpuLimitThatCannotBeEnforcedIsLeftOutOfAPresetAndRefusedWhenExplicit() {
        ConfigMapping.Configured preset = configure("--mode", "unprivileged", "true");
        assertThat(preset.config().cpuPercent()).isEmpty();
        assertThat(preset.config().memoryLimitMechanism()).hasValue(LimitMechanism.RLIMIT);
        assertThat(preset.notApplied())
                .singleElement()
                .asString()
                .startsWith("cpu limit 50% is not applied: unprivileged mode creates no cgroups");

        assertThatThrownBy(() -> configure("--mode", "unprivileged", "--cpu", "30", "true"))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith("--cpu 30% is not available: unprivileged mode creates no cgroups")
                .hasMessageEndingWith("Use --cpu none (and --timeout to bound the run), or run where the cpu cgroup "
                        + "controller is usable (privileged mode, see 'sandbox-ctl check')");
        assertThat(configure("--mode", "unprivileged", "--cpu", "none", "true").notApplied())
                .isEmpty();
    }

    @Test
    void environmentIsCleanWithSetAndPassedVariables() {
        String hostPath = System.getenv("PATH");
        Assumptions.assumeTrue(hostPath != null, "PATH is set");

        SandboxConfig clean = config("true");
        assertThat(clean.environment()).containsOnlyKeys("PATH", "HOME", "TERM", "LANG");

        SandboxConfig configured = config(
                "-e",
                "A=1",
                "-e",
                "B=x=y",
                "-e",
                "EMPTY=",
                "-e",
                "PATH",
                "-e",
                "SANDBOX4J_SURELY_UNSET_VARIABLE",
                "true");
        assertThat(configured.environment())
                .containsEntry("A", "1")
                .containsEntry("B", "x=y")
                .containsEntry("EMPTY", "")
                .containsEntry("PATH", hostPath)
                .doesNotContainKey("SANDBOX4J_SURELY_UNSET_VARIABLE");
    }

    @Test
    void anExecutorRefusalNamesTheOptionTheUserTyped() {
        assertThatThrownBy(() -> config("-e", "A\tB=1", "true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --env 'A\\tB=1': must be non-empty, without '=', spaces or control characters");
        assertThatThrownBy(() -> config("-e", "OK=1", "-e", "=x", "true"))
                .hasMessage("invalid --env '=x': must be non-empty, without '=', spaces or control characters");
        assertThatThrownBy(() -> config("--pids", "02", "true"))
                .hasMessage("invalid --pids '02': below the minimum of 3: the sandbox's init and the workload count as "
                        + "tasks, and a shell needs one more");
        assertThatThrownBy(() -> config("-c", "0.5", "true"))
                .hasMessageStartingWith("invalid --cpu '0.5': below 1% of a CPU");
        assertThatThrownBy(() -> config("-i", "a-", "true"))
                .hasMessageStartingWith("invalid --id 'a-': must be 1 to 64 characters");
        assertThatThrownBy(() -> config("-w", "rel/dir", "true"))
                .hasMessage("invalid --cwd 'rel/dir': must be an absolute path");
        assertThatThrownBy(() -> config("--landlock-ro", "/usr", "--landlock-rw", "rel", "true"))
                .hasMessageStartingWith("invalid --landlock-ro/--landlock-rw 'rel': ");
        assertThatThrownBy(() -> config("--tmpfs", "/scratch:16M", "--tmpfs", "/x:0", "true"))
                .hasMessage("invalid --tmpfs '/x:0': must be more than 0 (which the kernel reads as unlimited); "
                        + "leave the size out for the default");
    }

    @Test
    void thePresetChoosesAndExplicitOptionsOverrideIt() {
        SandboxConfig moderate = config("-P", "moderate", "true");
        assertThat(moderate.seccompProgram())
                .hasValueSatisfying(program -> assertThat(program.toBytes())
                        .isEqualTo(SeccompProfile.IO_HEAVY
                                .filter()
                                .compile(Architecture.current())
                                .toBytes()));
        assertThat(moderate.namespaces()).isEqualTo(NamespaceConfig.all());
        assertThat(moderate.memoryLimit()).hasValue(512L << 20);
        assertThat(moderate.pidsLimit()).hasValue(256);
        assertThat(moderate.timeout()).contains(Duration.ofMinutes(5));

        SandboxConfig overridden =
                config("-P", "permissive", "-s", "essential", "-m", "64M", "--pids", "8", "-t", "500ms", "true");
        assertThat(overridden.seccompProgram())
                .hasValueSatisfying(program -> assertThat(program.toBytes())
                        .isEqualTo(SeccompProfile.ESSENTIAL
                                .filter()
                                .compile(Architecture.current())
                                .toBytes()));
        assertThat(overridden.memoryLimit()).hasValue(64L << 20);
        assertThat(overridden.pidsLimit()).hasValue(8);
        assertThat(overridden.timeout()).contains(Duration.ofMillis(500));
        assertThat(overridden.namespaces()).as("not an option: the preset's").isEqualTo(NamespaceConfig.all());
        assertThat(overridden.network().mode())
                .as("permissive: user-mode, not the host's network")
                .isEqualTo(dev.sandbox4j.exec.Network.Mode.USER);

        SandboxConfig lifted = config("-m", "none", "--pids", "none", "-t", "none", "-c", "none", "true");
        assertThat(lifted.memoryLimit()).isEmpty();
        assertThat(lifted.pidsLimit()).isEmpty();
        assertThat(lifted.timeout()).isEmpty();
        assertThat(lifted.cpuPercent()).isEmpty();
    }

    @Test
    void presetsGrowLooserInEveryRespect() {
        java.util.List<SecurityPreset> presets = java.util.List.of(SecurityPreset.values());
        for (int i = 1; i < presets.size(); i++) {
            SecurityPreset tighter = presets.get(i - 1);
            SecurityPreset looser = presets.get(i);
            assertThat(looser.seccomp().includes(tighter.seccomp()))
                    .as(looser + " seccomp")
                    .isTrue();
            assertThat(looser.memoryBytes()).isGreaterThan(tighter.memoryBytes());
            assertThat(looser.pids()).isGreaterThan(tighter.pids());
            assertThat(looser.timeout()).isGreaterThan(tighter.timeout());
            assertThat(looser.cpuPercent()).isGreaterThan(tighter.cpuPercent());
        }
    }

    @Test
    void anExplicitModeIsResolvedOrRefusedWithItsReasonNotAsABadCommandLine() {
        Optional<String> privilegedUnusable;
        try {
            SystemCapabilities.detect().resolve(PrivilegeMode.PRIVILEGED);
            privilegedUnusable = Optional.empty();
        } catch (RuntimeException e) {
            privilegedUnusable = Optional.of(e.getMessage());
        }
        if (privilegedUnusable.isEmpty()) {
            // Where it works (CI runs as root), the explicit mode is the one the executor gets.
            assertThat(config("--mode", "privileged", "true").mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
            return;
        }
        assertThatThrownBy(() -> config("--mode", "privileged", "true"))
                .isNotInstanceOf(InvalidConfigException.class)
                .hasMessage(privilegedUnusable.get());
    }
}
