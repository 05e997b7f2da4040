package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "30        | PT30S",
                "0         | PT0S",
                "1.5s      | PT1.5S",
                "1.5S      | PT1.5S",
                "1.5 s     | PT1.5S",
                "500ms     | PT0.5S",
                "500MS     | PT0.5S",
                "2m        | PT2M",
                "2min      | PT2M",
                "1h        | PT1H",
                "1.5h      | PT1H30M",
                "2d        | PT48H",
                "250us     | PT0.00025S",
                "250µs     | PT0.00025S",
                "7ns       | PT0.000000007S",
                "0.5       | PT0.5S",
                "'  10s '  | PT10S",
                "9223372036854775807 | PT2562047788015215H30M7S",
            })
    void parsesUnits(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @Test
    void roundsFractionsDownToWholeNanoseconds() {
        assertThat(Durations.parse("1.0000000019s")).isEqualTo(Duration.ofNanos(1_000_000_001));
        assertThat(Durations.parse("1.5ns")).isEqualTo(Duration.ofNanos(1));
    }

    @Test
    void rejectsLessThanOneNanosecond() {
        assertThatThrownBy(() -> Durations.parse("--timeout", "0.5ns"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --timeout '0.5ns': shorter than one nanosecond");
    }

    @Test
    void unknownUnitSaysWhichUnitsAreValid() {
        assertThatThrownBy(() -> Durations.parse("--timeout", "5y"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --timeout '5y': unknown unit 'y' "
                        + "(use ns, us, ms, s, m, h or d; a bare number is seconds)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.", ".5s", "1,5s", "1e3", "1m30s", "PT30S", "s", "+5s", "1 2s"})
    void rejectsGarbage(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageMatching(".*(not a duration|unknown unit).*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-1s", "-0.5ms"})
    void rejectsNegatives(String text) {
        assertThatThrownBy(() -> Durations.parse("--timeout", text))
                .hasMessage("invalid --timeout '" + text + "': a duration cannot be negative");
    }

    @Test
    void rejectsNullEmptyAndBlank() {
        assertThatThrownBy(() -> Durations.parse("--timeout", null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("a value is required");
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Durations.parse("   ")).hasMessageContaining("empty");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"9223372036854775808", "9223372036854775808s", "106751991167301d", "999999999999999999999h"})
    void rejectsDurationsBeyondWhatDurationHolds(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("too long");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "PT0S        | 0s",
                "PT0.5S      | 500ms",
                "PT0.00025S  | 250us",
                "PT0.000000007S | 7ns",
                "PT1.5S      | 1.5s",
                "PT30S       | 30s",
                "PT2M        | 2m",
                "PT1H30M     | 1h30m",
                "PT1H0M5S    | 1h5s",
                "PT61.25S    | 61.25s",
            })
    void formatsShortly(Duration duration, String text) {
        assertThat(Durations.format(duration)).isEqualTo(text);
    }
}
