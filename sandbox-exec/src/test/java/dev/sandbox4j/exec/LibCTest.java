package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.Errno;
import org.junit.jupiter.api.Test;

class LibCTest {

    private static final int EBADF = 9;

    @Test
    void getpidIsThisProcess() {
        assertThat(LibC.libc().getpid()).isEqualTo((int) ProcessHandle.current().pid());
    }

    @Test
    void failedCallLeavesItsErrno() {
        assertThat(LibC.libc().close(-1)).isEqualTo(-1);
        assertThat(LibC.errno()).isEqualTo(EBADF);
        assertThat(Errno.name(LibC.errno())).isEqualTo("EBADF");
    }

    @Test
    void errnoTableAgreesWithTheCLibrary() {
        for (int errno = 1; errno < 200; errno++) {
            String described = Errno.describe(errno);
            jnr.constants.platform.Errno platform = jnr.constants.platform.Errno.valueOf(errno);
            if (platform != jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__) {
                // By number, as some values have two names (EDEADLK, EDEADLOCK).
                assertThat(jnr.constants.platform.Errno.valueOf(Errno.name(errno))
                                .intValue())
                        .as(Errno.name(errno))
                        .isEqualTo(errno);
            }
            if (described.endsWith(")")) {
                assertThat(described)
                        .as("errno %d", errno)
                        .isEqualTo(Errno.name(errno) + " (" + LibC.libc().strerror(errno) + ")");
            }
        }
    }
}
