package dev.sandbox4j.cli;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The run options and PROGRAM [ARGS...], as a picocli mixin named {@code runOptions} shared by
 * {@code sandbox-ctl} itself and its {@code run} subcommand. Values are validated as they are parsed (see
 * {@link OptionValues}).
 *
 * <p>The model is built in code ({@link #mixin()}), not read from annotations: picocli reads annotations by
 * reflection, with a proxy class per annotation type, which cost more than the rest of parsing on every
 * start. Option names, labels and descriptions are the same as picocli showed them before.
 */
final class RunOptionsSpec {
    private static final int PRESET = 0;
    private static final int MEMORY = 1;
    private static final int CPU = 2;
    private static final int TIMEOUT = 3;
    private static final int SECCOMP = 4;
    private static final int PIDS = 5;
    private static final int ROOT = 6;
    private static final int ID = 7;
    private static final int MODE = 8;
    private static final int ENV = 9;
    private static final int CWD = 10;
    private static final int REPORT = 11;
    private static final int COMMAND = 12;

    private SecurityPreset preset = SecurityPreset.STRICT;
    private Limit<Long> memoryBytes;
    private Limit<Double> cpuPercent;
    private Limit<java.time.Duration> timeout;
    private SeccompProfile seccompProfile;
    private Limit<Integer> pids;
    private Path root;
    private final FilesystemOptions filesystem = new FilesystemOptions();
    private String id;
    private PrivilegeMode mode = PrivilegeMode.AUTO;
    private List<EnvSetting> environment = new ArrayList<>();
    private Path workingDirectory;
    private String report;
    private List<String> command = new ArrayList<>();

    /** These options, the filesystem options among them, and PROGRAM [ARGS...], as a picocli mixin. */
    CommandSpec mixin() {
        CommandSpec mixin = CommandSpec.wrapWithoutInspection(this);
        mixin.addOption(option(PRESET, SecurityPreset.class, preset, new OptionValues.Preset(), "PRESET",
                "Security preset: strict, moderate or permissive (default: strict); "
                        + "'sandbox-ctl profiles' shows what each chooses.", "-P", "--profile"));
        mixin.addOption(option(MEMORY, Limit.class, memoryBytes, new OptionValues.Memory(), "SIZE",
                "Memory limit: 512M, 1.5G, 64KiB… (binary units: K = 1024), or none; default: the preset's.",
                "-m", "--memory"));
        mixin.addOption(option(CPU, Limit.class, cpuPercent, new OptionValues.Cpu(), "PERCENT",
                "CPU limit in percent of one CPU (50 or 50%%), greater than 0 and at most 100, or none.",
                "-c", "--cpu"));
        mixin.addOption(option(TIMEOUT, Limit.class, timeout, new OptionValues.Timeout(), "DURATION",
                "Wall-clock limit: 30 (seconds), 1.5s, 500ms, 2m, 1h, or none; the whole process tree "
                        + "is killed and sandbox-ctl exits 124. Default: the preset's.", "-t", "--timeout"));
        mixin.addOption(option(SECCOMP, SeccompProfile.class, seccompProfile, new OptionValues.Seccomp(), "PROFILE",
                "Seccomp profile: essential, minimal, io-heavy, compute, network or unrestricted "
                        + "(default: the preset's).", "-s", "--seccomp"));
        mixin.addOption(option(PIDS, Limit.class, pids, new OptionValues.Pids(), "N",
                "Maximum number of processes and threads, at least 3 (the sandbox's init counts "
                        + "too), or none; default: the preset's.", "--pids"));
        mixin.addOption(option(ROOT, Path.class, root, new OptionValues.Root(), "PATH",
                "Use directory PATH as the program's / (read-only unless --rw) instead of the default view: "
                        + "the host's /usr, /bin, /lib*, /etc read-only, a private /tmp, /proc, a minimal /dev, and the "
                        + "working directory read-only.", "-r", "--root"));
        mixin.addMixin("filesystem", filesystem.mixin());
        mixin.addOption(option(ID, String.class, id, new OptionValues.Id(), "ID",
                "Name of the sandbox (cgroup directory, report).", "-i", "--id"));
        mixin.addOption(option(MODE, PrivilegeMode.class, mode, new OptionValues.Mode(), "MODE",
                "auto, privileged or unprivileged (default: auto; see 'sandbox-ctl check').", "--mode"));
        mixin.addOption(bind(OptionSpec.builder("-e", "--env").type(List.class).auxiliaryTypes(EnvSetting.class)
                .converters(new OptionValues.Env()).paramLabel("NAME[=VALUE]")
                .description("Set a variable, or pass NAME through; the environment is otherwise empty. Repeatable."),
                ENV, environment).build());
        mixin.addOption(option(CWD, Path.class, workingDirectory, new OptionValues.WorkingDirectory(), "PATH",
                "Working directory of the program, an absolute path; default: the current directory (with "
                        + "-r/--root: /). In the default view a host directory is bound read-only at the same path; "
                        + "--bind DIR makes it writable.", "-w", "--cwd"));
        mixin.addOption(option(REPORT, String.class, report, new OptionValues.Report(), "PATH|-",
                "Write the result as one JSON object to PATH, or to stderr for '-'.", "--report"));
        mixin.addPositional(bind(PositionalParamSpec.builder().type(List.class).auxiliaryTypes(String.class)
                .arity("0..*").paramLabel("PROGRAM [ARGS...]").hideParamSyntax(true)
                .description("The program to run and its arguments; options after PROGRAM are its own."),
                COMMAND, command).build());
        return mixin;
    }

    private OptionSpec option(int slot, Class<?> type, Object initial, ITypeConverter<?> converter, String paramLabel,
            String description, String... names) {
        return bind(OptionSpec.builder(names).type(type).converters(converter).paramLabel(paramLabel)
                .description(description), slot, initial).build();
    }

    private OptionSpec.Builder bind(OptionSpec.Builder option, int slot, Object initial) {
        Slot binding = new Slot(slot);
        return option.getter(binding).setter(binding).initialValue(initial).hasInitialValue(true);
    }

    private PositionalParamSpec.Builder bind(PositionalParamSpec.Builder positional, int slot, Object initial) {
        Slot binding = new Slot(slot);
        return positional.getter(binding).setter(binding).initialValue(initial).hasInitialValue(true);
    }

    /** One option's value in this object, as picocli reads and writes it; a named class (see SandboxCtl). */
    private final class Slot implements IGetter, ISetter {
        private final int slot;

        Slot(int slot) {
            this.slot = slot;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) switch (slot) {
                case PRESET -> preset;
                case MEMORY -> memoryBytes;
                case CPU -> cpuPercent;
                case TIMEOUT -> timeout;
                case SECCOMP -> seccompProfile;
                case PIDS -> pids;
                case ROOT -> root;
                case ID -> id;
                case MODE -> mode;
                case ENV -> environment;
                case CWD -> workingDirectory;
                case REPORT -> report;
                default -> command;
            };
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T previous = get();
            switch (slot) {
                case PRESET -> preset = (SecurityPreset) value;
                case MEMORY -> memoryBytes = (Limit<Long>) value;
                case CPU -> cpuPercent = (Limit<Double>) value;
                case TIMEOUT -> timeout = (Limit<java.time.Duration>) value;
                case SECCOMP -> seccompProfile = (SeccompProfile) value;
                case PIDS -> pids = (Limit<Integer>) value;
                case ROOT -> root = (Path) value;
                case ID -> id = (String) value;
                case MODE -> mode = (PrivilegeMode) value;
                case ENV -> environment = (List<EnvSetting>) value;
                case CWD -> workingDirectory = (Path) value;
                case REPORT -> report = (String) value;
                default -> command = (List<String>) value;
            }
            return previous;
        }
    }

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
