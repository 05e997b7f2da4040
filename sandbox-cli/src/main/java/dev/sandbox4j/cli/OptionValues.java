package dev.sandbox4j.cli;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfileRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;

/**
 * Parsers for the values of the run options. Each rejects with an {@link InvalidConfigException} that names
 * the option, so that every bad value ends as the same one-line message and exit status 2.
 */
final class OptionValues {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private OptionValues() {
    }

    static long memory(String text) {
        long bytes = Sizes.parse("--memory", text);
        if (bytes == 0) {
            throw new InvalidConfigException("--memory", text, "must be more than 0; use 'none' for no limit");
        }
        try {
            CgroupConfig.builder().memoryBytes(bytes); // the library's bounds, reported with what was typed
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--memory", text, e.problem());
        }
        return bytes;
    }

    static double cpu(String text) {
        String number = text == null ? "" : text.strip();
        if (number.endsWith("%")) {
            number = number.substring(0, number.length() - 1).strip();
        }
        // Plain decimals only: Double.parseDouble would also take "1e2", "NaN" and hexadecimal.
        double percent = number.matches("\\d{1,7}(\\.\\d+)?") ? Double.parseDouble(number) : Double.NaN;
        if (!(percent > 0)) {
            throw new InvalidConfigException("--cpu", text,
                    "expected a percentage of one CPU greater than 0, e.g. 50, 200 for two CPUs, or 'none'");
        }
        try {
            CgroupConfig.builder().cpuPercent(percent); // the library's bounds (100 per CPU), reported with what was typed
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--cpu", text, e.problem());
        }
        return percent;
    }

    static Duration timeout(String text) {
        Duration timeout = Durations.parse("--timeout", text);
        if (timeout.isZero()) {
            throw new InvalidConfigException("--timeout", text,
                    "must be more than 0; use 'none' to wait for the program however long it runs");
        }
        try {
            SandboxConfig.builder().timeout(timeout); // the library's bounds, reported with what was typed
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--timeout", text, e.problem());
        }
        return timeout;
    }

    static int pids(String text) {
        String number = text == null ? "" : text.strip();
        if (!number.matches("\\d+")) {
            throw new InvalidConfigException("--pids", text, "expected a whole number of processes, or 'none'");
        }
        // Digits beyond an int are above any bound too: the library says which (it names its maximum).
        int pids = number.replaceFirst("^0+(?=.)", "").length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(number);
        if (pids == 0) {
            throw new InvalidConfigException("--pids", text, "must be more than 0; use 'none' for no limit");
        }
        try {
            CgroupConfig.builder().maxPids(pids);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--pids", text, e.problem());
        }
        return pids;
    }

    static String id(String text) {
        if (text == null || !ID.matcher(text).matches()) {
            throw new InvalidConfigException("--id", text,
                    "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return text;
    }

    /** A built-in or registered name, NAME.json in the profile directories, or an OCI JSON file. */
    static NamedSeccompFilter seccompProfile(String text) {
        try {
            return SeccompProfileRegistry.standard().resolve(text);
        } catch (InvalidConfigException e) {
            // The seccomp module's message names its own setting; the user typed --seccomp. A bad file's message
            // already names the file, the JSON path and the problem.
            throw e.setting() == null ? new InvalidConfigException("--seccomp: " + e.getMessage())
                    : new InvalidConfigException("--seccomp", text, e.problem());
        }
    }

    static Path path(String option, String text) {
        if (text == null || text.isBlank() || text.indexOf('\0') >= 0) {
            throw new InvalidConfigException(option, text, "expected a path");
        }
        return Path.of(text);
    }

    /**
     * A path inside the sandbox. Relative paths are refused rather than resolved against sandbox-ctl's own
     * directory: once the sandbox has a root of its own, that directory means nothing inside it.
     */
    static Path absolutePath(String option, String text) {
        Path path = path(option, text);
        if (!path.isAbsolute()) {
            throw new InvalidConfigException(option, text, "must be an absolute path (as seen inside the sandbox)");
        }
        return path.normalize();
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

    // picocli converters: one per option so that each error names its option.

    static final class Memory implements ITypeConverter<Limit<Long>> {
        @Override
        public Limit<Long> convert(String value) {
            return Limit.parse(value, OptionValues::memory);
        }
    }

    static final class Cpu implements ITypeConverter<Limit<Double>> {
        @Override
        public Limit<Double> convert(String value) {
            return Limit.parse(value, OptionValues::cpu);
        }
    }

    static final class Timeout implements ITypeConverter<Limit<Duration>> {
        @Override
        public Limit<Duration> convert(String value) {
            return Limit.parse(value, OptionValues::timeout);
        }
    }

    static final class Pids implements ITypeConverter<Limit<Integer>> {
        @Override
        public Limit<Integer> convert(String value) {
            return Limit.parse(value, OptionValues::pids);
        }
    }

    static final class Id implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return id(value);
        }
    }

    static final class Seccomp implements ITypeConverter<NamedSeccompFilter> {
        @Override
        public NamedSeccompFilter convert(String value) {
            return seccompProfile(value);
        }
    }

    static final class Root implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return path("--root", value);
        }
    }

    static final class WorkingDirectory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return absolutePath("--cwd", value);
        }
    }

    static final class Report implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String target = value.equals(RunReport.STDERR) ? value : path("--report", value).toString();
            // Checked before the program runs: a report that cannot be written must not cost a whole run.
            RunReport.problemWith(target).ifPresent(problem -> {
                throw new InvalidConfigException("--report", value, problem);
            });
            return target;
        }
    }

    static final class Env implements ITypeConverter<EnvSetting> {
        @Override
        public EnvSetting convert(String value) {
            return EnvSetting.parse("--env", value);
        }
    }

    static final class Mode implements ITypeConverter<PrivilegeMode> {
        @Override
        public PrivilegeMode convert(String value) {
            return choice("--mode", PrivilegeMode.class, value);
        }
    }

    static final class Preset implements ITypeConverter<SecurityPreset> {
        @Override
        public SecurityPreset convert(String value) {
            return choice("--profile", SecurityPreset.class, value);
        }
    }
}
