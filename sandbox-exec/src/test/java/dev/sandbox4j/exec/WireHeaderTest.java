package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The protocol's constants are written twice, in {@link Wire} and in the launcher's {@code wire.h}; this
 * holds the two to one table: every constant on either side has its twin, with the same value.
 */
class WireHeaderTest {
    private static final Path HEADER = Path.of("src/main/c/wire.h");
    private static final Pattern DEFINE = Pattern.compile("(?m)^#define\\s+(\\w+)\\s+(\\(?[0-9][0-9a-fA-Fxu <]*\\)?)");

    @Test
    void everyConstantOfWireHIsInWireJavaWithTheSameValue() throws IOException {
        assertThat(headerConstants()).isEqualTo(javaConstants());
    }

    @Test
    void theHeaderParserReadsEveryDefine() throws IOException {
        String header = Files.readString(HEADER);
        long defines = header.lines().filter(l -> l.startsWith("#define")).count();

        // The include guard is the one #define without a value.
        assertThat(headerConstants())
                .hasSize((int) defines - 1)
                .containsEntry("MAX_FRAME", 4L << 20)
                .containsEntry("PLAN_VERSION", (long) Wire.PLAN_VERSION);
    }

    /** wire.h's defines, {@code WIRE_} dropped from the name (Java's class name says it). */
    private static Map<String, Long> headerConstants() throws IOException {
        Map<String, Long> constants = new TreeMap<>();
        Matcher m = DEFINE.matcher(Files.readString(HEADER));
        while (m.find()) {
            constants.put(m.group(1).replaceFirst("^WIRE_", ""), evaluate(m.group(2)));
        }
        return constants;
    }

    private static Map<String, Long> javaConstants() throws IOException {
        Map<String, Long> constants = new TreeMap<>();
        for (Field field : Wire.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && field.getType() == int.class) {
                try {
                    constants.put(field.getName(), (long) field.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return constants;
    }

    /** A literal, or {@code (a << b)}, with C's {@code u} suffixes. */
    private static long evaluate(String expression) {
        String e = expression.replaceAll("[()\\s]", "").replace("u", "");
        int shift = e.indexOf("<<");
        if (shift >= 0) {
            return Long.decode(e.substring(0, shift)) << Long.decode(e.substring(shift + 2));
        }
        return Long.decode(e);
    }
}
