package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource(
            delimiter = '|',
            value = {
                "0           | 0",
                "4096        | 4096",
                "4096B       | 4096",
                "64K         | 65536",
                "64k         | 65536",
                "64KB        | 65536",
                "64KiB       | 65536",
                "64kib       | 65536",
                "100M        | 104857600",
                "512MiB      | 536870912",
                "512MB       | 536870912",
                "512 MiB     | 536870912",
                "'  2G  '    | 2147483648",
                "1.5G        | 1610612736",
                "1T          | 1099511627776",
                "2TiB        | 2199023255552",
                "1.1K        | 1126",
                "007M        | 7340032",
                "7E          | 8070450532247928832",
                "9223372036854775807 | 9223372036854775807",
            })
    void parsesBinaryUnits(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @Test
    void roundsFractionsDownSoALimitIsNeverLargerThanAsked() {
        assertThat(Sizes.parse("1.9999")).isEqualTo(1);
        assertThat(Sizes.parse("0.3K")).isEqualTo(307);
    }

    @Test
    void rejectsLessThanOneByte() {
        assertThatThrownBy(() -> Sizes.parse("0.5"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid size '0.5': less than one byte");
        assertThatThrownBy(() -> Sizes.parse("0.0001K")).hasMessageContaining("less than one byte");
    }

    @Test
    void unknownUnitSaysWhichUnitsAreValidAndNamesTheSetting() {
        assertThatThrownBy(() -> Sizes.parse("--memory", "12Q"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --memory '12Q': unknown unit 'Q' "
                        + "(use B, K, M, G, T, P, E or KiB, MiB, GiB, TiB, PiB, EiB; all powers of 1024)")
                .satisfies(e -> {
                    InvalidConfigException ice = (InvalidConfigException) e;
                    assertThat(ice.setting()).isEqualTo("--memory");
                    assertThat(ice.value()).isEqualTo("12Q");
                    assertThat(ice.problem()).startsWith("unknown unit 'Q'");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"12Q", "1KK", "1BB", "1Ki", "1iB", "1 kilobyte", "5mb2"})
    void rejectsUnknownUnits(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageMatching(".*(unknown unit|not a size).*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.", ".5G", "1,5G", "1e3", "1 2", "G", "+1G", "0x10", "1.5.5M", "∞"})
    void rejectsGarbage(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("invalid size '" + text + "': not a size");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-1G", " -0"})
    void rejectsNegatives(String text) {
        assertThatThrownBy(() -> Sizes.parse("--memory", text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --memory '" + text + "': a size cannot be negative");
    }

    @Test
    void rejectsNullEmptyAndBlank() {
        assertThatThrownBy(() -> Sizes.parse("--memory", null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid --memory null: a value is required, e.g. a size such as 512M or 1.5G");
        assertThatThrownBy(() -> Sizes.parse(""))
                .hasMessage("invalid size '': empty; expected a size such as 512M or 1.5G");
        assertThatThrownBy(() -> Sizes.parse(" \t")).hasMessageContaining("empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "8E", "8192P", "99999999999999999999999T"})
    void rejectsSizesBeyondLongMaxValue(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("too large");
    }

    @ParameterizedTest(name = "{0} bytes → {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0                   | 0 B",
                "1023                | 1023 B",
                "1024                | 1 KiB",
                "1536                | 1.5 KiB",
                "67108864            | 64 MiB",
                "1610612736          | 1.5 GiB",
                "1073741823          | 1023.99 MiB",
                "1099511627776       | 1 TiB",
                "9223372036854775807 | 7.99 EiB",
            })
    void formatsInBinaryUnits(long bytes, String text) {
        assertThat(Sizes.format(bytes)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 1024, 1536, 67108864, 1610612736, 1099511627776L, 1L << 60})
    void formatOfAnExactSizeReadsBack(long bytes) {
        assertThat(Sizes.parse(Sizes.format(bytes))).isEqualTo(bytes);
    }

    @Test
    void formatRejectsNegatives() {
        assertThatThrownBy(() -> Sizes.format(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
