package dev.sandbox4j.core;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them for timeouts: {@code 30} (seconds), {@code 1.5s}, {@code 500ms}, {@code 2m},
 * {@code 1h}.
 *
 * <p>Units, case-insensitive, optionally separated from the number by a space: {@code ns}, {@code us} (or
 * {@code µs}), {@code ms}, {@code s}, {@code m} (or {@code min}), {@code h}, {@code d}; a bare number is
 * seconds, like {@code timeout(1)}. A fraction is rounded down to whole nanoseconds; a non-zero duration
 * shorter than one nanosecond is rejected rather than read as zero. {@code 0} parses to {@link Duration#ZERO}:
 * whether a zero timeout makes sense is the caller's decision.
 */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Zµ]*)");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "", 1_000_000_000L,
            "ns", 1L,
            "us", 1_000L,
            "µs", 1_000L,
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "min", 60_000_000_000L,
            "h", 3_600_000_000_000L,
            "d", 86_400_000_000_000L);
    private static final String VALID_UNITS = "use ns, us, ms, s, m, h or d; a bare number is seconds";
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger MAX_SECONDS = BigInteger.valueOf(Long.MAX_VALUE);

    private Durations() {}

    /**
     * Parses {@code text} as a duration.
     *
     * @throws InvalidConfigException naming {@code "duration"} and the value when it is not a valid duration
     */
    public static Duration parse(String text) {
        return parse("duration", text);
    }

    /**
     * Parses {@code text} as a duration; a rejection names {@code setting} (e.g. {@code "--timeout"}).
     *
     * @throws InvalidConfigException when {@code text} is null, blank, negative, malformed, has an unknown unit,
     *                                exceeds what {@link Duration} holds or is below one nanosecond
     */
    public static Duration parse(String setting, String text) {
        String trimmed = Texts.requireText(setting, text, "a duration such as 30, 1.5s, 500ms or 2m");
        if (trimmed.startsWith("-")) {
            throw new InvalidConfigException(setting, text, "a duration cannot be negative");
        }
        Matcher matcher = DURATION.matcher(trimmed);
        if (!matcher.matches()) {
            throw new InvalidConfigException(
                    setting,
                    text,
                    "not a duration; expected a number and an optional unit, e.g. 30, 1.5s, 500ms or 2m");
        }
        String unit = matcher.group(2);
        Long nanosPerUnit = NANOS_PER_UNIT.get(unit.toLowerCase(Locale.ROOT));
        if (nanosPerUnit == null) {
            throw new InvalidConfigException(setting, text, "unknown unit '" + unit + "' (" + VALID_UNITS + ")");
        }
        BigDecimal number = new BigDecimal(matcher.group(1));
        BigInteger nanos = number.multiply(BigDecimal.valueOf(nanosPerUnit))
                .setScale(0, RoundingMode.DOWN)
                .toBigIntegerExact();
        BigInteger[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
        if (secondsAndNanos[0].compareTo(MAX_SECONDS) > 0) {
            throw new InvalidConfigException(
                    setting, text, "too long; the longest duration is " + Long.MAX_VALUE + " seconds");
        }
        if (nanos.signum() == 0 && number.signum() != 0) {
            throw new InvalidConfigException(setting, text, "shorter than one nanosecond");
        }
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
    }

    /** A short human-readable form: {@code 1.5s}, {@code 500ms}, {@code 2m}, {@code 1h30m}. */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration: " + duration);
        }
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            long nanos = duration.toNanos();
            if (nanos % 1_000_000 == 0) {
                return nanos / 1_000_000 + "ms";
            }
            return nanos % 1_000 == 0 ? nanos / 1_000 + "us" : nanos + "ns";
        }
        if (duration.getNano() != 0 || duration.toSeconds() < 60) {
            return BigDecimal.valueOf(duration.getSeconds())
                            .add(BigDecimal.valueOf(duration.getNano(), 9))
                            .stripTrailingZeros()
                            .toPlainString()
                    + "s";
        }
        StringBuilder text = new StringBuilder();
        long hours = duration.toHours();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            text.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toSecondsPart() > 0) {
            text.append(duration.toSecondsPart()).append('s');
        }
        return text.toString();
    }
}
