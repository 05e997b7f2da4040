package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sandbox4j.cli.Converters.Env;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunOptionsTest {

    /** Parses args with the real command tree and returns what the top-level command collected. */
    static RunOptions parse(String... args) {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        commandLine.parseArgs(args);
        return commandLine.<SandboxCtl>getCommand().runOptions;
    }

    @Test
    void everyOptionIsParsedIntoTheRecord() {
        RunOptions options = parse(
                "-P",
                "moderate",
                "-m",
                "1.5G",
                "-c",
                "50%",
                "-t",
                "1.5s",
                "-s",
                "IO-heavy",
                "--pids",
                "64",
                "-r",
                "/srv/root",
                "-i",
                "job-1",
                "--mode",
                "unprivileged",
                "-e",
                "A=1",
                "-e",
                "HOME",
                "-w",
                "/work",
                "--report",
                "-",
                "-v",
                "--",
                "python3",
                "-c",
                "print(1)");

        assertThat(options.preset).isEqualTo(SecurityPreset.MODERATE);
        assertThat(options.memory.value()).contains(1610612736L);
        assertThat(options.cpu.value()).contains(50.0);
        assertThat(options.timeout.value()).contains(Duration.ofMillis(1500));
        assertThat(options.seccomp.builtIn()).contains(SeccompProfile.IO_HEAVY);
        assertThat(options.pids.value()).contains(64L);
        assertThat(options.filesystem.root).isEqualTo(Path.of("/srv/root"));
        assertThat(options.id).isEqualTo("job-1");
        assertThat(options.mode).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(options.environment)
                .extracting(Env::name, Env::value)
                .containsExactly(tuple("A", Optional.of("1")), tuple("HOME", Optional.empty()));
        assertThat(options.cwd).isEqualTo(Path.of("/work"));
        assertThat(options.report).isEqualTo("-");
        assertThat(options.program()).contains("python3");
        assertThat(options.command).containsExactly("python3", "-c", "print(1)");
    }

    @Test
    void defaultsLeaveLimitsUnset() {
        RunOptions options = parse("true");

        assertThat(options.preset).isEqualTo(SecurityPreset.STRICT);
        assertThat(options.mode).isEqualTo(PrivilegeMode.AUTO);
        assertThat(options.memory).isNull();
        assertThat(options.timeout).isNull();
        assertThat(options.seccomp).isNull();
        assertThat(options.seccompProfile().builtIn()).contains(SeccompProfile.MINIMAL);
        assertThat(options.environment).isEmpty();
        assertThat(options.command).containsExactly("true");
    }

    @Test
    void optionsAfterTheProgramBelongToIt() {
        RunOptions options = parse("-m", "1G", "grep", "-m", "1", "--memory", "x", "--", "-v");

        assertThat(options.memory.value()).contains(1L << 30);
        assertThat(options.command).containsExactly("grep", "-m", "1", "--memory", "x", "--", "-v");
    }

    @Test
    void aProgramNamedLikeASubcommandReachesTheRunnerAfterRunOrDoubleDash() {
        CommandLine commandLine = SandboxCtl.commandLine(() -> {
            throw new AssertionError("not needed");
        });
        CommandLine.ParseResult explicit = commandLine.parseArgs("run", "-m", "1G", "--", "check", "-v");
        RunOptions run =
                ((SandboxCtl.RunCommand) explicit.subcommand().commandSpec().userObject()).runOptions;
        assertThat(run.command).containsExactly("check", "-v");
        assertThat(run.memory.value()).contains(1L << 30);

        assertThat(parse("--", "check").command).containsExactly("check");
        assertThat(parse("true", "--memory").command)
                .as("after PROGRAM every word is the program's")
                .containsExactly("true", "--memory");
    }

    @Test
    void envValueMayContainEqualsSignsAndBeEmpty() {
        assertThat(parse("-e", "A=b=c", "-e", "A=", "-e", "A", "true").environment)
                .extracting(Env::name, Env::value, Env::passThrough)
                .containsExactly(
                        tuple("A", Optional.of("b=c"), false),
                        tuple("A", Optional.of(""), false),
                        tuple("A", Optional.empty(), true));
    }

    @Test
    void noneLiftsALimitAndIsDistinctFromAnOmittedOption() {
        RunOptions options = parse("-m", "none", "-t", "NONE", "--pids", "none", "-c", "none", "true");

        assertThat(options.memory.value()).isEmpty();
        assertThat(options.timeout.value()).isEmpty();
        assertThat(options.pids.value()).isEmpty();
        assertThat(options.cpu.value()).isEmpty();
    }

    @Test
    void seccompTakesAnOciJsonFileByPath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("only-read.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                        + " \"syscalls\": [{\"names\": [\"read\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");

        RunOptions options = parse("-s", file.toString(), "true");

        assertThat(options.seccomp.builtIn()).isEmpty();
        assertThat(options.seccomp.source()).isEqualTo(file.toString());
        assertThat(options.seccompProfile().filter().permittedSyscalls(Architecture.current()))
                .contains("read", "exit_group")
                .doesNotContain("write");
    }

    @Test
    void cpuMeansPercentOfOneCpuSo200IsTwoCpus() {
        assertThat(parse("--cpu", "200", "true").cpu.value()).contains(200.0);
        assertThat(parse("--cpu", "12.5%", "true").cpu.value()).contains(12.5);
    }
}
