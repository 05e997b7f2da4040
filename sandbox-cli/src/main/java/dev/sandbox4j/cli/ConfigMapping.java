package dev.sandbox4j.cli;

import dev.sandbox4j.cli.Converters.Env;
import dev.sandbox4j.cli.Converters.Limit;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The run options and their preset, applied to the library's {@link SandboxBuilder}. The library validates every
 * value; its refusals are renamed here, in {@link #OPTIONS}, to the option the user typed.
 */
final class ConfigMapping {

    /** The library's name for a setting, and the option that sets it. */
    static final Map<String, String> OPTIONS = Map.of(
            "memory limit", "--memory",
            "pids limit", "--pids",
            "cpu limit", "--cpu",
            "timeout", "--timeout",
            "sandbox id", "--id",
            "working directory", "--cwd",
            "environment variable name", "--env",
            "environment variable", "--env", // "environment variable NAME": its value
            "tmpfs size", "--tmpfs", // "tmpfs size for /dst"
            "Landlock path", "--landlock-ro/--landlock-rw");

    private ConfigMapping() {}

    /**
     * The configuration, and the preset limits left out because this host cannot enforce them (one phrase each).
     */
    record Configured(SandboxConfig config, List<String> notApplied) {}

    /**
     * Builds the configuration. A cpu limit the library cannot enforce here (no cpu cgroup: unprivileged mode) is left
     * out when it is only the preset's, so that every preset runs anywhere, and refused when given with {@code --cpu}.
     *
     * @param currentDirectory sandbox-ctl's own working directory, the program's by default
     * @throws InvalidConfigException naming the option: a bad command line
     * @throws FeatureUnavailableException when this host cannot do what was asked
     */
    static Configured build(RunOptions options, Path currentDirectory) {
        return build(options, currentDirectory, UnaryOperator.identity());
    }

    /** {@link #build(RunOptions, Path)} with what a subcommand adds to the run's builder ({@code seccomp learn}). */
    static Configured build(RunOptions options, Path currentDirectory, UnaryOperator<SandboxBuilder> adjust) {
        SandboxBuilder builder = adjust.apply(builder(options, currentDirectory));
        try {
            return new Configured(builder.build(), List.of());
        } catch (FeatureUnavailableException refused) {
            Optional<Double> cpu = cpu(options);
            if (cpu.isEmpty()) {
                throw refused;
            }
            // Whether the cpu limit was what could not be had: the same without it. If that is refused too, that
            // refusal is the one to report.
            SandboxConfig config = builder.noCpuLimit().build();
            String percent = percent(cpu.get());
            if (options.cpu != null) {
                throw new FeatureUnavailableException(
                        "--cpu " + percent,
                        refused.reason(),
                        "Use --cpu none (and --timeout "
                                + "to bound the run), or run where the cpu cgroup controller is usable (privileged mode, see "
                                + "'sandbox-ctl check')");
            }
            return new Configured(config, List.of("cpu limit " + percent + " is not applied: " + refused.reason()));
        }
    }

    /** The builder for {@code options}: the preset's choices, overridden by the options given. */
    static SandboxBuilder builder(RunOptions options, Path currentDirectory) {
        SecurityPreset preset = options.preset;
        SandboxBuilder builder = SandboxConfig.builder()
                .privilegeMode(options.mode)
                .namespaces(NamespaceConfig.all())
                .network(options.network.toSettings().toNetwork(preset.ownNetwork()))
                .seccomp(options.seccompProfile().filter())
                // The program's standard streams are sandbox-ctl's own, untouched.
                .stdin(Input.inherit())
                .stdout(Output.inherit())
                .stderr(Output.inherit())
                // One run per process: a launcher of its own costs what starting the fork server would.
                .forkServer(false);
        try {
            if (options.id != null) {
                builder.id(options.id);
            }
            options.filesystem.applyTo(builder, options.cwd, currentDirectory);
            choose(options.timeout, preset.timeout()).ifPresent(builder::timeout);
            choose(options.memory, preset.memoryBytes()).ifPresent(builder::memoryLimit);
            choose(options.pids, (long) preset.pids()).ifPresent(builder::pidsLimit);
            cpu(options).ifPresent(builder::cpuPercent);
            for (Env env : options.environment) {
                if (env.passThrough()) {
                    builder.passEnv(env.name());
                } else {
                    builder.env(env.name(), env.value().get());
                }
            }
        } catch (InvalidConfigException e) {
            throw asOption(e, options);
        }
        return builder;
    }

    /** The cpu limit asked for: {@code --cpu}, else the preset's. */
    static Optional<Double> cpu(RunOptions options) {
        return choose(options.cpu, (double) options.preset.cpuPercent());
    }

    /** The option if given ({@code none}: no limit), else the preset's value. */
    private static <T> Optional<T> choose(Limit<T> option, T presetValue) {
        return option != null ? option.value() : Optional.of(presetValue);
    }

    /** The library's refusal, naming the option and the value as typed; unchanged for a setting no option sets. */
    static InvalidConfigException asOption(InvalidConfigException e, RunOptions options) {
        String option = e.setting() == null ? null : optionFor(e.setting());
        if (option == null) {
            return e;
        }
        return new InvalidConfigException(option, options.typed(option, e.value()), e.problem());
    }

    /** The option for a setting named exactly, or with a detail after its name ("environment variable PATH"). */
    private static String optionFor(String setting) {
        String option = OPTIONS.get(setting);
        for (int space = setting.indexOf(' '); option == null && space > 0; space = setting.indexOf(' ', space + 1)) {
            option = OPTIONS.get(setting.substring(0, space));
        }
        return option;
    }

    static String percent(double percent) {
        return (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }
}
