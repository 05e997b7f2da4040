package dev.sandbox4j.exec;

import dev.sandbox4j.exec.host.ContainerEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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

    private SetupHints() {}

    static String explain(String step, int errno, String detail) {
        String hint = hint(step, errno, detail, Path.of("/"), System.getenv());
        return hint == null ? detail : detail + "; " + hint;
    }

    static String hint(String step, int errno, Path root) {
        return hint(step, errno, null, root, Map.of());
    }

    /** {@code root} is "/" and {@code env} the JVM's environment but for tests; {@code detail} may be null. */
    static String hint(String step, int errno, String detail, Path root, Map<String, String> env) {
        Path procSys = root.resolve("proc/sys");
        if (step.equals("join cgroup") && errno == EINVAL && realTime(root.resolve("proc/self/stat"))) {
            return "this process runs under real-time scheduling (SCHED_FIFO or SCHED_RR), which the sandbox "
                    + "inherits, and a cgroup v1 cpu controller refuses real-time tasks unless the cgroup has a "
                    + "real-time budget (cpu.rt_runtime_us); run under normal scheduling, or without a cpu limit";
        }
        boolean userNsStep = step.equals("clone") || step.startsWith("write ") || step.startsWith("mount");
        if (!userNsStep) {
            return errno == EPERM ? containerHint(step, detail, root, env) : null;
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
        String container = errno == EPERM ? containerHint(step, detail, root, env) : null;
        if (container != null) {
            return container;
        }
        if (step.equals("clone") && Files.exists(root.resolve(".dockerenv"))) {
            return "inside a container, whose seccomp profile usually forbids creating namespaces";
        }
        return null;
    }

    /**
     * A container's restriction that explains an EPERM: masked /proc for a proc mount, the outer seccomp filter
     * for sethostname, namespace creation, mounts and pivot_root. Null when none applies.
     */
    private static String containerHint(String step, String detail, Path root, Map<String, String> env) {
        if (!Files.exists(root.resolve("proc/self/status"))) {
            return null;
        }
        try {
            return containerHint(step, detail == null ? "" : detail, ContainerEnvironment.read(root, env));
        } catch (RuntimeException e) {
            return null; // an unreadable /proc file: the step's own error still stands, without a hint
        }
    }

    private static String containerHint(String step, String detail, ContainerEnvironment env) {
        String where = env.container().orElse(env.outerSeccompFilters() > 0 ? "an outer seccomp filter" : null);
        if (where == null) {
            return null;
        }
        boolean procMount = step.startsWith("mount") && (detail.startsWith("proc") || step.equals("mount proc"));
        if (procMount && !env.maskedProcPaths().isEmpty()) {
            return "this runs in " + where + " whose /proc is masked (" + String.join(", ", env.maskedProcPaths())
                    + " over-mounted), and the kernel refuses a new proc mount while parts of the old one are hidden; "
                    + "lift: " + ContainerEnvironment.PROC_LIFT;
        }
        if (env.outerSeccompFilters() == 0) {
            return null;
        }
        String refused;
        if (step.equals("sethostname")) {
            refused = "sethostname (podman's and Docker's default profiles allow it only with CAP_SYS_ADMIN; without "
                    + "a chosen hostname sandbox4j keeps the inherited one instead)";
        } else if (step.equals("clone") || step.equals("unshare")) {
            refused = "creating namespaces (Docker's and Kubernetes' RuntimeDefault profiles allow it only with "
                    + "CAP_SYS_ADMIN)";
        } else if (step.startsWith("mount") || step.equals("pivot_root") || step.startsWith("umount")) {
            refused = step + " (Docker's and Kubernetes' RuntimeDefault profiles allow it only with CAP_SYS_ADMIN)";
        } else {
            return null;
        }
        return "the seccomp filter of " + where + " refuses " + refused + "; lift: "
                + ContainerEnvironment.SECCOMP_LIFT;
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
