package dev.sandbox4j.core;

/**
 * How a sandbox obtains its isolation. In every mode the workload holds no capability in the host's user
 * namespace and never acts as uid 0 on the host's files.
 */
public enum PrivilegeMode {
    /** {@link #PRIVILEGED} when the process can use it, otherwise {@link #UNPRIVILEGED}. */
    AUTO,
    /** Cgroup limits and every namespace; needs the capabilities and a writable cgroup hierarchy. */
    PRIVILEGED,
    /** User namespace, seccomp, Landlock and rlimits; works for any user where user namespaces are enabled. */
    UNPRIVILEGED
}
