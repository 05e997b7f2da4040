package dev.sandbox4j.cli;

import dev.sandbox4j.core.PrivilegeMode;
import java.util.Optional;

/**
 * Which of the limits the executor accepts this build actually enforces. The executor carries a cpu
 * percentage without enforcing it (no rlimit can express a rate; the cgroup cpu controller is not yet
 * applied to runs), and sandbox-ctl must never let a user believe a limit holds when it does not.
 *
 * <p>This is the single point to switch when cgroup limits are applied to runs. It belongs in the library,
 * really: {@code SandboxConfig} should say which of its limits it enforces in its resolved mode, so that
 * every caller, not only the command line, can refuse to run without them.
 */
interface Enforcement {

    /** Why a cpu limit would not be enforced for a run asked for in {@code mode}; empty if it would be. */
    Optional<String> cpuNotEnforced(PrivilegeMode mode);

    /** What this build does. */
    Enforcement THIS_BUILD = mode -> Optional.of("this build does not enforce cpu limits yet "
            + "(the cgroup cpu controller is not applied to runs)");
}
