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
        String shown = value == null ? "null" : "'" + value + "'";
        return "invalid " + setting + " " + shown + ": " + problem;
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
