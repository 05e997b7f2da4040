package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LandlockRulesTest {
    @Test
    void rightsTheAbiLacksAreDroppedAndEveryKnownRightIsHandled() {
        LandlockRules rules = LandlockRules.builder().readWrite(Path.of("/w")).build();
        assertThat(rules.compile(1).handledAccess()).isEqualTo(0x1FFFL);
        assertThat(rules.compile(2).handledAccess()).isEqualTo(0x3FFFL);
        assertThat(rules.compile(3).handledAccess()).isEqualTo(0x7FFFL);
        assertThat(rules.compile(4).handledAccess()).isEqualTo(0x7FFFL);
        assertThat(rules.compile(7).handledAccess()).isEqualTo(0xFFFFL);
        // read-write grants all but EXECUTE, within what the ABI knows
        assertThat(rules.compile(1).rules().get(0).allowedAccess()).isEqualTo(0x1FFEL);
        assertThat(rules.compile(7).rules().get(0).allowedAccess()).isEqualTo(0xFFFEL);
        assertThatThrownBy(() -> rules.compile(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPathGivenTwiceGetsTheUnionAndSystemDefaultsAreOptional() {
        LandlockRules rules = LandlockRules.builder()
                .readOnly(Path.of("/d"))
                .execute(Path.of("/d"))
                .systemDefaults()
                .build();
        LandlockRules.CompiledRule d = rules.compile(3).rules().get(0);
        assertThat(d.path()).isEqualTo("/d");
        assertThat(d.allowedAccess())
                .isEqualTo(LandlockRules.READ_FILE | LandlockRules.READ_DIR | LandlockRules.EXECUTE);
        assertThat(d.optional()).isFalse();
        assertThat(rules.compile(3).rules())
                .filteredOn(r -> r.path().equals("/usr"))
                .singleElement()
                .matches(r -> r.optional() && (r.allowedAccess() & LandlockRules.EXECUTE) != 0);
        assertThat(rules.compile(3).rules())
                .filteredOn(r -> r.path().equals("/etc"))
                .singleElement()
                .matches(r -> (r.allowedAccess() & LandlockRules.EXECUTE) == 0);
    }

    @Test
    void pathsMustBeAbsoluteAndTheSetNonEmpty() {
        assertThatThrownBy(() -> LandlockRules.builder().readOnly(Path.of("rel")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("rel");
        assertThatThrownBy(() -> LandlockRules.builder().build()).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> LandlockRules.builder()
                        .readOnly(Path.of("/nonexistent-sbx"))
                        .build()
                        .requireHostPaths())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/nonexistent-sbx");
    }
}
