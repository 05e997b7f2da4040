package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.namespace.Namespace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns a validated configuration and a command into the launcher's plan: every decision is made here. */
final class Planner {
    private Planner() {
    }

    static LaunchPlan plan(SandboxConfig config, List<String> command) {
        return plan(config, command, List.of());
    }

    /**
     * @param cgroupProcs the run's {@code cgroup.procs} files, which the launcher joins before it forks, so that
     *                    the workload is a member before it execs
     */
    static LaunchPlan plan(SandboxConfig config, List<String> command, List<String> cgroupProcs) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the command is empty");
        }
        for (String arg : command) {
            LaunchPlan.utf8(arg); // refuses NULs here, before anything starts
        }
        Path cwd = config.cwd().orElse(Path.of(System.getProperty("user.dir")));
        String program = ProgramResolver.resolve(command.get(0), config.environment().get("PATH"), cwd);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : config.environment().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        boolean mountNs = config.namespaces().contains(Namespace.MOUNT);
        LaunchPlan.Builder plan = LaunchPlan.builder()
                .cloneFlags(config.namespaces().cloneFlags())
                .program(program)
                .argv(command)
                .env(env)
                .cwd(config.cwd().map(Path::toString).orElse(null))
                .hostname(config.hostname().orElse(null))
                .uidMap(config.uidMap().map(m -> m.toProcFormat()).orElse(null))
                .gidMap(config.gidMap().map(m -> m.toProcFormat()).orElse(null))
                .setgroupsDeny(config.setgroupsDeny())
                .uid(config.uid())
                .gid(config.gid())
                .clearGroups(config.clearGroups())
                .loopbackUp(config.namespaces().contains(Namespace.NET))
                // Always a new session: the workload must not reach the caller's terminal (TIOCSTI).
                .newSession(true)
                .seccomp(config.seccompProgram().map(p -> p.toBytes()).orElse(null));
        cgroupProcs.forEach(plan::cgroupProcs);
        for (Map.Entry<RlimitConfig.Resource, RlimitConfig.Limit> e : config.effectiveRlimits().limits().entrySet()) {
            plan.rlimit(e.getKey().number(), e.getValue().soft(), e.getValue().hard());
        }
        if (mountNs) {
            plan.mount(LaunchPlan.Mount.privateRoot());
            // A fresh /proc shows the sandbox's own processes; only a member of the new PID namespace may mount it.
            if (config.namespaces().contains(Namespace.PID)) {
                plan.mount(LaunchPlan.Mount.proc("/proc"));
            }
        }
        return plan.build();
    }
}
