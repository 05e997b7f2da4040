package dev.sandbox4j.core;

/** Checks shared by the parsers of configuration text. */
final class Texts {
    private Texts() {}

    /** {@code text} trimmed; rejects null, empty and blank with a message saying what was expected. */
    static String requireText(String setting, String text, String expected) {
        if (text == null) {
            throw new InvalidConfigException(setting, null, "a value is required, e.g. " + expected);
        }
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidConfigException(setting, text, "empty; expected " + expected);
        }
        return trimmed;
    }
}
