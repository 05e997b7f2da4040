package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]} was asked to do, parsed and validated.
 * An empty component means the option was not given and the preset or the library default applies; a limit
 * given as {@code none} is present and {@link Limit#none() none}.
 *
 * @param preset           {@code -P/--profile}
 * @param memoryBytes      {@code -m/--memory}, more than 0
 * @param cpuPercent       {@code -c/--cpu}, percent of one CPU, more than 0 (the library bounds it: 100 per CPU)
 * @param timeout          {@code -t/--timeout}, more than 0
 * @param seccompProfile   {@code -s/--seccomp}
 * @param pids             {@code --pids}, at least 1
 * @param root             {@code -r/--root}, the directory to use as the sandbox's root
 * @param filesystem       the other filesystem options ({@code --bind}, {@code --host-fs}, …)
 * @param id               {@code -i/--id}, names the sandbox (cgroup directory, report)
 * @param mode             {@code --mode}
 * @param environment      {@code -e/--env}, in command-line order
 * @param workingDirectory {@code -w/--cwd}, absolute (inside the sandbox; see {@link FilesystemSettings})
 * @param report           {@code --report}: a path, or {@code "-"} for stderr
 * @param verbose          {@code -v/--verbose}
 * @param command          PROGRAM and ARGS; empty when no program was given
 * @param network          {@code --network}, {@code --allow}, {@code --allow-host}, {@code --publish}
 */
record RunOptions(
        SecurityPreset preset,
        Optional<Limit<Long>> memoryBytes,
        Optional<Limit<Double>> cpuPercent,
        Optional<Limit<Duration>> timeout,
        Optional<NamedSeccompFilter> seccompProfile,
        Optional<Limit<Integer>> pids,
        Optional<Path> root,
        FilesystemSettings filesystem,
        Optional<String> id,
        PrivilegeMode mode,
        List<EnvSetting> environment,
        Optional<Path> workingDirectory,
        Optional<String> report,
        boolean verbose,
        List<String> command,
        NetworkOptions.Settings network) {

    /** Without network options: the preset's network. */
    RunOptions(SecurityPreset preset, Optional<Limit<Long>> memoryBytes, Optional<Limit<Double>> cpuPercent,
            Optional<Limit<Duration>> timeout, Optional<NamedSeccompFilter> seccompProfile, Optional<Limit<Integer>> pids,
            Optional<Path> root, FilesystemSettings filesystem, Optional<String> id, PrivilegeMode mode,
            List<EnvSetting> environment, Optional<Path> workingDirectory, Optional<String> report, boolean verbose,
            List<String> command) {
        this(preset, memoryBytes, cpuPercent, timeout, seccompProfile, pids, root, filesystem, id, mode, environment,
                workingDirectory, report, verbose, command, NetworkOptions.Settings.NONE);
    }

    RunOptions {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(filesystem, "filesystem");
        environment = List.copyOf(environment);
        command = List.copyOf(command);
        // The option parsers reject these first, with the user's text; this keeps the record honest for
        // any other caller.
        // Plain conditions, not predicates: this runs on every start, where each lambda costs a call-site link.
        Long bytes = value(memoryBytes);
        check("--memory", bytes, bytes == null || bytes > 0, "must be more than 0");
        Double percent = value(cpuPercent);
        check("--cpu", percent, percent == null || percent > 0, "must be more than 0");
        Duration t = value(timeout);
        check("--timeout", t, t == null || !t.isZero() && !t.isNegative(), "must be more than 0");
        Integer n = value(pids);
        check("--pids", n, n == null || n >= 1, "must be at least 1");
    }

    /** The limit's value; {@code null} when the option was not given or is {@code none}. */
    private static <T> T value(Optional<Limit<T>> limit) {
        return limit.isPresent() && limit.get().value().isPresent() ? limit.get().value().get() : null;
    }

    private static void check(String option, Object value, boolean valid, String problem) {
        if (!valid) {
            throw new InvalidConfigException(option, String.valueOf(value), problem);
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
