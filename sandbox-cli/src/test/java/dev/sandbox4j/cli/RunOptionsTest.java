package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunOptionsTest {

    /** Parses args with the real command tree and returns what the top-level command collected. */
    private static RunOptions parse(String... args) {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        commandLine.parseArgs(args);
        SandboxCtl root = commandLine.getCommand();
        RunOptionsSpec spec = (RunOptionsSpec) commandLine.getCommandSpec().mixins().get("runOptions").userObject();
        return spec.toRunOptions(root.verbose());
    }

    @Test
    void everyOptionIsParsedIntoTheRecord() {
        RunOptions options = parse("-P", "moderate", "-m", "1.5G", "-c", "50%", "-t", "1.5s", "-s", "IO-heavy",
                "--pids", "64", "-r", "/srv/root", "-i", "job-1", "--mode", "unprivileged", "-e", "A=1", "-e", "HOME",
                "-w", "/work", "--report", "-", "-v", "--", "python3", "-c", "print(1)");

        assertThat(options.preset()).isEqualTo(SecurityPreset.MODERATE);
        assertThat(options.memoryBytes()).contains(Limit.of(1610612736L));
        assertThat(options.cpuPercent()).contains(Limit.of(50.0));
        assertThat(options.timeout()).contains(Limit.of(Duration.ofMillis(1500)));
        assertThat(options.seccompProfile().flatMap(NamedSeccompFilter::builtIn)).contains(SeccompProfile.IO_HEAVY);
        assertThat(options.pids()).contains(Limit.of(64));
        assertThat(options.root()).contains(Path.of("/srv/root"));
        assertThat(options.id()).contains("job-1");
        assertThat(options.mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(options.environment()).containsExactly(
                new EnvSetting("A", Optional.of("1")), new EnvSetting("HOME", Optional.empty()));
        assertThat(options.workingDirectory()).contains(Path.of("/work"));
        assertThat(options.report()).contains("-");
        assertThat(options.verbose()).isTrue();
        assertThat(options.program()).contains("python3");
        assertThat(options.arguments()).containsExactly("-c", "print(1)");
    }

    @Test
    void defaultsLeaveLimitsUnset() {
        RunOptions options = parse("true");

        assertThat(options.preset()).isEqualTo(SecurityPreset.STRICT);
        assertThat(options.mode()).isEqualTo(PrivilegeMode.AUTO);
        assertThat(options.memoryBytes()).isEmpty();
        assertThat(options.timeout()).isEmpty();
        assertThat(options.seccompProfile()).isEmpty();
        assertThat(options.environment()).isEmpty();
        assertThat(options.command()).containsExactly("true");
    }

    @Test
    void optionsAfterTheProgramBelongToIt() {
        RunOptions options = parse("-m", "1G", "grep", "-m", "1", "--memory", "x", "--", "-v");

        assertThat(options.memoryBytes()).contains(Limit.of(1L << 30));
        assertThat(options.command()).containsExactly("grep", "-m", "1", "--memory", "x", "--", "-v");
    }

    @Test
    void aProgramNamedLikeASubcommandReachesTheRunnerAfterRunOrDoubleDash() {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        CommandLine.ParseResult explicit = commandLine.parseArgs("run", "-m", "1G", "--", "check", "-v");
        RunOptionsSpec spec = (RunOptionsSpec) explicit.subcommand().commandSpec().mixins().get("runOptions").userObject();
        assertThat(spec.toRunOptions(false).command()).containsExactly("check", "-v");

        assertThat(parse("--", "check").command()).containsExactly("check");
        assertThat(parse("true", "--memory").command()).as("after PROGRAM every word is the program's")
                .containsExactly("true", "--memory");
    }

    @Test
    void envValueMayContainEqualsSignsAndBeEmpty() {
        assertThat(EnvSetting.parse("--env", "A=b=c")).isEqualTo(new EnvSetting("A", Optional.of("b=c")));
        assertThat(EnvSetting.parse("--env", "A=")).isEqualTo(new EnvSetting("A", Optional.of("")));
        assertThat(EnvSetting.parse("--env", "A").passThrough()).isTrue();
    }

    @Test
    void theRecordRejectsOutOfRangeValuesFromAnyCaller() {
        assertThatThrownBy(() -> new RunOptions(SecurityPreset.STRICT, Optional.empty(), Optional.of(Limit.of(-1.0)),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), FilesystemSettings.none(),
                Optional.empty(), PrivilegeMode.AUTO, List.of(), Optional.empty(), Optional.empty(), false, List.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --cpu '-1.0': must be more than 0");
    }

    @Test
    void cpuMeansPercentOfOneCpuUpTo100PerCpuAsInTheLibrary() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(OptionValues.cpu("50")).isEqualTo(50.0);
        assertThat(OptionValues.cpu(100 * cpus + "%")).isEqualTo(100.0 * cpus);
        assertThatThrownBy(() -> OptionValues.cpu(Integer.toString(100 * cpus + 1)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("invalid --cpu '" + (100 * cpus + 1) + "': more than the " + cpus + " CPU(s)");
    }

    @Test
    void noneLiftsALimitAndIsDistinctFromAnOmittedOption() {
        RunOptions options = parse("-m", "none", "-t", "NONE", "--pids", "none", "-c", "none", "true");

        assertThat(options.memoryBytes()).contains(Limit.none());
        assertThat(options.timeout()).contains(Limit.none());
        assertThat(options.pids()).contains(Limit.none());
        assertThat(options.cpuPercent()).contains(Limit.none());
    }

    @Test
    void aRelativeWorkingDirectoryIsRefusedAndAnAbsoluteOneNormalized() {
        assertThat(parse("-w", "/tmp/./x/../y", "true").workingDirectory()).contains(Path.of("/tmp/y"));
        assertThatThrownBy(() -> parse("-w", "sub", "true"))
                .hasRootCauseInstanceOf(InvalidConfigException.class)
                .hasRootCauseMessage("invalid --cwd 'sub': must be an absolute path (as seen inside the sandbox)");
    }

    @Test
    void theRecordIsImmutable() {
        RunOptions options = parse("-e", "A=1", "ls", "-l");

        assertThatThrownBy(() -> options.command().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> options.environment().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
