package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.seccomp.SeccompProfile;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunSettingsTest {
    private static RunOptions parse(String... args) {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        commandLine.parseArgs(args);
        RunOptionsSpec spec = (RunOptionsSpec) commandLine.getCommandSpec().mixins().get("runOptions").userObject();
        return spec.toRunOptions(false);
    }

    private static RunSettings resolve(String... args) {
        return RunSettings.resolve(parse(args));
    }

    @Test
    void strictIsTheDefaultAndChoosesMinimalOwnNetworkAndTightLimits() {
        RunSettings strict = resolve("true");

        assertThat(strict.preset()).isEqualTo(SecurityPreset.STRICT);
        assertThat(strict.seccomp().builtIn()).contains(SeccompProfile.MINIMAL);
        assertThat(strict.ownNetwork()).isTrue();
        assertThat(strict.memoryBytes()).isEqualTo(OptionalLong.of(128L << 20));
        assertThat(strict.pids()).isEqualTo(OptionalInt.of(64));
        assertThat(strict.timeout()).contains(Duration.ofSeconds(30));
    }

    @Test
    void eachPresetChoosesItsOwnProfileNetworkAndLimits() {
        RunSettings moderate = resolve("-P", "moderate", "true");
        assertThat(moderate.seccomp().builtIn()).contains(SeccompProfile.IO_HEAVY);
        assertThat(moderate.ownNetwork()).isTrue();
        assertThat(moderate.memoryBytes()).isEqualTo(OptionalLong.of(512L << 20));
        assertThat(moderate.pids()).isEqualTo(OptionalInt.of(256));
        assertThat(moderate.timeout()).contains(Duration.ofMinutes(5));

        RunSettings permissive = resolve("--profile", "PERMISSIVE", "true");
        assertThat(permissive.seccomp().builtIn()).contains(SeccompProfile.NETWORK);
        assertThat(permissive.ownNetwork()).as("permissive uses user-mode networking, not the host's network").isFalse();
        assertThat(permissive.memoryBytes()).isEqualTo(OptionalLong.of(2L << 30));
        assertThat(permissive.pids()).isEqualTo(OptionalInt.of(1024));
        assertThat(permissive.timeout()).contains(Duration.ofHours(1));
    }

    @Test
    void presetsGrowLooserInEveryRespect() {
        List<SecurityPreset> presets = List.of(SecurityPreset.values());
        for (int i = 1; i < presets.size(); i++) {
            SecurityPreset tighter = presets.get(i - 1);
            SecurityPreset looser = presets.get(i);
            assertThat(looser.seccomp().includes(tighter.seccomp())).as(looser + " seccomp").isTrue();
            assertThat(looser.memoryBytes()).isGreaterThan(tighter.memoryBytes());
            assertThat(looser.pids()).isGreaterThan(tighter.pids());
            assertThat(looser.timeout()).isGreaterThan(tighter.timeout());
            assertThat(looser.cpuPercent()).isGreaterThan(tighter.cpuPercent());
        }
    }

    @Test
    void explicitOptionsOverrideThePreset() {
        RunSettings s = resolve("-P", "permissive", "-s", "essential", "-m", "64M", "--pids", "8", "-t", "500ms", "true");

        assertThat(s.preset()).isEqualTo(SecurityPreset.PERMISSIVE);
        assertThat(s.seccomp().builtIn()).contains(SeccompProfile.ESSENTIAL);
        assertThat(s.memoryBytes()).isEqualTo(OptionalLong.of(64L << 20));
        assertThat(s.pids()).isEqualTo(OptionalInt.of(8));
        assertThat(s.timeout()).contains(Duration.ofMillis(500));
        assertThat(s.ownNetwork()).as("not an option: stays the preset's").isFalse();
    }

    @Test
    void noneLiftsThePresetsLimit() {
        RunSettings s = resolve("-m", "none", "--pids", "none", "-t", "none", "-c", "none", "true");

        assertThat(s.memoryBytes()).isEmpty();
        assertThat(s.pids()).isEmpty();
        assertThat(s.timeout()).isEmpty();
        assertThat(s.cpuPercent()).isEmpty();
        assertThat(s.notApplied()).as("nothing asked for, nothing left out").isEmpty();
        assertThat(s.describe()).isEqualTo(
                "preset strict: seccomp minimal, own network (lo only), memory none, pids none, timeout none, cpu none");
    }

    @Test
    void thePresetsCpuLimitIsAskedForAndTheExecutorDecidesWhetherItHolds() {
        assertThat(resolve("true").cpuPercent()).isEqualTo(OptionalDouble.of(50));
        RunSettings explicit = resolve("-P", "permissive", "-c", "12.5", "true");
        assertThat(explicit.cpuPercent()).isEqualTo(OptionalDouble.of(12.5));
        assertThat(explicit.notApplied()).isEmpty();
        assertThat(explicit.describe()).endsWith("cpu 12.5%");
    }

    @Test
    void aCpuLimitLeftOutSaysWhy() {
        RunSettings s = resolve("-P", "moderate", "true").withoutCpu("unprivileged mode creates no cgroups");

        assertThat(s.cpuPercent()).isEmpty();
        assertThat(s.memoryBytes()).as("the rest stays").isEqualTo(OptionalLong.of(512L << 20));
        assertThat(s.notApplied()).containsExactly("cpu limit 75% is not applied: unprivileged mode creates no cgroups");
        assertThat(s.describe()).endsWith("cpu none; cpu limit 75% is not applied: unprivileged mode creates no cgroups");
    }
}
