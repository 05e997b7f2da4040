package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code -e/--env} option: {@code NAME=VALUE} sets a variable; {@code NAME} alone passes the caller's value
 * through (the sandbox's environment is otherwise empty, so nothing leaks by default).
 *
 * @param name  the variable name; never empty, never containing {@code '='}
 * @param value the value to set, or empty to pass the caller's value through
 */
record EnvSetting(String name, Optional<String> value) {

    EnvSetting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid environment variable name: " + name);
        }
    }

    static EnvSetting parse(String option, String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidConfigException(option, text, "expected NAME=VALUE or NAME");
        }
        if (text.indexOf('\0') >= 0) {
            throw new InvalidConfigException(option, text, "contains a NUL character");
        }
        int equals = text.indexOf('=');
        if (equals == 0) {
            throw new InvalidConfigException(option, text, "the variable name is empty; expected NAME=VALUE or NAME");
        }
        return equals < 0
                ? new EnvSetting(text, Optional.empty())
                : new EnvSetting(text.substring(0, equals), Optional.of(text.substring(equals + 1)));
    }

    boolean passThrough() {
        return value.isEmpty();
    }
}
