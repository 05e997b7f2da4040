package dev.sandbox4j.core;

import java.util.Objects;

/**
 * A configuration value that cannot be used: a size, duration, path or limit the caller gave. The
 * message names the setting and the rejected value, and where there is one, the fix.
 */
public class InvalidConfigException extends SandboxException {
    private static final long serialVersionUID = 1L;

    private final String setting;
    private final String value;
    private final String problem;

    /**
     * @param setting what was being configured, e.g. {@code "memory limit"} or {@code "--timeout"}
     * @param value   the value as the caller gave it (may be {@code null})
     * @param problem why it is rejected and, where possible, what would be accepted
     */
    public InvalidConfigException(String setting, String value, String problem) {
        super(format(setting, value, problem));
        this.setting = Objects.requireNonNull(setting, "setting");
        this.value = value;
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** A whole-configuration problem that no single value causes (e.g. conflicting options). */
    public InvalidConfigException(String message) {
        super(message);
        this.setting = null;
        this.value = null;
        this.problem = message;
    }

    private static String format(String setting, String value, String problem) {
        String shown = value == null ? "null" : "'" + visible(value) + "'";
        return "invalid " + setting + " " + shown + ": " + problem;
    }

    /** Control characters escaped ({@code \t}, {@code \n}, {@code \x01}), so that the message stays one line. */
    static String visible(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The setting that was rejected, or {@code null} for a whole-configuration problem. */
    public String setting() {
        return setting;
    }

    /** The rejected value as given, or {@code null}. */
    public String value() {
        return value;
    }

    /** Why the value is rejected, without the setting and value (the whole message for a whole-configuration problem). */
    public String problem() {
        return problem;
    }
}
