package dev.sandbox4j.exec;

import java.util.List;

/**
 * For the kernel tests that race a run's setup: runs a program as {@link Sandbox#run(List)} does, with a hook
 * between the plan (where Java resolved every host path) and the launch. Lives in the executor's package
 * because the planner and the execution are package-private on purpose.
 */
public final class PlannedRun {
    private PlannedRun() {}

    /** Plans {@code command} in {@code config}, runs {@code afterPlanning}, then launches the plan and waits. */
    public static SandboxResult run(SandboxConfig config, List<String> command, Runnable afterPlanning)
            throws InterruptedException {
        RunCgroup cgroup = RunCgroup.reserve(config);
        LaunchPlan plan;
        try {
            plan = Planner.plan(config, List.copyOf(command), cgroup.procsFiles(), cgroup.mounts());
            afterPlanning.run();
        } catch (RuntimeException e) {
            cgroup.release();
            throw e;
        }
        Execution ex = Execution.launch(config, plan, config.stdin(), false, cgroup);
        try {
            ex.awaitExec();
            return ex.awaitResult();
        } catch (InterruptedException | RuntimeException | Error e) {
            ex.abort();
            throw e;
        }
    }
}
