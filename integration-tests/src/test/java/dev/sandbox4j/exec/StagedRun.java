package dev.sandbox4j.exec;

import java.util.List;

/**
 * For the benchmark harness: runs a program exactly as {@link Sandbox#run(List)} does (the same cgroup, the
 * same planner, the same {@link Execution}), and returns when each stage ended. Lives in the executor's package because the
 * stages are package-private on purpose: they are a measuring hook, not API.
 */
public final class StagedRun {
    /** Stage durations of one run, in nanoseconds; they add up to {@link #total()}. */
    public record Stages(long cgroupReserve, long plan, long spawnLauncher, long connectAndSendPlan,
                         long namespacesSetupExec, long programRunAndReap, long resultCollection) {
        public long total() {
            return cgroupReserve + plan + spawnLauncher + connectAndSendPlan + namespacesSetupExec + programRunAndReap
                    + resultCollection;
        }
    }

    private StagedRun() {
    }

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
        Execution ex = Execution.launch(config, plan, config.stdin(), false, cgroup); // releases the cgroup at the end
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
        return new Stages(cgroupReserved - t0, planned - cgroupReserved, ex.launcherStartedNanos - planned, ex.planSentNanos - ex.launcherStartedNanos,
                ex.execOkNanos - ex.planSentNanos, ex.endReportedNanos - ex.execOkNanos, done - ex.endReportedNanos);
    }
}
