package dev.sandbox4j.exec;

import java.util.Objects;

/**
 * Writes one flat JSON object (RFC 8259), members in the order they are added. The run report
 * ({@link SandboxReport}) is the only JSON the library writes, and it holds only strings, whole numbers,
 * booleans, {@code null}, nested objects and one array of strings, so a JSON library would bring more code than
 * it saves.
 *
 * <p>Strings are escaped so that any Java string, however hostile (a program name with quotes, newlines or
 * an unpaired surrogate), yields valid JSON that decodes back to the same UTF-16 code units.
 */
final class JsonObject {
    private final StringBuilder json = new StringBuilder("{");

    JsonObject string(String name, String value) {
        return member(name, value == null ? "null" : quote(value));
    }

    /** A whole number, or {@code null}. */
    JsonObject number(String name, Long value) {
        return member(name, value == null ? "null" : value.toString());
    }

    JsonObject number(String name, Integer value) {
        return member(name, value == null ? "null" : value.toString());
    }

    JsonObject bool(String name, Boolean value) {
        return member(name, value == null ? "null" : value.toString());
    }

    /** A nested object, or {@code null}. */
    JsonObject object(String name, JsonObject value) {
        return member(name, value == null ? "null" : value.toString());
    }

    /** An array of strings, or {@code null}. */
    JsonObject strings(String name, java.util.List<String> values) {
        if (values == null) {
            return member(name, "null");
        }
        StringBuilder array = new StringBuilder("[");
        for (String value : values) {
            array.append(array.length() > 1 ? "," : "").append(quote(value));
        }
        return member(name, array.append(']').toString());
    }

    private JsonObject member(String name, String valueJson) {
        Objects.requireNonNull(name, "name");
        if (json.length() > 1) {
            json.append(',');
        }
        json.append(quote(name)).append(':').append(valueJson);
        return this;
    }

    /** The object's text, on one line. */
    @Override
    public String toString() {
        return json + "}";
    }

    /** {@code text} as a JSON string literal, quotes included. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || unpairedSurrogate(text, i)) {
                        // Control characters must be escaped; DEL need not be, but is invisible in a terminal.
                        // An unpaired surrogate has no UTF-8 form: written raw it would become '?', escaped it
                        // survives the round trip.
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static boolean unpairedSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
        }
        return false;
    }
}
