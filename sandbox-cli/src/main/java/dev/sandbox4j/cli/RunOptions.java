package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Everything {@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]} was asked to do, parsed and validated.
 * An empty component means the option was not given and the preset or the library default applies.
 *
 * @param preset           {@code -P/--profile}
 * @param memoryBytes      {@code -m/--memory}, more than 0
 * @param cpuPercent       {@code -c/--cpu}, percent of one CPU in (0, 100]
 * @param timeout          {@code -t/--timeout}, more than 0
 * @param seccompProfile   {@code -s/--seccomp}, a profile name the seccomp module resolves
 * @param pids             {@code --pids}, at least 1
 * @param root             {@code -r/--root}, the directory to use as the sandbox's root
 * @param id               {@code -i/--id}, names the sandbox (cgroup directory, report)
 * @param mode             {@code --mode}
 * @param environment      {@code -e/--env}, in command-line order
 * @param workingDirectory {@code -w/--cwd}
 * @param report           {@code --report}: a path, or {@code "-"} for stderr
 * @param verbose          {@code -v/--verbose}
 * @param command          PROGRAM and ARGS; empty when no program was given
 */
record RunOptions(
        SecurityPreset preset,
        OptionalLong memoryBytes,
        OptionalDouble cpuPercent,
        Optional<Duration> timeout,
        Optional<String> seccompProfile,
        OptionalInt pids,
        Optional<Path> root,
        Optional<String> id,
        PrivilegeMode mode,
        List<EnvSetting> environment,
        Optional<Path> workingDirectory,
        Optional<String> report,
        boolean verbose,
        List<String> command) {

    RunOptions {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(mode, "mode");
        environment = List.copyOf(environment);
        command = List.copyOf(command);
        // The option parsers reject these first, with the user's text; this keeps the record honest for
        // any other caller.
        if (memoryBytes.isPresent() && memoryBytes.getAsLong() <= 0) {
            throw new InvalidConfigException("--memory", String.valueOf(memoryBytes.getAsLong()), "must be more than 0");
        }
        if (cpuPercent.isPresent() && !(cpuPercent.getAsDouble() > 0 && cpuPercent.getAsDouble() <= 100)) {
            throw new InvalidConfigException("--cpu", String.valueOf(cpuPercent.getAsDouble()), "must be in (0, 100]");
        }
        if (timeout.isPresent() && (timeout.get().isZero() || timeout.get().isNegative())) {
            throw new InvalidConfigException("--timeout", timeout.get().toString(), "must be more than 0");
        }
        if (pids.isPresent() && pids.getAsInt() < 1) {
            throw new InvalidConfigException("--pids", String.valueOf(pids.getAsInt()), "must be at least 1");
        }
    }

    /** PROGRAM, when one was given. */
    Optional<String> program() {
        return command.isEmpty() ? Optional.empty() : Optional.of(command.get(0));
    }

    /** ARGS: the arguments after PROGRAM. */
    List<String> arguments() {
        return command.isEmpty() ? List.of() : command.subList(1, command.size());
    }
}
