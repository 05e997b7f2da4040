package dev.sandbox4j.exec;

import java.nio.file.Path;

/**
 * For the kernel tests that attack the launcher's control connections: where the launcher and the user's run
 * directory are. Lives in the executor's package because {@link LauncherBinary} is package-private on purpose.
 */
public final class LauncherProbe {
    private LauncherProbe() {
    }

    /** The launcher this JVM runs. */
    public static Path launcher() {
        return LauncherBinary.get().path();
    }

    /** The private directory where control sockets are named. */
    public static Path runDirectory() {
        return LauncherBinary.get().runDirectory();
    }

    /** The user's sandbox4j cache (holding the run directory), which no sandbox may see. */
    public static Path privateDirectory() {
        return LauncherBinary.get().privateDirectory();
    }
}
