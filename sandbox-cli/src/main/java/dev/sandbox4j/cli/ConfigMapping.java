package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.util.function.Supplier;

/**
 * Turns the command line into the executor's {@link SandboxBuilder}: one setter per option, nothing decided
 * here that {@link RunSettings} has not decided already. The program's standard streams are sandbox-ctl's
 * own, untouched, as a command-line wrapper's must be.
 */
final class ConfigMapping {
    private ConfigMapping() {
    }

    /**
     * @throws InvalidConfigException naming the option, when the executor refuses a value the option parser
     *         let through (e.g. a memory limit under its 1 MiB floor)
     */
    static SandboxBuilder builder(RunOptions options, RunSettings settings) {
        SandboxBuilder builder = SandboxConfig.builder()
                .privilegeMode(options.mode())
                .namespaces(settings.ownNetwork() ? NamespaceConfig.all() : NamespaceConfig.all().without(Namespace.NET))
                .seccomp(settings.seccomp())
                .stdin(Input.inherit())
                .stdout(Output.inherit())
                .stderr(Output.inherit());
        options.id().ifPresent(builder::id);
        options.workingDirectory().ifPresent(builder::cwd);
        settings.timeout().ifPresent(builder::timeout);
        settings.memoryBytes().ifPresent(bytes ->
                asOption("--memory", () -> Sizes.format(bytes), () -> builder.memoryLimit(bytes)));
        settings.pids().ifPresent(n -> asOption("--pids", () -> Integer.toString(n), () -> builder.pidsLimit(n)));
        // The executor takes whole percents; rounding down keeps the limit from being larger than asked.
        settings.cpuPercent().ifPresent(percent -> asOption("--cpu", () -> RunSettings.formatPercent(percent),
                () -> builder.cpuPercent(Math.max(1, (int) Math.floor(percent)))));
        for (EnvSetting setting : options.environment()) {
            if (setting.passThrough()) {
                builder.passEnv(setting.name());
            } else {
                builder.env(setting.name(), setting.value().orElseThrow());
            }
        }
        return builder;
    }

    /** Runs a builder setter; its refusal is re-worded to name the option the user typed. */
    private static void asOption(String option, Supplier<String> value, Runnable setter) {
        try {
            setter.run();
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(option, value.get(), e.problem());
        }
    }
}
