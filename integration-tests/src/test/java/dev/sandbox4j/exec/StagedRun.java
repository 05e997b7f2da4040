package dev.sandbox4j.exec;

import java.time.Duration;
import java.util.List;

/**
 * For the benchmark harness: runs a program exactly as {@link Sandbox#run(List)} does (the same cgroup, the
 * same planner, the same {@link Execution}), and returns when each stage ended, as a {@link RunListener} hears
 * them. Lives in the executor's package to time the cgroup reservation and the plan apart, which are internals.
 */
public final class StagedRun {
    /** Stage durations of one run, in nanoseconds; they add up to {@link #total()}. */
    public record Stages(
            long cgroupReserve,
            long plan,
            long spawnLauncher,
            long connectAndSendPlan,
            long namespacesSetupExec,
            long programRunAndReap,
            long resultCollection) {
        public long total() {
            return cgroupReserve
                    + plan
                    + spawnLauncher
                    + connectAndSendPlan
                    + namespacesSetupExec
                    + programRunAndReap
                    + resultCollection;
        }
    }

    private StagedRun() {}

    /**
     * Runs {@code command} in a fresh sandbox of {@code config} and times its stages.
     *
     * @throws IllegalStateException if the program did not exit with status 0
     */
    public static Stages run(SandboxConfig config, List<String> command) throws InterruptedException {
        long t0 = System.nanoTime();
        RunCgroup cgroup = RunCgroup.reserve(config); // created by Execution.launch, while the launcher starts
        long cgroupReserved = System.nanoTime();
        LaunchPlan plan;
        try {
            plan = Planner.plan(config, List.copyOf(command), cgroup.procsFiles(), cgroup.mounts());
        } catch (RuntimeException e) {
            cgroup.release();
            throw e;
        }
        long planned = System.nanoTime();
        long[] at = new long[4]; // launcher started, plan sent, program started, program ended
        RunListener stages = new RunListener() {
            @Override
            public void launcherStarted(Run run, Duration sinceStart) {
                at[0] = System.nanoTime();
            }

            @Override
            public void planSent(Run run, Duration sinceStart) {
                at[1] = System.nanoTime();
            }

            @Override
            public void programStarted(Run run, Duration sinceStart) {
                at[2] = System.nanoTime();
            }

            @Override
            public void programEnded(Run run, Duration sinceStart) {
                at[3] = System.nanoTime();
            }
        };
        RunSettings settings = RunSettings.of(config, command, false);
        // releases the cgroup at the end
        Execution ex = Execution.launch(
                config,
                settings,
                plan,
                cgroup,
                List.of(),
                new RunEvents(stages, new RunListener.Run(config.id(), 1, command)));
        SandboxResult result;
        try {
            ex.awaitExec();
            result = ex.awaitResult();
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            throw e;
        }
        long done = System.nanoTime();
        if (!result.success()) {
            throw new IllegalStateException("sandboxed " + command + " failed: " + result);
        }
        return new Stages(
                cgroupReserved - t0,
                planned - cgroupReserved,
                at[0] - planned,
                at[1] - at[0],
                at[2] - at[1],
                at[3] - at[2],
                done - at[3]);
    }
}
