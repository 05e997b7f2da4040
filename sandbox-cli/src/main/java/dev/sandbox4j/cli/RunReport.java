package dev.sandbox4j.cli;

import dev.sandbox4j.cli.ProgramRunner.RunOutcome;
import dev.sandbox4j.core.internal.IoErrors;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.SandboxReport;
import dev.sandbox4j.exec.SandboxResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --report}: the outcome of a run as one JSON object on one line, written by the library
 * ({@link SandboxReport}), with exactly the fields of the command-line contract, in its order, {@code null} where a
 * field does not apply:
 *
 * <pre>{@code
 * {"id":"sbx-1a2b3c4d","mode":"privileged","exitCode":0,"signal":null,"signalName":null,"timedOut":false,
 *  "oomKilled":false,"seccompViolation":false,"blockedSyscall":null,"violation":null,"wallTimeMs":41,"cpuTimeUs":1203,
 *  "userTimeUs":0,"systemTimeUs":1203,"memoryPeakBytes":1572864,"setupError":null,"degradations":[],"status":"exited"}
 * }</pre>
 *
 * {@code status} is the one verdict ({@link RunStatus}): {@code exited}, {@code signaled}, {@code timeout},
 * {@code cpu_time_limit}, {@code memory_limit}, {@code seccomp_violation}, {@code sandbox_failed},
 * {@code setup_failed}.
 *
 * {@code degradations} lists, one string each, what the run did without ({@link SandboxResult#degradations()}:
 * a hostname a container refused, no /proc with {@code --no-proc}, the host's network with {@code --network host});
 * {@code null} when the program never ran. {@code refusedConnections}: under {@code --network user}, the packets its
 * egress rules refused (a refused connect is one); {@code null} for other networks.
 *
 * {@code cpuTimeUs} and {@code memoryPeakBytes} are the whole sandbox's when the run had a cgroup (privileged mode),
 * else the workload's rusage ({@link SandboxResult#cpuTimeSource()}, {@link SandboxResult#memoryPeakSource()});
 * {@code oomKilled} is {@code null} when the run had no memory cgroup to tell. {@code violation} details the
 * first system call the seccomp profile refused, when the sandbox could name it: {@code syscall}, {@code number},
 * {@code arch}, {@code args} (those the profile's rules look at, by index, as hex strings: 64-bit values do not
 * survive a JSON number), {@code action} ({@code KILL_PROCESS} or {@code ERRNO(n)}), {@code process}
 * ({@code "program"} or {@code "child"}: the program's own process or one it started) and {@code permittedBy}
 * (the first built-in profile that permits the call, or {@code null}).
 *
 * <p>When the program never ran, everything about the run is {@code null} and {@code setupError} holds
 * {@code step}, {@code errno} (a name such as {@code "ENOENT"}, or {@code null}) and {@code message}.
 * {@code exitCode} is the program's own status, never sandbox-ctl's (124, 125…): those say what sandbox-ctl
 * did, the report says what happened.
 */
final class RunReport {
    /** {@code --report -}: the report goes to stderr, after anything the program wrote there. */
    static final String STDERR = "-";

    private RunReport() {}

    static String json(RunOutcome outcome) {
        if (outcome instanceof RunOutcome.Ran ran) {
            return ran(ran.result());
        }
        return notRun((RunOutcome.NotRun) outcome);
    }

    private static String ran(SandboxResult r) {
        return r.toJson();
    }

    private static String notRun(RunOutcome.NotRun n) {
        // Step "run" is ProgramRunner's word for a RunAbortedException: sandbox4j, not the setup, ended the run.
        RunStatus status = n.step().equals("run") ? RunStatus.SANDBOX_FAILED : RunStatus.SETUP_FAILED;
        return SandboxReport.notRun(n.id(), n.mode(), status, n.step(), n.errno(), n.message());
    }

    /**
     * Fixes the report's target before the program runs ({@link OutputFile#prepare}): empty for {@code -} (stderr).
     */
    static Optional<OutputFile.Prepared> prepare(String target) throws IOException {
        return target.equals(STDERR) ? Optional.empty() : Optional.of(OutputFile.prepare(Path.of(target)));
    }

    /** {@link #prepare} and {@link #write(Optional, String, String, PrintWriter)} at once. */
    static boolean write(String target, String json, PrintWriter err) {
        Optional<OutputFile.Prepared> prepared;
        try {
            prepared = prepare(target);
        } catch (IOException | RuntimeException e) {
            cannotWrite(target, e, err);
            return false;
        }
        return write(prepared, target, json, err);
    }

    /**
     * Writes {@code json} and a newline to stderr when {@code prepared} is empty, else to the target it fixed:
     * atomically for a regular file, through for a device or FIFO, never replacing anything but a regular file.
     * A failure is reported on stderr.
     *
     * @return whether the report was written
     */
    static boolean write(Optional<OutputFile.Prepared> prepared, String target, String json, PrintWriter err) {
        if (prepared.isEmpty()) {
            err.println(json);
            err.flush();
            return true;
        }
        try (OutputFile.Prepared file = prepared.get()) {
            file.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (IOException | RuntimeException e) {
            cannotWrite(target, e, err);
            return false;
        }
    }

    static void cannotWrite(String target, Exception e, PrintWriter err) {
        String reason = e instanceof IOException io
                ? IoErrors.describe(io, Path.of(target).toAbsolutePath().toString())
                : e.toString();
        err.println("sandbox-ctl: cannot write the report to " + target + ": " + reason);
        err.flush();
    }

    /** What would stop the report from being written, checked before the program runs. */
    static Optional<String> problemWith(String target) {
        return target.equals(STDERR) ? Optional.empty() : OutputFile.problemWith(Path.of(target));
    }
}
