package dev.sandbox4j.cli;

import dev.sandbox4j.cli.Converters.Env;
import dev.sandbox4j.cli.Converters.Limit;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The options of {@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]}, a mixin of the root command and of
 * {@code run}. The place to add a run option: a field and its declaration here, its setter call in
 * {@link ConfigMapping}. A {@code null} field was not given: the preset or the library's default applies.
 */
final class RunOptions {
    SecurityPreset preset = SecurityPreset.STRICT;
    Limit<Long> memory;
    Limit<Double> cpu;
    Limit<Duration> timeout;
    NamedSeccompFilter seccomp;
    Limit<Long> pids;
    String id;
    PrivilegeMode mode = PrivilegeMode.AUTO;
    List<Env> environment = new ArrayList<>();
    Path cwd;
    String report;
    final FilesystemOptions filesystem = new FilesystemOptions();
    final NetworkOptions network = new NetworkOptions();
    List<String> command = new ArrayList<>();

    /** The picocli model of these options; {@code null} when made in code rather than parsed. */
    private CommandSpec spec;

    /** These options, the filesystem ones and PROGRAM [ARGS...] as a picocli mixin. */
    CommandSpec mixin() {
        spec = CommandSpec.wrapWithoutInspection(this);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-P", "--profile")
                        .paramLabel("PRESET")
                        .type(SecurityPreset.class)
                        .converters(new Converters.Preset())
                        .description("Security preset: strict, moderate or permissive "
                                + "(default: strict); 'sandbox-ctl profiles' shows what each chooses."),
                () -> preset,
                v -> preset = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-m", "--memory")
                        .paramLabel("SIZE")
                        .type(Limit.class)
                        .converters(new Converters.Memory())
                        .description("Memory limit, at least 4 MiB: 512M, 1.5G, 64KiB… "
                                + "(binary units: K = 1024), or none; default: the preset's."),
                () -> memory,
                v -> memory = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-c", "--cpu")
                        .paramLabel("PERCENT")
                        .type(Limit.class)
                        .converters(new Converters.Cpu())
                        .description(
                                "CPU limit in percent of one CPU (50 or 50%%; 200 = two CPUs), up to 100 per CPU, or none."),
                () -> cpu,
                v -> cpu = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-t", "--timeout")
                        .paramLabel("DURATION")
                        .type(Limit.class)
                        .converters(new Converters.Timeout())
                        .description(
                                "Wall-clock limit: 30 (seconds), 1.5s, 500ms, 2m, 1h, "
                                        + "or none; the whole process tree is killed and sandbox-ctl exits 124. Default: the preset's."),
                () -> timeout,
                v -> timeout = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-s", "--seccomp")
                        .paramLabel("PROFILE")
                        .type(NamedSeccompFilter.class)
                        .converters(new Converters.Seccomp())
                        .description("Seccomp profile: essential, minimal, io-heavy, "
                                + "compute, network, unrestricted, a profile NAME from ~/.config/sandbox4j/seccomp or "
                                + "/etc/sandbox4j/seccomp, or an OCI/Docker JSON FILE (with a '/' or ending in .json); "
                                + "default: the preset's."),
                () -> seccomp,
                v -> seccomp = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--pids")
                        .paramLabel("N")
                        .type(Limit.class)
                        .converters(new Converters.Pids())
                        .description("Maximum number of processes and threads, at least 3 "
                                + "(the sandbox's init counts too), or none; default: the preset's."),
                () -> pids,
                v -> pids = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-i", "--id")
                        .paramLabel("ID")
                        .type(String.class)
                        .description("Name of the sandbox (cgroup directory, report)."),
                () -> id,
                v -> id = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--mode")
                        .paramLabel("MODE")
                        .type(PrivilegeMode.class)
                        .converters(new Converters.Mode())
                        .description("auto, privileged or unprivileged (default: auto; see 'sandbox-ctl check')."),
                () -> mode,
                v -> mode = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-e", "--env")
                        .paramLabel("NAME[=VALUE]")
                        .type(List.class)
                        .auxiliaryTypes(Env.class)
                        .converters(new Converters.EnvSetting())
                        .description("Set a variable, or "
                                + "pass NAME through; the environment is otherwise empty. Repeatable."),
                () -> environment,
                v -> environment = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-w", "--cwd")
                        .paramLabel("PATH")
                        .type(Path.class)
                        .converters(new Converters.PathValue())
                        .description("Working directory of the program, an absolute "
                                + "path the view shows; default: the current directory when the view shows it (--ro-bind . or "
                                + "--bind .), else / (with -r/--root: /). Nothing is bound unasked."),
                () -> cwd,
                v -> cwd = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--report")
                        .paramLabel("PATH|-")
                        .type(String.class)
                        .converters(new Converters.Report())
                        .description("Write the result as one JSON object to PATH, or to stderr for '-'."),
                () -> report,
                v -> report = v);
        spec.addMixin("filesystem", filesystem.mixin());
        spec.addMixin("network", network.mixin());
        SandboxCtl.Binding program = SandboxCtl.Binding.of(() -> command, (List<String> v) -> command = v);
        spec.addPositional(PositionalParamSpec.builder()
                .type(List.class)
                .auxiliaryTypes(String.class)
                .arity("0..*")
                .paramLabel("PROGRAM [ARGS...]")
                .hideParamSyntax(true)
                .description("The program to run and its arguments; options after PROGRAM are its own.")
                .getter(program)
                .setter(program)
                .initialValue(command)
                .hasInitialValue(true)
                .build());
        return spec;
    }

    /**
     * What the user typed for {@code option} ({@code "--a/--b"}: either) where the library saw {@code value}: the one
     * value typed, or of several the one that is {@code value} or its NAME or VALUE part; else {@code value} itself.
     */
    String typed(String option, String value) {
        for (String name : option.split("/")) {
            OptionSpec given = spec == null ? null : spec.findOption(name);
            List<String> texts = given == null ? List.of() : given.originalStringValues();
            if (texts.size() == 1 && !given.isMultiValue()) {
                return texts.get(0);
            }
            for (String text : texts) {
                if (value != null
                        && (text.equals(value)
                                || text.startsWith(value + "=")
                                || text.endsWith("=" + value)
                                || text.endsWith(":" + value))) {
                    return text;
                }
            }
        }
        return value;
    }

    /** The effective seccomp profile: {@code -s}, else the preset's. */
    NamedSeccompFilter seccompProfile() {
        return seccomp != null ? seccomp : NamedSeccompFilter.of(preset.seccomp());
    }

    Optional<String> program() {
        return command.isEmpty() ? Optional.empty() : Optional.of(command.get(0));
    }
}
