package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one run gets: its {@link RunRequest} checked against and merged over the sandbox's configuration. The one
 * place where a request's value is refused for exceeding the sandbox's; everything after it reads these.
 */
final class RunSettings {
    final List<String> command;
    final Input stdin;
    final Output stdout;
    final Output stderr;
    final Duration timeout; // null: none
    final Duration cpuTimeLimit; // null: none
    final LimitMechanism cpuTimeMechanism; // null without a CPU-time limit
    final Duration killGrace;
    final LimitPlan limits;
    final java.util.OptionalLong memoryLimit; // as asked for, before any fallback to an rlimit
    final RlimitConfig rlimits;
    final Map<String, String> environment;
    final Path cwd; // null: the sandbox's default
    final RunFiles files;

    private RunSettings(SandboxConfig config, RunRequest request, boolean streaming) {
        command = request.command();
        stdin = streams(
                request.stdin(), config.stdin(), streaming, "stdin", c -> c.kind == Input.Kind.PIPE, Input.none());
        stdout = streams(
                request.stdout(),
                config.stdout(),
                streaming,
                "stdout",
                o -> o.kind == Output.Kind.PIPE,
                Output.capture());
        stderr = streams(
                request.stderr(),
                config.stderr(),
                streaming,
                "stderr",
                o -> o.kind == Output.Kind.PIPE,
                Output.capture());
        timeout = atMost("timeout", request.timeout(), config.timeout());
        cpuTimeLimit = atMost("cpu time limit", request.cpuTimeLimit(), config.cpuTimeLimit());
        cpuTimeMechanism = cpuTimeLimit == null ? null : config.cpuTimeMechanism();
        killGrace = request.killGrace().orElse(config.killGrace());
        limits = limitPlan(config, request);
        memoryLimit = request.memoryLimit().isPresent() ? request.memoryLimit() : config.memoryLimit();
        rlimits = withCpuRlimit(limits, cpuTimeLimit);
        Map<String, String> env = new LinkedHashMap<>(config.environment());
        env.putAll(request.env());
        environment = Collections.unmodifiableMap(env);
        cwd = request.cwd().orElse(config.cwd().orElse(null));
        files = new RunFiles(request.files(), request.collect());
    }

    static RunSettings of(SandboxConfig config, RunRequest request, boolean streaming) {
        return new RunSettings(config, request, streaming);
    }

    /** The sandbox's own settings for {@code command}, as a run without a request gets them. */
    static RunSettings of(SandboxConfig config, List<String> command, boolean streaming) {
        return new RunSettings(config, RunRequest.of(command), streaming);
    }

    /**
     * A request's stream, or the sandbox's. {@code run()} cannot hand out a pipe: a sandbox's pipe default becomes
     * capture (or no input) there, and a request's own pipe is refused.
     */
    private static <T> T streams(
            Optional<T> requested,
            T configured,
            boolean streaming,
            String setting,
            java.util.function.Predicate<T> isPipe,
            T insteadOfPipe) {
        if (requested.isPresent()) {
            if (!streaming && isPipe.test(requested.get())) {
                throw new InvalidConfigException(
                        setting,
                        requested.get().toString(),
                        "a pipe needs Sandbox.start(request); run() returns only when the program has ended");
            }
            return requested.get();
        }
        return !streaming && isPipe.test(configured) ? insteadOfPipe : configured;
    }

    private static Duration atMost(String setting, Optional<Duration> requested, Optional<Duration> configured) {
        if (requested.isEmpty()) {
            return configured.orElse(null);
        }
        if (configured.isPresent() && requested.get().compareTo(configured.get()) > 0) {
            throw new InvalidConfigException(
                    setting,
                    requested.get().toString(),
                    "above the sandbox's " + configured.get() + "; a run may lower it, not raise it");
        }
        return requested.get();
    }

    /** The sandbox's limit plan, or one for the request's lower memory or pids limit, resolved the same way. */
    private static LimitPlan limitPlan(SandboxConfig config, RunRequest request) {
        if (request.memoryLimit().isEmpty() && request.pidsLimit().isEmpty()) {
            return config.limitPlan();
        }
        CgroupConfig configured = config.resourceLimits();
        CgroupConfig.Builder limits = configured.toBuilder();
        if (request.memoryLimit().isPresent()) {
            long bytes = request.memoryLimit().getAsLong();
            if (configured.memoryBytes().isPresent()
                    && bytes > configured.memoryBytes().getAsLong()) {
                throw new InvalidConfigException(
                        "memory limit",
                        Sizes.format(bytes),
                        "above the sandbox's "
                                + Sizes.format(configured.memoryBytes().getAsLong())
                                + "; a run may lower it, not raise it");
            }
            limits.memoryBytes(bytes);
        }
        if (request.pidsLimit().isPresent()) {
            long pids = request.pidsLimit().getAsLong();
            if (configured.maxPids().isPresent() && pids > configured.maxPids().getAsInt()) {
                throw new InvalidConfigException(
                        "pids limit",
                        Long.toString(pids),
                        "above the sandbox's " + configured.maxPids().getAsInt()
                                + "; a run may lower it, not raise it");
            }
            limits.maxPids((int) pids);
        }
        return LimitPlan.resolve(
                config.id(),
                limits.build(),
                config.rlimits(),
                config.requestedMode(),
                config.mode(),
                config.cgroupHost());
    }

    /**
     * The plan's rlimits, plus {@code RLIMIT_CPU} where the CPU-time limit has no cgroup to watch (rounded up to
     * whole seconds; hard one second above; never above an explicit CPU rlimit).
     */
    static RlimitConfig withCpuRlimit(LimitPlan plan, Duration cpuTimeLimit) {
        if (cpuTimeLimit == null || plan.cgroup() != null) {
            return plan.rlimits();
        }
        RlimitConfig limited = RlimitConfig.builder().cpuTime(cpuTimeLimit).build();
        long seconds = limited.limits().get(RlimitConfig.Resource.CPU).hard();
        RlimitConfig.Limit explicit = plan.rlimits().limits().get(RlimitConfig.Resource.CPU);
        if (explicit != null && Long.compareUnsigned(explicit.hard(), seconds) <= 0) {
            return plan.rlimits();
        }
        // SIGXCPU at the limit, which only RLIMIT_CPU sends, so the verdict can tell; SIGKILL a second later for a
        // program that handles or ignores it.
        return plan.rlimits().toBuilder()
                .limit(RlimitConfig.Resource.CPU, seconds, seconds + 1)
                .build();
    }
}
