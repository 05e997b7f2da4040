package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfileRegistry;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;

/**
 * picocli converters for the option values: text to a typed value, or an {@link InvalidConfigException} naming the
 * option. They check only the form of a value (what a number or a path looks like here); its bounds are the
 * library's, checked once in the builder and mapped back to the option by {@link ConfigMapping}.
 */
final class Converters {
    private Converters() {}

    /**
     * A limit option's value ({@code --memory}, {@code --cpu}, {@code --pids}, {@code --timeout}): a limit, or
     * {@code none} to lift the preset's. An option not given at all is a {@code null} field: then the preset decides.
     *
     * @param value the limit, or empty for {@code none}
     * @param text  what was typed, for messages
     */
    record Limit<T>(Optional<T> value, String text) {
        static final String NONE = "none";

        Limit {
            Objects.requireNonNull(value, "value");
        }

        static <T> Limit<T> of(T value) {
            return new Limit<>(Optional.of(value), String.valueOf(value));
        }

        static <T> Limit<T> none() {
            return new Limit<>(Optional.empty(), NONE);
        }

        /** {@code none} (any case), or {@code parser}'s value; 0 is refused, since {@code none} is how no limit is said. */
        static <T> Limit<T> parse(String option, String text, Function<String, T> parser, String zeroHint) {
            if (text != null && text.strip().equalsIgnoreCase(NONE)) {
                return new Limit<>(Optional.empty(), text);
            }
            T value = parser.apply(text);
            if (value instanceof Number n && n.doubleValue() == 0 || value instanceof Duration d && d.isZero()) {
                throw new InvalidConfigException(option, text, "must be more than 0; " + zeroHint);
            }
            return new Limit<>(Optional.of(value), text);
        }
    }

    /**
     * {@code -e NAME=VALUE} sets a variable; {@code -e NAME} passes the caller's through.
     *
     * @param value empty to pass the caller's value through
     */
    record Env(String name, Optional<String> value, String text) {
        boolean passThrough() {
            return value.isEmpty();
        }
    }

    static final class Memory implements ITypeConverter<Limit<Long>> {
        @Override
        public Limit<Long> convert(String text) {
            return Limit.parse("--memory", text, t -> Sizes.parse("--memory", t), "use 'none' for no limit");
        }
    }

    static final class Timeout implements ITypeConverter<Limit<Duration>> {
        @Override
        public Limit<Duration> convert(String text) {
            return Limit.parse(
                    "--timeout",
                    text,
                    t -> Durations.parse("--timeout", t),
                    "use 'none' to wait for the program however long it runs");
        }
    }

    /**
     * A percentage of one CPU, as plain decimals: {@code 50}, {@code 50%}, {@code 12.5}, {@code 200} for two CPUs.
     * Its bounds (at least 1, at most 100 per CPU) are the library's.
     */
    static final class Cpu implements ITypeConverter<Limit<Double>> {
        @Override
        public Limit<Double> convert(String text) {
            return Limit.parse("--cpu", text, Cpu::percent, "use 'none' for no limit");
        }

        private static double percent(String text) {
            String number = text == null ? "" : text.strip();
            if (number.endsWith("%")) {
                number = number.substring(0, number.length() - 1).strip();
            }
            // Not Double.parseDouble alone: it would also take "1e2", "NaN" and hexadecimal.
            double percent = number.matches("\\d{1,7}(\\.\\d+)?") ? Double.parseDouble(number) : Double.NaN;
            if (!(percent > 0)) {
                throw new InvalidConfigException(
                        "--cpu",
                        text,
                        "expected a percentage of one CPU greater than 0, e.g. 50, 200 for two CPUs, or 'none'");
            }
            return percent;
        }
    }

    static final class Pids implements ITypeConverter<Limit<Long>> {
        @Override
        public Limit<Long> convert(String text) {
            return Limit.parse("--pids", text, Pids::count, "use 'none' for no limit");
        }

        private static long count(String text) {
            String digits = text == null ? "" : text.strip();
            if (!digits.matches("\\d+")) {
                throw new InvalidConfigException("--pids", text, "expected a whole number of processes, or 'none'");
            }
            // Beyond a long is beyond any bound: the library names its maximum.
            return digits.replaceFirst("^0+(?=.)", "").length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
        }
    }

    /** A built-in or registered name, NAME.json in the profile directories, or an OCI JSON file. */
    static final class Seccomp implements ITypeConverter<NamedSeccompFilter> {
        @Override
        public NamedSeccompFilter convert(String text) {
            try {
                return SeccompProfileRegistry.standard().resolve(text);
            } catch (InvalidConfigException e) {
                // A bad file's message already names the file, the JSON path and the problem.
                throw e.setting() == null
                        ? new InvalidConfigException("--seccomp: " + e.getMessage())
                        : new InvalidConfigException("--seccomp", text, e.problem());
            }
        }
    }

    static final class Mode implements ITypeConverter<PrivilegeMode> {
        @Override
        public PrivilegeMode convert(String text) {
            return choice("--mode", PrivilegeMode.class, text);
        }
    }

    static final class Preset implements ITypeConverter<SecurityPreset> {
        @Override
        public SecurityPreset convert(String text) {
            return choice("--profile", SecurityPreset.class, text);
        }
    }

    static final class EnvSetting implements ITypeConverter<Env> {
        @Override
        public Env convert(String text) {
            int equals = text.indexOf('=');
            return equals < 0
                    ? new Env(text, Optional.empty(), text)
                    : new Env(text.substring(0, equals), Optional.of(text.substring(equals + 1)), text);
        }
    }

    /** Paths: {@code -r}, {@code -w}, {@code --landlock-*} (inside paths are checked for being absolute by the library). */
    static final class PathValue implements ITypeConverter<Path> {
        @Override
        public Path convert(String text) {
            return path("a path option", text);
        }
    }

    static final class Report implements ITypeConverter<String> {
        @Override
        public String convert(String text) {
            String target = text.equals(RunReport.STDERR)
                    ? text
                    : path("--report", text).toString();
            // Checked before the program runs: a report that cannot be written must not cost a whole run.
            Optional<String> problem = RunReport.problemWith(target);
            if (problem.isPresent()) {
                throw new InvalidConfigException("--report", text, problem.get());
            }
            return target;
        }
    }

    static Path path(String option, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigException(option, text, "expected a path");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new InvalidConfigException(option, text, "expected a path (" + e.getReason() + ")");
        }
    }

    static <E extends Enum<E>> E choice(String option, Class<E> type, String text) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text == null ? "" : text.strip())) {
                return constant;
            }
        }
        String choices = Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw new InvalidConfigException(option, text, "expected one of " + choices);
    }
}
