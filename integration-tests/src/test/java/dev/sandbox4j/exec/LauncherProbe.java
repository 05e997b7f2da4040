package dev.sandbox4j.exec;

import java.nio.file.Path;
import java.util.function.Consumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * For the kernel tests that attack the launcher's control connections: where the launcher and the user's run
 * directory are. Lives in the executor's package because {@link LauncherBinary} is package-private on purpose.
 */
public final class LauncherProbe {
    private LauncherProbe() {}

    /** The launcher this JVM runs. */
    public static Path launcher() {
        return LauncherBinary.get().path();
    }

    /** The private directory where control sockets are named. */
    public static Path runDirectory() {
        return LauncherBinary.get().runDirectory();
    }

    /**
     * Makes the control pair a forked launcher gets, with {@code stranger} run while its listener is there (given
     * the socket's path); returns the pid of the process at the other end of the launcher's end (SO_PEERCRED):
     * this JVM's when the pair is what it should be.
     */
    public static long pairWithStranger(Consumer<Path> stranger) {
        try (ControlChannel.Pair pair = ControlChannel.Pair.open(LauncherBinary.get(), stranger);
                ControlChannel ours = pair.channel()) {
            Pointer cred = Memory.allocateDirect(LibC.runtime(), 16);
            cred.putInt(12, 12);
            if (LibC.libc()
                            .getsockopt(
                                    pair.launcherEnd(),
                                    LibC.Const.SOL_SOCKET,
                                    LibC.Const.SO_PEERCRED,
                                    cred,
                                    cred.slice(12))
                    != 0) {
                throw new IllegalStateException("SO_PEERCRED: " + LibC.libc().strerror(LibC.errno()));
            }
            return cred.getInt(0);
        }
    }

    /** The user's sandbox4j cache (holding the run directory), which no sandbox may see. */
    public static Path privateDirectory() {
        return LauncherBinary.get().privateDirectory();
    }
}
