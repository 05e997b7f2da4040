package dev.sandbox4j.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * For the kernel tests: what the JVM's fork server is (its process, its socket, its thread), so that the leak
 * checks can tell the one deliberate JVM-lifetime child from a leak. Lives in the executor's package because
 * the server is package-private on purpose.
 */
public final class ForkServerProbe {
    /** The name of the server's reader thread. */
    public static final String THREAD_NAME = ForkServer.THREAD_NAME;

    private ForkServerProbe() {}

    /** Starts the JVM's fork server if it does not run. */
    public static void ensureRunning() {
        ForkServer.ensureRunning();
    }

    /** The running server's process, if there is one. */
    public static Optional<ProcessHandle> server() {
        long pid = ForkServer.serverPid();
        return pid < 0 ? Optional.empty() : ProcessHandle.of(pid);
    }

    /**
     * Whether {@code process} is the server's spare: a launcher it forked ahead of time that waits for a run,
     * named {@code sandbox4j-spare} so that it can be told apart from a launcher left behind.
     */
    public static boolean isSpare(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc/" + process.pid() + "/comm"))
                    .strip()
                    .equals("sandbox4j-spare");
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    /** The server's children that are launchers of runs, not its spare. */
    public static java.util.List<ProcessHandle> launchers() {
        return server().map(s -> s.children().filter(p -> !isSpare(p)).toList()).orElse(java.util.List.of());
    }

    /** What the JVM's descriptor of its connection to the server refers to (e.g. {@code socket:[123]}), if any. */
    public static Optional<String> socketTarget() {
        int fd = ForkServer.serverFd();
        if (fd < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
