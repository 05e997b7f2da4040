package dev.sandbox4j.exec;

import dev.sandbox4j.core.Errno;
import dev.sandbox4j.namespace.LandlockSupport;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LibCTest {

    private static final int ESRCH = 3;

    @Test
    void identityCallsAgreeWithTheKernel() throws IOException {
        LibC.Functions libc = LibC.libc();

        assertThat(libc.getpid()).isEqualTo((int) ProcessHandle.current().pid());
        String status = Files.readString(Path.of("/proc/self/status"));
        assertThat(status).containsPattern("(?m)^Uid:\\s+" + libc.getuid() + "\\s+" + libc.geteuid() + "\\s");
        assertThat(status).containsPattern("(?m)^Gid:\\s+" + libc.getgid() + "\\s+" + libc.getegid() + "\\s");
    }

    @Test
    void failedCallLeavesItsErrno() {
        // Signal 0 checks existence only; pid_max is below 2^22, so this pid cannot exist.
        assertThat(LibC.libc().kill(Integer.MAX_VALUE, 0)).isEqualTo(-1);
        assertThat(LibC.errno()).isEqualTo(ESRCH);
        assertThat(Errno.name(LibC.errno())).isEqualTo("ESRCH");
    }

    @Test
    void killWithSignalZeroFindsThisProcess() {
        assertThat(LibC.libc().kill(LibC.libc().getpid(), 0)).isZero();
    }

    @Test
    void prctlReadsNoNewPrivs() throws IOException {
        int noNewPrivs = LibC.libc().prctl(LibC.Prctl.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

        assertThat(Files.readString(Path.of("/proc/self/status"))).contains("NoNewPrivs:\t" + noNewPrivs);
    }

    @Test
    void bothSyscallVariantsReachTheKernel() {
        long withPointer = LibC.libc().syscall(LibC.Syscall.LANDLOCK_CREATE_RULESET, (jnr.ffi.Pointer) null, 0L, 1);
        int errnoWithPointer = withPointer < 0 ? LibC.errno() : 0;
        long withLongs = LibC.libc().syscall(LibC.Syscall.LANDLOCK_CREATE_RULESET, 0L, 0L, 1L);
        int errnoWithLongs = withLongs < 0 ? LibC.errno() : 0;

        assertThat(withLongs).isEqualTo(withPointer);
        assertThat(errnoWithLongs).isEqualTo(errnoWithPointer);
    }

    @Test
    void landlockProbeGivesAnAbiOrAReason() {
        LandlockSupport landlock = LandlockSupport.probe();

        if (landlock.available()) {
            assertThat(landlock.abi()).isBetween(1, 64);
        } else {
            assertThat(landlock.unavailableReason()).isNotBlank();
        }
    }
}
