package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void namesAndDescribesTheUsualErrors() {
        assertThat(Errno.name(1)).isEqualTo("EPERM");
        assertThat(Errno.describe(2)).isEqualTo("ENOENT (No such file or directory)");
        assertThat(Errno.describe(13)).isEqualTo("EACCES (Permission denied)");
        assertThat(Errno.name(95)).isEqualTo("EOPNOTSUPP");
    }

    @Test
    void anErrorWithoutADescriptionIsNamed() {
        assertThat(Errno.describe(42)).isEqualTo("ENOMSG");
    }

    @Test
    void unknownValuesAreNumbers() {
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.name(-5)).isEqualTo("errno -5");
        assertThat(Errno.describe(41)).isEqualTo("errno 41");
        assertThat(Errno.describe(4096)).isEqualTo("errno 4096");
    }
}
