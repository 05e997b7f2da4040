package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One run's own settings, over a {@link Sandbox}'s: the command and, where given, its standard streams, time and
 * CPU-time limits, memory and pids limits, extra environment and working directory. What a request leaves out
 * comes from the sandbox's {@link SandboxConfig}, which stays the policy: a request may lower a limit the sandbox
 * sets, or set one it leaves unset, but never raise one (refused at {@code run}/{@code start}, naming the
 * setting). Immutable; build one with {@link #builder(List)}.
 *
 * <pre>{@code
 * SandboxResult r = sandbox.run(RunRequest.builder(List.of("./solution"))
 *         .stdin(Input.text(testInput))
 *         .timeout(Duration.ofSeconds(2))
 *         .cpuTimeLimit(Duration.ofSeconds(1))
 *         .memoryLimit(64L << 20)
 *         .build());
 * r.status();   // RunStatus.EXITED, CPU_TIME_LIMIT, MEMORY_LIMIT, …
 * }</pre>
 *
 * <p>Streams: {@link Sandbox#run(RunRequest)} cannot hand out streams, so a sandbox's {@link Output#pipe()} or
 * {@link Input#pipe()} default becomes capture (or no input) there, and a request that asks for a pipe in
 * {@code run} is refused; {@link Sandbox#start(RunRequest)} takes any.
 */
public final class RunRequest {
    private final List<String> command;
    private final Input stdin;
    private final Output stdout;
    private final Output stderr;
    private final Duration timeout;
    private final Duration cpuTimeLimit;
    private final Duration killGrace;
    private final Long memoryLimit;
    private final Long pidsLimit;
    private final Map<String, String> env;
    private final Path cwd;
    private final List<SandboxFile> files;
    private final Map<Path, Long> collect;

    private RunRequest(Builder b) {
        command = b.command;
        stdin = b.stdin;
        stdout = b.stdout;
        stderr = b.stderr;
        timeout = b.timeout;
        cpuTimeLimit = b.cpuTimeLimit;
        killGrace = b.killGrace;
        memoryLimit = b.memoryLimit;
        pidsLimit = b.pidsLimit;
        env = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        cwd = b.cwd;
        files = List.copyOf(b.files.values());
        collect = Collections.unmodifiableMap(new LinkedHashMap<>(b.collect));
    }

    /** A request to run {@code command} with the sandbox's settings for everything else. */
    public static RunRequest of(List<String> command) {
        return builder(command).build();
    }

    /** A builder for a request to run {@code command}, the program first, looked up in the sandbox's PATH. */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    public List<String> command() {
        return command;
    }

    public Optional<Input> stdin() {
        return Optional.ofNullable(stdin);
    }

    public Optional<Output> stdout() {
        return Optional.ofNullable(stdout);
    }

    public Optional<Output> stderr() {
        return Optional.ofNullable(stderr);
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    public Optional<Duration> cpuTimeLimit() {
        return Optional.ofNullable(cpuTimeLimit);
    }

    public Optional<Duration> killGrace() {
        return Optional.ofNullable(killGrace);
    }

    public OptionalLong memoryLimit() {
        return memoryLimit == null ? OptionalLong.empty() : OptionalLong.of(memoryLimit);
    }

    public OptionalLong pidsLimit() {
        return pidsLimit == null ? OptionalLong.empty() : OptionalLong.of(pidsLimit);
    }

    /** Variables added to (or replacing those of) the sandbox's environment, in order. */
    public Map<String, String> env() {
        return env;
    }

    public Optional<Path> cwd() {
        return Optional.ofNullable(cwd);
    }

    /** The files handed in, in order. */
    public List<SandboxFile> files() {
        return files;
    }

    /** The writable files to read back after the run, with the most bytes to read of each. */
    public Map<Path, Long> collect() {
        return collect;
    }

    @Override
    public String toString() {
        return "RunRequest" + command;
    }

    static Duration checkPositive(String setting, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidConfigException(setting, String.valueOf(value), "must be positive");
        }
        if (value.compareTo(SandboxBuilder.MAX_TIMEOUT) > 0) {
            throw new InvalidConfigException(
                    setting,
                    value.toString(),
                    "too long; at most " + SandboxBuilder.MAX_TIMEOUT.toDays() + " days (2^63-1 nanoseconds)");
        }
        return value;
    }

    static Duration checkGrace(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new InvalidConfigException("kill grace", String.valueOf(grace), "must be zero or positive");
        }
        if (grace.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new InvalidConfigException("kill grace", grace.toString(), "at most 10 minutes");
        }
        return grace;
    }

    /** Collects a request's settings; each is checked for form when set, and against the sandbox when run. */
    public static final class Builder {
        private final List<String> command;
        private Input stdin;
        private Output stdout;
        private Output stderr;
        private Duration timeout;
        private Duration cpuTimeLimit;
        private Duration killGrace;
        private Long memoryLimit;
        private Long pidsLimit;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path cwd;
        private final Map<Path, SandboxFile> files = new LinkedHashMap<>();
        private final Map<Path, Long> collect = new LinkedHashMap<>();

        private Builder(List<String> command) {
            Objects.requireNonNull(command, "command");
            if (command.isEmpty()) {
                throw new InvalidConfigException("command", "[]", "is empty; name the program to run");
            }
            this.command = List.copyOf(command);
        }

        public Builder stdin(Input stdin) {
            this.stdin = Objects.requireNonNull(stdin, "stdin");
            return this;
        }

        public Builder stdout(Output stdout) {
            this.stdout = Objects.requireNonNull(stdout, "stdout");
            return this;
        }

        public Builder stderr(Output stderr) {
            this.stderr = Objects.requireNonNull(stderr, "stderr");
            return this;
        }

        /** The wall-clock limit of this run; at most the sandbox's, if it sets one. */
        public Builder timeout(Duration timeout) {
            this.timeout = checkPositive("timeout", timeout);
            return this;
        }

        /** The CPU-time limit of this run ({@link SandboxBuilder#cpuTimeLimit}); at most the sandbox's. */
        public Builder cpuTimeLimit(Duration limit) {
            this.cpuTimeLimit = checkPositive("cpu time limit", limit);
            return this;
        }

        /** SIGTERM, this long, then SIGKILL, when the timeout expires ({@link SandboxBuilder#killGrace}). */
        public Builder killGrace(Duration grace) {
            this.killGrace = checkGrace(grace);
            return this;
        }

        /** The memory limit of this run, bytes; at most the sandbox's, if it sets one. */
        public Builder memoryLimit(long bytes) {
            CgroupConfig.builder().memoryBytes(bytes); // the same rule as the sandbox's setting
            this.memoryLimit = bytes;
            return this;
        }

        /** The pids limit of this run; at most the sandbox's, if it sets one. */
        public Builder pidsLimit(long pids) {
            SandboxConfig.builder().pidsLimit(pids); // the same rule as the sandbox's setting
            this.pidsLimit = pids;
            return this;
        }

        /** Sets a variable for this run, over the sandbox's environment. */
        public Builder env(String name, String value) {
            SandboxConfig.builder().env(name, value); // the same rules as the sandbox's
            env.put(name, value);
            return this;
        }

        /** The working directory inside (absolute). */
        public Builder cwd(Path cwd) {
            if (cwd == null || !cwd.isAbsolute()) {
                throw new InvalidConfigException("working directory", String.valueOf(cwd), "must be an absolute path");
            }
            this.cwd = cwd.normalize();
            return this;
        }

        /**
         * Hands the program a file ({@link SandboxFile}); needs a filesystem view. A second file at the same path
         * replaces the first. A writable file lives on the host's disk beneath sandbox4j's private directory while
         * the run lasts: bound its size with an {@code RLIMIT_FSIZE} ({@code RlimitConfig.fileSize}).
         */
        public Builder file(SandboxFile file) {
            files.put(Objects.requireNonNull(file, "file").path(), file);
            return this;
        }

        /**
         * Reads back a writable file of this request after the program has ended, before the run's teardown: its
         * first {@code maxBytes} bytes, cut beyond that ({@link CollectedFile#truncated()}); in
         * {@link SandboxResult#files()}.
         */
        public Builder collect(Path inside, long maxBytes) {
            if (inside == null || !inside.isAbsolute()) {
                throw new InvalidConfigException("collect", String.valueOf(inside), "must be an absolute path");
            }
            if (maxBytes < 0 || maxBytes > SandboxFile.MAX_BYTES) {
                throw new InvalidConfigException(
                        "collect " + inside + " limit",
                        Long.toString(maxBytes),
                        "must be 0 to " + SandboxFile.MAX_BYTES + " bytes");
            }
            collect.put(inside.normalize(), maxBytes);
            return this;
        }

        public RunRequest build() {
            return new RunRequest(this);
        }
    }
}
