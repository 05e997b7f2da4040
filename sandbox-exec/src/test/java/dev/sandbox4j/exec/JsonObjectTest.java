package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonObjectTest {

    @Test
    void membersKeepTheirOrderAndNullsAreLiteral() {
        String json = new JsonObject()
                .string("s", "x")
                .number("n", 42L)
                .number("i", -1)
                .bool("b", true)
                .string("none", null)
                .number("nn", (Long) null)
                .bool("nb", null)
                .object("o", new JsonObject().string("k", "v"))
                .object("no", null)
                .toString();

        assertThat(json)
                .isEqualTo("{\"s\":\"x\",\"n\":42,\"i\":-1,\"b\":true,\"none\":null,\"nn\":null,\"nb\":null,"
                        + "\"o\":{\"k\":\"v\"},\"no\":null}");
        assertThat(new JsonObject().toString()).isEqualTo("{}");
        assertThat(new JsonObject().number("min", Long.MIN_VALUE).toString())
                .isEqualTo("{\"min\":-9223372036854775808}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "plain text           | plain text",
                "say \"hi\"           | say \\\"hi\\\"",
                "back\\slash          | back\\\\slash",
                "/slash/ is fine      | /slash/ is fine",
                "wörld ✓ 😀            | wörld ✓ 😀",
            })
    void printableTextIsEscapedOnlyWhereJsonRequires(String text, String escaped) {
        assertThat(JsonObject.quote(text.strip())).isEqualTo("\"" + escaped.strip() + "\"");
    }

    @Test
    void everyControlCharacterIsEscaped() {
        assertThat(JsonObject.quote("a\nb\rc\td\be\ff")).isEqualTo("\"a\\nb\\rc\\td\\be\\ff\"");
        assertThat(JsonObject.quote("\0\u0001\u001f\u007f")).isEqualTo("\"\\u0000\\u0001\\u001f\\u007f\"");
        for (char c = 0; c < 0x20; c++) {
            String quoted = JsonObject.quote(String.valueOf(c));
            assertThat(quoted.chars().skip(1).limit(quoted.length() - 2L))
                    .as("U+%04X leaves no raw control character", (int) c)
                    .allMatch(ch -> ch >= 0x20);
        }
    }

    @Test
    void unpairedSurrogatesAreEscapedAndPairsKept() {
        assertThat(JsonObject.quote("\ud83d\ude00")).isEqualTo("\"\ud83d\ude00\"");
        assertThat(JsonObject.quote("x\ud83dy")).isEqualTo("\"x\\ud83dy\"");
        assertThat(JsonObject.quote("\ude00x")).isEqualTo("\"\\ude00x\"");
        assertThat(JsonObject.quote("x\ud83d")).isEqualTo("\"x\\ud83d\"");
        assertThat(JsonObject.quote("\ude00\ud83d")).isEqualTo("\"\\ude00\\ud83d\"");
    }

    @Test
    void namesAreEscapedLikeValues() {
        assertThat(new JsonObject().string("a\"b", "c").toString()).isEqualTo("{\"a\\\"b\":\"c\"}");
    }
}
