package dev.sandbox4j.cli;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The run options and PROGRAM [ARGS...], as a picocli mixin shared by {@code sandbox-ctl} itself and its
 * {@code run} subcommand. Values are validated as they are parsed (see {@link OptionValues}).
 */
final class RunOptionsSpec {

    @Option(names = {"-P", "--profile"}, paramLabel = "PRESET", converter = OptionValues.Preset.class,
            description = "Security preset: strict, moderate or permissive (default: strict); "
                    + "'sandbox-ctl profiles' shows what each chooses.")
    private SecurityPreset preset = SecurityPreset.STRICT;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = OptionValues.Memory.class,
            description = "Memory limit: 512M, 1.5G, 64KiB… (binary units: K = 1024), or none; default: the preset's.")
    private Limit<Long> memoryBytes;

    @Option(names = {"-c", "--cpu"}, paramLabel = "PERCENT", converter = OptionValues.Cpu.class,
            description = "CPU limit in percent of one CPU (50 or 50%%), greater than 0 and at most 100, or none.")
    private Limit<Double> cpuPercent;

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION", converter = OptionValues.Timeout.class,
            description = "Wall-clock limit: 30 (seconds), 1.5s, 500ms, 2m, 1h, or none; the whole process tree "
                    + "is killed and sandbox-ctl exits 124. Default: the preset's.")
    private Limit<Duration> timeout;

    @Option(names = {"-s", "--seccomp"}, paramLabel = "PROFILE", converter = OptionValues.Seccomp.class,
            description = "Seccomp profile: essential, minimal, io-heavy, compute, network or unrestricted "
                    + "(default: the preset's).")
    private SeccompProfile seccompProfile;

    @Option(names = "--pids", paramLabel = "N", converter = OptionValues.Pids.class,
            description = "Maximum number of processes and threads, at least 3 (the launcher and the sandbox's init count too), or none; default: the preset's.")
    private Limit<Integer> pids;

    @Option(names = {"-r", "--root"}, paramLabel = "PATH", converter = OptionValues.Root.class,
            description = "Use directory PATH as the program's / (read-only unless --rw) instead of the default view: "
                    + "the host's /usr, /bin, /lib*, /etc read-only, a private /tmp, /proc, a minimal /dev, and the "
                    + "working directory read-only.")
    private Path root;

    @Mixin
    private FilesystemOptions filesystem;

    @Option(names = {"-i", "--id"}, paramLabel = "ID", converter = OptionValues.Id.class,
            description = "Name of the sandbox (cgroup directory, report).")
    private String id;

    @Option(names = "--mode", paramLabel = "MODE", converter = OptionValues.Mode.class,
            description = "auto, privileged or unprivileged (default: auto; see 'sandbox-ctl check').")
    private PrivilegeMode mode = PrivilegeMode.AUTO;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME[=VALUE]", converter = OptionValues.Env.class,
            description = "Set a variable, or pass NAME through; the environment is otherwise empty. Repeatable.")
    private List<EnvSetting> environment = new ArrayList<>();

    @Option(names = {"-w", "--cwd"}, paramLabel = "PATH", converter = OptionValues.WorkingDirectory.class,
            description = "Working directory of the program, an absolute path; default: the current directory (with "
                    + "-r/--root: /). In the default view a host directory is bound read-only at the same path; "
                    + "--bind DIR makes it writable.")
    private Path workingDirectory;

    @Option(names = "--report", paramLabel = "PATH|-", converter = OptionValues.Report.class,
            description = "Write the result as one JSON object to PATH, or to stderr for '-'.")
    private String report;

    @Parameters(paramLabel = "PROGRAM [ARGS...]", hideParamSyntax = true, arity = "0..*",
            description = "The program to run and its arguments; options after PROGRAM are its own.")
    private List<String> command = new ArrayList<>();

    RunOptions toRunOptions(boolean verbose) {
        return new RunOptions(
                preset,
                Optional.ofNullable(memoryBytes),
                Optional.ofNullable(cpuPercent),
                Optional.ofNullable(timeout),
                Optional.ofNullable(seccompProfile),
                Optional.ofNullable(pids),
                Optional.ofNullable(root),
                filesystem.toSettings(),
                Optional.ofNullable(id),
                mode,
                environment,
                Optional.ofNullable(workingDirectory),
                Optional.ofNullable(report),
                verbose,
                command);
    }
}
