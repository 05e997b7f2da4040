package dev.sandbox4j.cli;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Turns the command line into the executor's {@link SandboxBuilder}: one setter per option, nothing decided
 * here that {@link RunSettings} has not decided already. The program's standard streams are sandbox-ctl's
 * own, untouched, as a command-line wrapper's must be. What is enforced, and how, is the built
 * {@link SandboxConfig}'s to say.
 */
final class ConfigMapping {
    private ConfigMapping() {
    }

    /**
     * The executor's configuration, and the settings it was built from.
     *
     * @param settings the settings, without the preset's cpu limit if the executor cannot enforce it here
     * @param config   the built configuration
     */
    record Configured(RunSettings settings, SandboxConfig config) {
        Configured {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(config, "config");
        }
    }

    /**
     * Builds the configuration, letting the executor decide what it can enforce. A cpu limit it cannot
     * enforce (no cpu cgroup: unprivileged mode) is dropped when it is only the preset's, so that the default
     * preset runs anywhere, and refused when the user asked for it with {@code --cpu}.
     *
     * @param currentDirectory sandbox-ctl's own working directory, the program's by default
     * @throws InvalidConfigException naming the option, when the executor refuses a value
     * @throws FeatureUnavailableException when this host cannot do what was asked (an explicit {@code --cpu},
     *         an unusable mode, Landlock): the environment, not the command line
     */
    static Configured build(RunOptions options, RunSettings settings, Path currentDirectory) {
        try {
            return new Configured(settings, builder(options, settings, currentDirectory).build());
        } catch (FeatureUnavailableException refused) {
            if (settings.cpuPercent().isEmpty()) {
                throw refused;
            }
            // Whether the cpu limit was what could not be had: the same configuration without it. If that is
            // refused too, its refusal is the one to report.
            RunSettings withoutCpu = settings.withoutCpu(refused.reason());
            SandboxConfig config = builder(options, withoutCpu, currentDirectory).build();
            if (options.cpuPercent().isPresent()) {
                throw new FeatureUnavailableException("--cpu " + RunSettings.formatPercent(settings.cpuPercent()
                        .getAsDouble()), refused.reason(), "Use --cpu none (and --timeout to bound the run), or run "
                        + "where the cpu cgroup controller is usable (privileged mode, see 'sandbox-ctl check')");
            }
            return new Configured(withoutCpu, config);
        }
    }

    /**
     * @param currentDirectory sandbox-ctl's own working directory, the program's by default
     * @throws InvalidConfigException naming the option, when the executor refuses a value the option parser
     *         let through (e.g. a memory limit under its 1 MiB floor)
     */
    static SandboxBuilder builder(RunOptions options, RunSettings settings, Path currentDirectory) {
        SandboxBuilder builder = SandboxConfig.builder()
                .privilegeMode(options.mode())
                .namespaces(NamespaceConfig.all())
                .network(options.network().toNetwork(settings.ownNetwork()))
                .seccomp(settings.seccomp().filter())
                .stdin(Input.inherit())
                .stdout(Output.inherit())
                .stderr(Output.inherit())
                // One sandbox per process: a launcher of its own is one spawn, as the fork server's start would
                // be, without loading the jnr-ffi binding the server's socket needs (~190 ms of a cold JVM).
                .forkServer(false);
        // Plain ifs rather than ifPresent lambdas: this runs on every start, where each lambda costs a link.
        if (options.id().isPresent()) {
            builder.id(options.id().get());
        }
        options.filesystem().applyTo(builder, options.root(), options.workingDirectory(), currentDirectory);
        if (settings.timeout().isPresent()) {
            builder.timeout(settings.timeout().get());
        }
        if (settings.memoryBytes().isPresent()) {
            long bytes = settings.memoryBytes().getAsLong();
            try {
                builder.memoryLimit(bytes);
            } catch (InvalidConfigException e) {
                throw asOption("--memory", Sizes.format(bytes), e);
            }
        }
        if (settings.pids().isPresent()) {
            int n = settings.pids().getAsInt();
            try {
                builder.pidsLimit(n);
            } catch (InvalidConfigException e) {
                throw asOption("--pids", Integer.toString(n), e);
            }
        }
        if (settings.cpuPercent().isPresent()) {
            double percent = settings.cpuPercent().getAsDouble();
            try {
                builder.cpuPercent(percent);
            } catch (InvalidConfigException e) {
                throw asOption("--cpu", RunSettings.formatPercent(percent), e);
            }
        }
        for (EnvSetting setting : options.environment()) {
            try {
                if (setting.passThrough()) {
                    builder.passEnv(setting.name());
                } else {
                    builder.env(setting.name(), setting.value().orElseThrow());
                }
            } catch (InvalidConfigException e) {
                throw asOption("--env", setting.passThrough() ? setting.name()
                        : setting.name() + "=" + setting.value().orElseThrow(), e);
            }
        }
        return builder;
    }

    /** A builder setter's refusal, re-worded to name the option the user typed. */
    private static InvalidConfigException asOption(String option, String value, InvalidConfigException refused) {
        return new InvalidConfigException(option, value, refused.problem());
    }
}
