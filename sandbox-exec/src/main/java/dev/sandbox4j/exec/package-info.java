/**
 * Running programs in a sandbox: {@link dev.sandbox4j.exec.Sandbox}, configured by an immutable
 * {@link dev.sandbox4j.exec.SandboxConfig} from a {@link dev.sandbox4j.exec.SandboxBuilder}, returning a
 * {@link dev.sandbox4j.exec.SandboxResult} or, for streaming, a {@link dev.sandbox4j.exec.SandboxProcess}.
 *
 * <p>How a run works: Java validates the configuration, resolves the program in the sandbox's PATH and
 * encodes one versioned launch plan. A small static C launcher (shipped in this jar, extracted to a private
 * per-user cache, named by {@code SANDBOX4J_LAUNCHER}, or chosen with {@link dev.sandbox4j.exec.LauncherSource})
 * connects back over a Unix socket, reads the plan
 * and executes it: init is cloned into the new namespaces as PID 1 with its id maps written from outside,
 * and the workload sets hostname, loopback, mounts, rlimits, ids, drops every capability, sets
 * no-new-privs, installs the seccomp filter and execs. The launcher reports "exec ok", a setup error
 * {@code {step, errno, detail}}, and finally the workload's wait status and rusage; it never touches the
 * workload's stdin, stdout or stderr. The timeout is enforced from Java: the launcher asks init to kill
 * every process of the sandbox.
 *
 * <p>Resource limits: in privileged mode each run gets its own cgroup (sandbox-cgroup), created before the
 * launcher starts and joined by it before it forks, read and removed when the run ends; without a PID namespace
 * it is also what kills the sandbox. Elsewhere memory and pids become rlimits, and a cpu limit or a further
 * cgroup limit ({@link dev.sandbox4j.exec.SandboxBuilder#cgroupLimit}) is refused at {@code build()}. {@link dev.sandbox4j.exec.LimitMechanism} and {@link dev.sandbox4j.exec.UsageSource} tell
 * which mechanism held a limit and where a figure comes from.
 */
package dev.sandbox4j.exec;
