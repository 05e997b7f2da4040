package dev.sandbox4j.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Adds the likely cause to a setup error where the kernel's errno alone misleads: user namespaces turned
 * off or restricted by a sysctl, AppArmor's restriction on Ubuntu, a container's seccomp profile, a real-time
 * caller refused by a cpu cgroup. Looked up only when a step has failed, so the happy path reads nothing.
 */
final class SetupHints {
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int EINVAL = 22;
    private static final int ENOSPC = 28;
    private static final int SCHED_FIFO = 1;
    private static final int SCHED_RR = 2;

    private SetupHints() {
    }

    static String explain(String step, int errno, String detail) {
        String hint = hint(step, errno, Path.of("/"));
        return hint == null ? detail : detail + "; " + hint;
    }

    /** {@code root} is "/" but for tests. */
    static String hint(String step, int errno, Path root) {
        Path procSys = root.resolve("proc/sys");
        if (step.equals("join cgroup") && errno == EINVAL && realTime(root.resolve("proc/self/stat"))) {
            return "this process runs under real-time scheduling (SCHED_FIFO or SCHED_RR), which the sandbox "
                    + "inherits, and a cgroup v1 cpu controller refuses real-time tasks unless the cgroup has a "
                    + "real-time budget (cpu.rt_runtime_us); run under normal scheduling, or without a cpu limit";
        }
        boolean userNsStep = step.equals("clone") || step.startsWith("write ") || step.startsWith("mount");
        if (!userNsStep) {
            return null;
        }
        if (errno == ENOSPC && step.equals("clone")) {
            return "the user namespace limit is reached (user.max_user_namespaces = "
                    + read(procSys.resolve("user/max_user_namespaces")) + ")";
        }
        if (errno != EPERM && errno != EACCES) {
            return null;
        }
        if ("0".equals(read(procSys.resolve("kernel/unprivileged_userns_clone")))) {
            return "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)";
        }
        if ("1".equals(read(procSys.resolve("kernel/apparmor_restrict_unprivileged_userns")))) {
            return "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1);"
                    + " give the launcher an AppArmor profile that allows userns, or set SANDBOX4J_LAUNCHER to one that has it";
        }
        if ("0".equals(read(procSys.resolve("user/max_user_namespaces")))) {
            return "user namespaces are disabled (user.max_user_namespaces = 0)";
        }
        if (step.equals("clone") && Files.exists(root.resolve(".dockerenv"))) {
            return "inside a container, whose seccomp profile usually forbids creating namespaces";
        }
        return null;
    }

    /** Whether the policy in a /proc/PID/stat (its 41st field) is a real-time one. */
    private static boolean realTime(Path stat) {
        String text = read(stat);
        if (text == null) {
            return false;
        }
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        String[] fields = text.substring(text.lastIndexOf(')') + 1).trim().split(" ");
        int policyIndex = 41 - 3;
        if (fields.length <= policyIndex) {
            return false;
        }
        String policy = fields[policyIndex];
        return policy.equals(Integer.toString(SCHED_FIFO)) || policy.equals(Integer.toString(SCHED_RR));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
