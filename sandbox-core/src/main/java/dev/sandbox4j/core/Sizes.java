package dev.sandbox4j.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as people write them for memory limits: {@code 64K}, {@code 100M}, {@code 1.5G}, {@code 512MiB},
 * {@code 4096}.
 *
 * <p>Every unit is a power of 1024, whether written {@code K}, {@code KB} or {@code KiB}: memory is sized in
 * pages, and {@code 512MB} means 512 MiB in Docker, systemd and the JVM's {@code -Xmx} alike, so reading it as
 * 512,000,000 would surprise more people than it helps. Units: {@code B} (or none), {@code K}, {@code M},
 * {@code G}, {@code T} (and {@code P}, {@code E}, so that every {@link #format(long)} output reads back), each optionally followed by {@code B} or {@code iB}; case-insensitive; a space may
 * separate number and unit.
 *
 * <p>A fractional size is rounded <em>down</em> to whole bytes ({@code 1.1K} = 1126 bytes), so a limit is never
 * larger than asked; a non-zero size that rounds to nothing is rejected rather than read as 0. {@code 0} itself
 * parses to 0: whether a zero limit makes sense is the caller's decision.
 */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");
    private static final Map<String, Integer> SHIFT_BY_PREFIX =
            Map.of("", 0, "k", 10, "m", 20, "g", 30, "t", 40, "p", 50, "e", 60);
    private static final String VALID_UNITS =
            "use B, K, M, G, T, P, E or KiB, MiB, GiB, TiB, PiB, EiB; all powers of 1024";
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final String[] FORMAT_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {}

    /**
     * Parses {@code text} as a size in bytes.
     *
     * @throws InvalidConfigException naming {@code "size"} and the value when it is not a valid size
     */
    public static long parse(String text) {
        return parse("size", text);
    }

    /**
     * Parses {@code text} as a size in bytes; a rejection names {@code setting} (e.g. {@code "--memory"}).
     *
     * @throws InvalidConfigException when {@code text} is null, blank, negative, malformed, has an unknown unit,
     *                                exceeds {@link Long#MAX_VALUE} bytes or is a fraction of a byte
     */
    public static long parse(String setting, String text) {
        String trimmed = Texts.requireText(setting, text, "a size such as 512M or 1.5G");
        if (trimmed.startsWith("-")) {
            throw new InvalidConfigException(setting, text, "a size cannot be negative");
        }
        Matcher matcher = SIZE.matcher(trimmed);
        if (!matcher.matches()) {
            throw new InvalidConfigException(
                    setting,
                    text,
                    "not a size; expected a number and an optional unit, e.g. 512M, 1.5G, 64KiB or 4096");
        }
        String unit = matcher.group(2);
        String prefix = prefixOf(unit);
        Integer shift = prefix == null ? null : SHIFT_BY_PREFIX.get(prefix);
        if (shift == null) {
            throw new InvalidConfigException(setting, text, "unknown unit '" + unit + "' (" + VALID_UNITS + ")");
        }
        BigDecimal number = new BigDecimal(matcher.group(1));
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(2).pow(shift)).setScale(0, RoundingMode.DOWN);
        if (bytes.compareTo(MAX) > 0) {
            throw new InvalidConfigException(
                    setting, text, "too large; the largest size is " + Long.MAX_VALUE + " bytes (8 EiB)");
        }
        if (bytes.signum() == 0 && number.signum() != 0) {
            throw new InvalidConfigException(setting, text, "less than one byte");
        }
        return bytes.longValueExact();
    }

    /** {@code "k"} for K, KB, KiB (any case); {@code ""} for no unit or B; {@code null} when not a unit. */
    private static String prefixOf(String unit) {
        String lower = unit.toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || lower.equals("b")) {
            return "";
        }
        String prefix = lower.substring(0, 1);
        String suffix = lower.substring(1);
        boolean validSuffix = suffix.isEmpty() || suffix.equals("b") || suffix.equals("ib");
        return validSuffix && !prefix.equals("b") ? prefix : null;
    }

    /**
     * A human-readable size in binary units that {@link #parse(String)} reads back: {@code 512 B},
     * {@code 64 MiB}, {@code 1.5 GiB}; at most two decimals, rounded down so that it never overstates.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        int unit = 0;
        while (unit + 1 < FORMAT_UNITS.length && bytes >= 1L << (10 * (unit + 1))) {
            unit++;
        }
        if (unit == 0) {
            return bytes + " B";
        }
        BigDecimal scaled = BigDecimal.valueOf(bytes)
                .divide(BigDecimal.valueOf(1L << (10 * unit)))
                .setScale(2, RoundingMode.DOWN)
                .stripTrailingZeros();
        return scaled.toPlainString() + " " + FORMAT_UNITS[unit];
    }
}
