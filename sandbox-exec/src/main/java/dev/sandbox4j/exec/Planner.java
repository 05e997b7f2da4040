package dev.sandbox4j.exec;

import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.internal.CgroupMount;
import dev.sandbox4j.namespace.internal.MountPlan;
import dev.sandbox4j.namespace.internal.MountPlanner;
import dev.sandbox4j.seccomp.BpfProgram;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Turns a validated configuration and a command into the launcher's plan: every decision is made here. */
final class Planner {
    private Planner() {}

    static LaunchPlan plan(SandboxConfig config, List<String> command) {
        return plan(config, command, List.of(), List.of());
    }

    /**
     * @param cgroupProcs the run's {@code cgroup.procs} files, into which the launcher moves init before init forks,
     *                    so that the workload is a member before it execs
     * @param cgroupMounts  the run's hierarchies, shown read-only at /sys/fs/cgroup of a filesystem view when the
     *                      sandbox has its own cgroup namespace (rooted at the run's cgroups)
     */
    static LaunchPlan plan(
            SandboxConfig config, List<String> command, List<String> cgroupProcs, List<CgroupMount> cgroupMounts) {
        return plan(config, command, cgroupProcs, cgroupMounts, false);
    }

    /**
     * @param skipHostname leave the hostname unset: the environment refuses sethostname and the caller did not
     *                     choose the hostname (see {@link Sandbox})
     */
    static LaunchPlan plan(
            SandboxConfig config,
            List<String> command,
            List<String> cgroupProcs,
            List<CgroupMount> cgroupMounts,
            boolean skipHostname) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the command is empty");
        }
        return plan(config, RunSettings.of(config, command, true), cgroupProcs, cgroupMounts, skipHostname);
    }

    /** As above, for one run's settings (its request merged over the sandbox's configuration). */
    static LaunchPlan plan(
            SandboxConfig config,
            RunSettings run,
            List<String> cgroupProcs,
            List<CgroupMount> cgroupMounts,
            boolean skipHostname) {
        return plan(config, run, cgroupProcs, cgroupMounts, skipHostname, false);
    }

    /**
     * As above; {@code held}: a pre-warmed sandbox's plan, everything but the program, argv, env and cwd, which
     * come later from the plan of the run that takes it ({@link LaunchPlan#encodeRest()}). {@code run}'s command
     * is then not looked at.
     */
    static LaunchPlan plan(
            SandboxConfig config,
            RunSettings run,
            List<String> cgroupProcs,
            List<CgroupMount> cgroupMounts,
            boolean skipHostname,
            boolean held) {
        FilesystemView view = run.files.view(config.filesystem().orElse(null));
        LaunchPlan.Builder plan = LaunchPlan.builder();
        if (held) {
            plan.prewarmed();
        } else {
            request(plan, run, view);
        }
        return sandbox(plan, config, run, view, cgroupProcs, cgroupMounts, skipHostname);
    }

    /** The payload of {@link Wire#MSG_CONTINUE} for {@code run}: what a pre-warmed sandbox is sent when taken. */
    static byte[] rest(SandboxConfig config, RunSettings run) {
        LaunchPlan.Builder plan = LaunchPlan.builder();
        request(plan, run, run.files.view(config.filesystem().orElse(null)));
        return plan.build().encodeRest();
    }

    /** The request's part of a plan: what a pre-warmed sandbox is sent when a run takes it. */
    private static void request(LaunchPlan.Builder plan, RunSettings run, FilesystemView view) {
        List<String> command = run.command;
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the command is empty");
        }
        for (String arg : command) {
            LaunchPlan.utf8(arg); // refuses NULs here, before anything starts
        }
        // With its own view the program starts at "/" of it unless told otherwise, and is looked up there.
        Path cwd = run.cwd != null ? run.cwd : view != null ? Path.of("/") : Path.of(System.getProperty("user.dir"));
        String program = view != null
                ? ProgramResolver.resolve(command.get(0), run.environment.get("PATH"), cwd, view::hostPath)
                : ProgramResolver.resolve(command.get(0), run.environment.get("PATH"), cwd);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : run.environment.entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        plan.program(program).argv(command).env(env).cwd(run.cwd == null ? null : run.cwd.toString());
    }

    private static LaunchPlan sandbox(
            LaunchPlan.Builder plan,
            SandboxConfig config,
            RunSettings run,
            FilesystemView view,
            List<String> cgroupProcs,
            List<CgroupMount> cgroupMounts,
            boolean skipHostname) {
        boolean mountNs = config.namespaces().contains(Namespace.MOUNT);
        plan.cloneFlags(config.namespaces().cloneFlags())
                .hostname(skipHostname ? null : config.hostname().orElse(null))
                .uidMap(config.uidMap().map(m -> m.toProcFormat()).orElse(null))
                .gidMap(config.gidMap().map(m -> m.toProcFormat()).orElse(null))
                .setgroupsDeny(config.setgroupsDeny())
                .uid(config.uid())
                .gid(config.gid())
                .clearGroups(config.clearGroups())
                .loopbackUp(config.namespaces().contains(Namespace.NET))
                // A user-mode network is attached to init's namespace while the launcher holds it.
                .hold(config.network().mode() == Network.Mode.USER)
                // Always a new session: the workload must not reach the caller's terminal (TIOCSTI).
                .newSession(true)
                .seccomp(seccomp(config));
        config.seccompSupervision().ifPresent(s -> plan.seccompNotify(s.response()));
        cgroupProcs.forEach(plan::cgroupProcs);
        for (Map.Entry<RlimitConfig.Resource, RlimitConfig.Limit> e :
                run.rlimits.limits().entrySet()) {
            plan.rlimit(e.getKey().number(), e.getValue().soft(), e.getValue().hard());
        }
        // sandbox4j's own cache and run directory (the launcher, the fork server's socket) are nobody's business
        // inside: covered wherever a view would show them, and on the host's tree where the sandbox has its own
        // mount namespace. Without one they stay visible (0700, the caller's), and the control connections do not
        // depend on it: only the launcher can make them (see ControlChannel).
        List<Path> hidden = new ArrayList<>(List.of(LauncherBinary.get().privateDirectory()));
        // The workload's host uid may be another user's own (a root caller's program is 65534): that user's
        // sandbox4j caches in /tmp and /var/tmp are writable to it, and a launcher or socket planted there would be
        // run or trusted by that user's next sandbox. Out of sight too.
        long hostUid = config.uidMap().flatMap(m -> toOutside(m, config.uid())).orElse(config.uid());
        if (hostUid != HostIdentity.current().euid()) {
            for (Path cache : LauncherBinary.cacheCandidates(Map.of(), hostUid)) {
                if (!hidden.contains(cache) && Files.isDirectory(cache, LinkOption.NOFOLLOW_LINKS)) {
                    hidden.add(cache);
                }
            }
        }
        if (view != null) {
            // Private first: nothing mounted while assembling the view may propagate to the host.
            plan.mount(LaunchPlan.Mount.privateRoot());
            List<CgroupMount> cgroups =
                    !cgroupProcs.isEmpty() && config.namespaces().contains(Namespace.CGROUP) ? cgroupMounts : List.of();
            long tmpfsSize = MountPlanner.defaultTmpfsSize(run.memoryLimit);
            for (MountPlan.Operation op : MountPlanner.plan(
                            view, config.namespaces().contains(Namespace.USER), cgroups, hidden, tmpfsSize)
                    .operations()) {
                if (!(config.withoutProc() && "proc".equals(op.fstype()))) {
                    plan.mount(LaunchPlan.Mount.of(op));
                }
            }
        } else if (mountNs) {
            plan.mount(LaunchPlan.Mount.privateRoot());
            hidden.forEach(dir -> plan.mount(LaunchPlan.Mount.of(
                    new MountPlan.Operation(MountPlan.Kind.MASK, "", dir.toString(), "", 0, 0, ""))));
            // A fresh /proc shows the sandbox's own processes; only a member of the new PID namespace may mount it.
            if (config.namespaces().contains(Namespace.PID) && !config.withoutProc()) {
                plan.mount(LaunchPlan.Mount.proc("/proc"));
            } else if (config.withoutProc()) {
                // No /proc asked for: not the host's either, which would show every process of the host.
                plan.mount(
                        LaunchPlan.Mount.of(new MountPlan.Operation(MountPlan.Kind.MASK, "", "/proc", "", 0, 0, "")));
            }
        }
        config.effectiveLandlock().ifPresent(landlock -> {
            plan.landlock(landlock.handledAccess());
            landlock.rules()
                    .forEach(r ->
                            plan.landlockRule(new LaunchPlan.LandlockRule(r.path(), r.allowedAccess(), r.optional())));
        });
        return plan.build();
    }

    /**
     * The program the workload loads: the filter (its refusal sent to the supervisor when supervised), behind the
     * network guard when the sandbox has a network of its own; null for none.
     */
    static byte[] seccomp(SandboxConfig config) {
        BpfProgram program = config.seccompProgram()
                .map(p -> config.seccompSupervision().map(s -> s.program(p)).orElse(p))
                .orElse(null);
        // The guard goes in front only now, after the supervisor's rewrite: its own refusals are not violations.
        BpfProgram loaded =
                config.networkGuard().map(guard -> guard.before(program)).orElse(program);
        return loaded == null ? null : loaded.toBytes();
    }

    private static Optional<Long> toOutside(IdMap map, long inside) {
        OptionalLong outside = map.toOutside(inside);
        return outside.isPresent() ? Optional.of(outside.getAsLong()) : Optional.empty();
    }
}
