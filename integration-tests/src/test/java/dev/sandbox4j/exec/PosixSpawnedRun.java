package dev.sandbox4j.exec;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An experiment for the benchmark, not a way to run programs: the real cgroup, planner, launcher and protocol, but
 * the launcher started with {@code posix_spawn} (no {@code jspawnhelper}) and no output capture. What it
 * gains over {@link Sandbox#run} bounds what moving the executor off ProcessBuilder would gain. It does not
 * handle timeouts, kills or interrupts beyond abandoning the run.
 */
public final class PosixSpawnedRun {
    /** Starts a process and waits for it; a raw pid, outside {@link Process}. */
    public interface Spawner {
        int spawn(List<String> command);

        /** The raw wait status. */
        int waitFor(int pid);
    }

    private PosixSpawnedRun() {
    }

    /**
     * Runs {@code command} in a fresh sandbox of {@code config}, its standard streams on {@code /dev/null}.
     *
     * @throws IllegalStateException unless the program exited 0
     */
    public static void run(SandboxConfig config, List<String> command, Spawner spawner) throws InterruptedException {
        RunCgroup cgroup = RunCgroup.open(config);
        try {
            runIn(cgroup, config, command, spawner);
        } finally {
            cgroup.release();
        }
    }

    private static void runIn(RunCgroup cgroup, SandboxConfig config, List<String> command, Spawner spawner)
            throws InterruptedException {
        LaunchPlan plan = Planner.plan(config, List.copyOf(command), cgroup.procsFiles());
        LauncherBinary launcher = LauncherBinary.get();
        int pid;
        LauncherEvent.Exit exit = null;
        try (ControlChannel.Listener listener = ControlChannel.Listener.open(launcher.runDirectory())) {
            pid = spawner.spawn(List.of(launcher.path().toString(), "--connect", listener.socket.toString()));
            try (ControlChannel control = listener.accept(new Pid(pid), System.nanoTime() + TimeUnit.SECONDS.toNanos(30))) {
                control.send(plan.toFrame());
                for (LauncherEvent e = control.next(30_000); !(e instanceof LauncherEvent.Closed); e = control.next(30_000)) {
                    if (e instanceof LauncherEvent.Exit x) {
                        exit = x;
                    } else if (e == null || e instanceof LauncherEvent.SetupError || e instanceof LauncherEvent.Aborted) {
                        throw new IllegalStateException("posix_spawned sandbox of " + command + ": " + e);
                    }
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("control channel: " + e.getMessage(), e);
            }
        }
        int launcherStatus = spawner.waitFor(pid);
        if (exit == null || exit.waitStatus() != 0 || launcherStatus != 0) {
            throw new IllegalStateException("posix_spawned sandbox of " + command + ": exit " + exit
                    + ", launcher status " + launcherStatus);
        }
    }

    /**
     * Just enough of a {@link Process} for {@link ControlChannel.Listener#accept}'s liveness check. A child
     * that exited but was not yet waited for still counts as alive (kill(pid, 0) succeeds on a zombie),
     * so a launcher that dies before connecting costs the deadline here: acceptable for a benchmark.
     */
    private static final class Pid extends Process {
        private final ProcessHandle handle;

        Pid(int pid) {
            handle = ProcessHandle.of(pid).orElseThrow();
        }

        @Override
        public boolean isAlive() {
            return handle.isAlive();
        }

        @Override
        public int exitValue() {
            throw new IllegalThreadStateException("exit status is collected with waitpid");
        }

        @Override
        public int waitFor() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void destroy() {
            handle.destroyForcibly();
        }

        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream getInputStream() {
            return InputStream.nullInputStream();
        }

        @Override
        public InputStream getErrorStream() {
            return InputStream.nullInputStream();
        }
    }
}
