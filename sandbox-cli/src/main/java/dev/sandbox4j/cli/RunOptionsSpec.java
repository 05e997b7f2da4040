package dev.sandbox4j.cli;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The run options and PROGRAM [ARGS...], declared once ({@link OptionTable}) for picocli, as a mixin named
 * {@code runOptions} shared by {@code sandbox-ctl} itself and its {@code run} subcommand, and for the
 * {@link QuickParser}. Values are validated as they are parsed (see {@link OptionValues}).
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
    private NamedSeccompFilter seccompProfile;
    private Limit<Integer> pids;
    private Path root;
    private final FilesystemOptions filesystem = new FilesystemOptions();
    private final NetworkOptions network = new NetworkOptions();
    private String id;
    private PrivilegeMode mode = PrivilegeMode.AUTO;
    private List<EnvSetting> environment = new ArrayList<>();
    private Path workingDirectory;
    private String report;
    private List<String> command = new ArrayList<>();

    /** These options, the filesystem options among them, and PROGRAM [ARGS...], as a picocli mixin. */
    CommandSpec mixin() {
        PicocliOptions options = new PicocliOptions(this);
        declare(options);
        options.mixin().addMixin("filesystem", filesystem.mixin());
        options.mixin().addMixin("network", network.mixin());
        return options.mixin();
    }

    /** These options, the filesystem options among them, and PROGRAM [ARGS...], for the quick parser. */
    void declareAll(QuickParser parser) {
        declare(parser);
        filesystem.declare(parser);
        network.declare(parser);
    }

    /** These options (not the filesystem ones) and PROGRAM [ARGS...]. */
    private void declare(OptionTable table) {
        table.single(new Slot(PRESET), SecurityPreset.class, new OptionValues.Preset(), "PRESET",
                "Security preset: strict, moderate or permissive (default: strict); "
                        + "'sandbox-ctl profiles' shows what each chooses.", "-P", "--profile");
        table.single(new Slot(MEMORY), Limit.class, new OptionValues.Memory(), "SIZE",
                "Memory limit: 512M, 1.5G, 64KiB… (binary units: K = 1024), or none; default: the preset's.",
                "-m", "--memory");
        table.single(new Slot(CPU), Limit.class, new OptionValues.Cpu(), "PERCENT",
                "CPU limit in percent of one CPU (50 or 50%%; 200 = two CPUs), up to 100 per CPU, or none.",
                "-c", "--cpu");
        table.single(new Slot(TIMEOUT), Limit.class, new OptionValues.Timeout(), "DURATION",
                "Wall-clock limit: 30 (seconds), 1.5s, 500ms, 2m, 1h, or none; the whole process tree "
                        + "is killed and sandbox-ctl exits 124. Default: the preset's.", "-t", "--timeout");
        table.single(new Slot(SECCOMP), NamedSeccompFilter.class, new OptionValues.Seccomp(), "PROFILE",
                "Seccomp profile: essential, minimal, io-heavy, compute, network, unrestricted, a profile "
                        + "NAME from ~/.config/sandbox4j/seccomp or /etc/sandbox4j/seccomp, or an OCI/Docker "
                        + "JSON FILE (with a '/' or ending in .json); default: the preset's.", "-s", "--seccomp");
        table.single(new Slot(PIDS), Limit.class, new OptionValues.Pids(), "N",
                "Maximum number of processes and threads, at least 3 (the sandbox's init counts "
                        + "too), or none; default: the preset's.", "--pids");
        table.single(new Slot(ROOT), Path.class, new OptionValues.Root(), "PATH",
                "Use directory PATH as the program's / (read-only unless --rw) instead of the default view: "
                        + "the host's /usr, /bin, /lib*, /etc read-only, a private /tmp, /proc and a minimal /dev.", "-r",
                "--root");
        table.single(new Slot(ID), String.class, new OptionValues.Id(), "ID",
                "Name of the sandbox (cgroup directory, report).", "-i", "--id");
        table.single(new Slot(MODE), PrivilegeMode.class, new OptionValues.Mode(), "MODE",
                "auto, privileged or unprivileged (default: auto; see 'sandbox-ctl check').", "--mode");
        table.repeatable(new Slot(ENV), EnvSetting.class, new OptionValues.Env(), "NAME[=VALUE]",
                "Set a variable, or pass NAME through; the environment is otherwise empty. Repeatable.",
                "-e", "--env");
        table.single(new Slot(CWD), Path.class, new OptionValues.WorkingDirectory(), "PATH",
                "Working directory of the program, an absolute path the view shows; default: the current "
                        + "directory when the view shows it (--ro-bind . or --bind .), else / (with -r/--root: /). "
                        + "Nothing is bound unasked.", "-w", "--cwd");
        table.single(new Slot(REPORT), String.class, new OptionValues.Report(), "PATH|-",
                "Write the result as one JSON object to PATH, or to stderr for '-'.", "--report");
        table.program(new Slot(COMMAND), "PROGRAM [ARGS...]",
                "The program to run and its arguments; options after PROGRAM are its own.");
    }

    /** One option's value in this object, as the parsers read and write it; a named class (see SandboxCtl). */
    private final class Slot implements OptionTable.Binding {
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
                case SECCOMP -> seccompProfile = (NamedSeccompFilter) value;
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
                command,
                network.toSettings());
    }
}
