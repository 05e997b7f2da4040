package dev.sandbox4j.cli;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The value of an explicit limit option ({@code --memory}, {@code --cpu}, {@code --pids}, {@code --timeout}):
 * a limit, or {@code none} to lift the limit the preset would set. An option that was not given at all is
 * an empty {@code Optional<Limit>} in {@link RunOptions}: then the preset decides.
 *
 * @param value the limit, or empty for {@code none}
 */
record Limit<T>(Optional<T> value) {
    static final String NONE = "none";

    Limit {
        Objects.requireNonNull(value, "value");
    }

    static <T> Limit<T> of(T value) {
        return new Limit<>(Optional.of(value));
    }

    static <T> Limit<T> none() {
        return new Limit<>(Optional.empty());
    }

    /** Parses {@code none} (any case) or hands the text to {@code parser}. */
    static <T> Limit<T> parse(String text, Function<String, T> parser) {
        return text != null && text.strip().equalsIgnoreCase(NONE) ? none() : of(parser.apply(text));
    }
}
