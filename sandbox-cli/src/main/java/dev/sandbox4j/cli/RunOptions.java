package dev.sandbox4j.cli;

import dev.sandbox4j.cli.Converters.Env;
import dev.sandbox4j.cli.Converters.Limit;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The options of {@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]}, a mixin of the root command and of
 * {@code run}. The place to add a run option: a field here, its setter call in {@link ConfigMapping}. A {@code null}
 * field was not given: the preset or the library's default applies.
 */
final class RunOptions {

    @Option(names = {"-P", "--profile"}, paramLabel = "PRESET", converter = Converters.Preset.class,
            description = "Security preset: strict, moderate or permissive (default: strict); "
                    + "'sandbox-ctl profiles' shows what each chooses.")
    SecurityPreset preset = SecurityPreset.STRICT;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = Converters.Memory.class,
            description = "Memory limit, at least 4 MiB: 512M, 1.5G, 64KiB… (binary units: K = 1024), or none; "
                    + "default: the preset's.")
    Limit<Long> memory;

    @Option(names = {"-c", "--cpu"}, paramLabel = "PERCENT", converter = Converters.Cpu.class,
            description = "CPU limit in percent of one CPU (50 or 50%%), at least 1 and at most 100, or none.")
    Limit<Double> cpu;

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION", converter = Converters.Timeout.class,
            description = "Wall-clock limit: 30 (seconds), 1.5s, 500ms, 2m, 1h, or none; the whole process tree "
                    + "is killed and sandbox-ctl exits 124. Default: the preset's.")
    Limit<Duration> timeout;

    @Option(names = {"-s", "--seccomp"}, paramLabel = "PROFILE", converter = Converters.Seccomp.class,
            description = "Seccomp profile: essential, minimal, io-heavy, compute, network or unrestricted "
                    + "(default: the preset's).")
    SeccompProfile seccomp;

    @Option(names = "--pids", paramLabel = "N", converter = Converters.Pids.class,
            description = "Maximum number of processes and threads, at least 3 (the sandbox's init counts "
                    + "too), or none; default: the preset's.")
    Limit<Long> pids;

    @Option(names = {"-i", "--id"}, paramLabel = "ID", description = "Name of the sandbox (cgroup directory, report).")
    String id;

    @Option(names = "--mode", paramLabel = "MODE", converter = Converters.Mode.class,
            description = "auto, privileged or unprivileged (default: auto; see 'sandbox-ctl check').")
    PrivilegeMode mode = PrivilegeMode.AUTO;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME[=VALUE]", converter = Converters.EnvSetting.class,
            description = "Set a variable, or pass NAME through; the environment is otherwise empty. Repeatable.")
    List<Env> environment = new ArrayList<>();

    @Option(names = {"-w", "--cwd"}, paramLabel = "PATH", converter = Converters.PathValue.class,
            description = "Working directory of the program, an absolute path the view shows; default: the current "
                    + "directory when the view shows it (--ro-bind . or --bind .), else / (with -r/--root: /). "
                    + "Nothing is bound unasked.")
    Path cwd;

    @Option(names = "--report", paramLabel = "PATH|-", converter = Converters.Report.class,
            description = "Write the result as one JSON object to PATH, or to stderr for '-'.")
    String report;

    @Mixin
    FilesystemOptions filesystem = new FilesystemOptions();

    @Parameters(paramLabel = "PROGRAM [ARGS...]", arity = "0..*", hideParamSyntax = true,
            description = "The program to run and its arguments; options after PROGRAM are its own.")
    List<String> command = new ArrayList<>();

    /** The command these options were parsed for; {@code null} when made in code. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

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
                if (value != null && (text.equals(value) || text.startsWith(value + "=") || text.endsWith("=" + value))) {
                    return text;
                }
            }
        }
        return value;
    }

    /** The effective seccomp profile: {@code -s}, else the preset's. */
    SeccompProfile seccompProfile() {
        return seccomp != null ? seccomp : preset.seccomp();
    }

    Optional<String> program() {
        return command.isEmpty() ? Optional.empty() : Optional.of(command.get(0));
    }
}
