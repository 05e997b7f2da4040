package dev.sandbox4j.exec;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxSetupException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of a run as one JSON object on one line: the document {@code sandbox-ctl --report} writes, for a
 * service to hand its callers the same. Fields in this order, {@code null} where one does not apply:
 *
 * <pre>{@code
 * {"id":"sbx-1a2b3c4d","mode":"privileged","exitCode":0,"signal":null,"signalName":null,"timedOut":false,
 *  "oomKilled":false,"seccompViolation":false,"blockedSyscall":null,"violation":null,"wallTimeMs":41,"cpuTimeUs":1203,
 *  "userTimeUs":0,"systemTimeUs":1203,"memoryPeakBytes":1572864,"setupError":null,"degradations":[],
 *  "refusedConnections":null,"status":"exited"}
 * }</pre>
 *
 * <ul>
 *   <li>{@code refusedConnections}: under a user-mode network, the packets its egress rules refused (a refused
 *       connect counts one); {@code null} otherwise.</li>
 *   <li>{@code status}: {@link RunStatus#reportName()}, the one verdict ({@code "exited"}, {@code "signaled"},
 *       {@code "timeout"}, {@code "cpu_time_limit"}, {@code "memory_limit"}, {@code "seccomp_violation"},
 *       {@code "sandbox_failed"}, {@code "setup_failed"}).</li>
 *   <li>{@code cpuTimeUs} and {@code memoryPeakBytes} are the whole sandbox's when the run had a cgroup, else the
 *       workload's rusage; {@code oomKilled} is {@code null} when the run had no memory cgroup to tell.</li>
 *   <li>{@code violation}: the first refused system call, when the sandbox could name it: {@code syscall},
 *       {@code number}, {@code arch}, {@code args} (by index, hex strings), {@code action}, {@code process}
 *       ({@code "program"} or {@code "child"}) and {@code permittedBy} (the first built-in profile that permits it).</li>
 *   <li>When the program never ran, everything about the run is {@code null} and {@code setupError} holds
 *       {@code step}, {@code errno} (a name such as {@code "ENOENT"}, or {@code null}) and {@code message}.</li>
 * </ul>
 */
public final class SandboxReport {
    private SandboxReport() {}

    /** The report of a run that has a result. */
    public static String json(SandboxResult r) {
        return new JsonObject()
                .string("id", r.id())
                .string("mode", modeName(r.mode()))
                .number("exitCode", r.exitCode().isPresent() ? r.exitCode().getAsInt() : null)
                .number("signal", r.signal().isPresent() ? r.signal().getAsInt() : null)
                .string("signalName", r.signalName().orElse(null))
                .bool("timedOut", r.timedOut())
                .bool("oomKilled", r.oomKills().isPresent() ? r.oomKilled() : null)
                .bool("seccompViolation", r.seccompViolation())
                .string("blockedSyscall", r.blockedSyscall().orElse(null))
                .object("violation", r.violation().map(SandboxReport::violation).orElse(null))
                .number("wallTimeMs", r.wallTime().toMillis())
                .number("cpuTimeUs", micros(r.cpuTime()))
                .number("userTimeUs", micros(r.userTime()))
                .number("systemTimeUs", micros(r.systemTime()))
                .number("memoryPeakBytes", r.memoryPeakBytes())
                .object("setupError", null)
                .strings("degradations", r.degradations())
                .number(
                        "refusedConnections",
                        r.refusedConnections().isPresent()
                                ? r.refusedConnections().getAsLong()
                                : null)
                .string("status", r.status().reportName())
                .toString();
    }

    /**
     * The report of a run whose program never ran (a setup failure) or that sandbox4j itself ended.
     *
     * @param id    the sandbox's id, if known
     * @param mode  the mode it resolved to, if it got that far
     * @param step  the failed step ({@link SandboxSetupException#step()}), or what ended the run
     * @param errno the errno's name, e.g. {@code "ENOENT"}, if there was one
     */
    public static String notRun(
            Optional<String> id,
            Optional<PrivilegeMode> mode,
            RunStatus status,
            String step,
            Optional<String> errno,
            String message) {
        JsonObject setupError = new JsonObject()
                .string("step", step)
                .string("errno", errno.orElse(null))
                .string("message", message);
        return new JsonObject()
                .string("id", id.orElse(null))
                .string("mode", mode.map(SandboxReport::modeName).orElse(null))
                .number("exitCode", (Long) null)
                .number("signal", (Long) null)
                .string("signalName", null)
                .bool("timedOut", null)
                .bool("oomKilled", null)
                .bool("seccompViolation", null)
                .string("blockedSyscall", null)
                .object("violation", null)
                .number("wallTimeMs", (Long) null)
                .number("cpuTimeUs", (Long) null)
                .number("userTimeUs", (Long) null)
                .number("systemTimeUs", (Long) null)
                .number("memoryPeakBytes", (Long) null)
                .object("setupError", setupError)
                .strings("degradations", null)
                .number("refusedConnections", (Long) null)
                .string("status", status.reportName())
                .toString();
    }

    private static JsonObject violation(SeccompViolation v) {
        JsonObject args = new JsonObject();
        v.arguments().forEach((i, value) -> args.string(Integer.toString(i), "0x" + Long.toHexString(value)));
        return new JsonObject()
                .string("syscall", v.syscall())
                .number("number", v.number())
                .string("arch", v.arch())
                .object("args", args)
                .string("action", v.action().toString())
                .string("process", v.programProcess() ? "program" : "child")
                .string("permittedBy", v.permittedBy().map(p -> p.cliName()).orElse(null));
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    /** As {@code --mode} spells it. */
    private static String modeName(PrivilegeMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
