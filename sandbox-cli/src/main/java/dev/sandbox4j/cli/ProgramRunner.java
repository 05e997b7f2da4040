package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.Errno;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.LimitMechanism;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.RunAbortedException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompViolation;
import dev.sandbox4j.seccomp.SeccompAction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs PROGRAM and turns what happened into sandbox-ctl's outcome: exit status, one-line message, {@code --report}.
 * sandbox-ctl writes to stderr only after the program has ended, or instead of it when it never started.
 */
final class ProgramRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramRunner.class);
    /** The step a refusal before any launch is reported under. */
    static final String CONFIGURE = "configure";

    private final PrintWriter err;
    private final Path currentDirectory;
    private final boolean verbose;

    /**
     * @param err              sandbox-ctl's stderr
     * @param currentDirectory sandbox-ctl's working directory: the program's too, unless {@code -w} says otherwise
     * @param verbose          {@code -v}
     */
    ProgramRunner(PrintWriter err, Path currentDirectory, boolean verbose) {
        this.err = Objects.requireNonNull(err, "err");
        this.currentDirectory = Objects.requireNonNull(currentDirectory, "currentDirectory");
        this.verbose = verbose;
    }

    /** A runner for sandbox-ctl's own process: its stderr, its working directory. */
    static ProgramRunner here(PrintWriter err, boolean verbose) {
        return new ProgramRunner(err, Path.of(System.getProperty("user.dir")), verbose);
    }

    /**
     * @throws InvalidConfigException when the executor refuses an option's value: a bad command line (exit 2),
     *         reported by the caller like every other bad value, before anything ran and without a report
     */
    int run(RunOptions options) {
        // The report's target is fixed before the program runs: whatever it leaves behind cannot redirect the write.
        Optional<OutputFile.Prepared> report = Optional.empty();
        if (options.report != null) {
            try {
                report = RunReport.prepare(options.report);
            } catch (IOException | RuntimeException e) {
                RunReport.cannotWrite(options.report, e, err);
                return ExitCodes.USAGE; // as the check of the command line would have said
            }
        }
        RunOutcome outcome = execute(options);
        explain(outcome, options);
        if (options.report != null && !RunReport.write(report, options.report, RunReport.json(outcome), err)) {
            // Checked before the run, yet not written (a full disk, a target swapped meanwhile): a caller that
            // asked for a report must not take the exit status alone for success.
            return ExitCodes.SETUP_FAILED;
        }
        return outcome.exitStatus();
    }

    private RunOutcome execute(RunOptions options) {
        SandboxConfig config;
        try {
            ConfigMapping.Configured configured = ConfigMapping.build(options, currentDirectory);
            config = configured.config();
            if (verbose) {
                for (String left : configured.notApplied()) {
                    err.println("sandbox-ctl: the " + options.preset.cliName() + " preset's " + left);
                }
                err.flush();
            }
        } catch (InvalidConfigException e) {
            throw e;
        } catch (SandboxException e) {
            // This host cannot do what was asked (the mode, an explicit --cpu, Landlock): nothing was started.
            return new RunOutcome.NotRun(
                    Optional.ofNullable(options.id),
                    Optional.empty(),
                    CONFIGURE,
                    Optional.empty(),
                    e.getMessage(),
                    ExitCodes.SETUP_FAILED);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("preset {}: {}; {}", options.preset.cliName(), enforcement(config), config);
        }
        Optional<String> id = Optional.of(config.id());
        Optional<PrivilegeMode> mode = Optional.of(config.mode());
        try (Sandbox sandbox = Sandbox.create(config)) {
            SignalForwarding forwarding = SignalForwarding.install();
            try {
                SandboxProcess process = sandbox.start(options.command);
                forwarding.forwardTo(process::sendSignal);
                return new RunOutcome.Ran(process.waitFor(), config);
            } finally {
                forwarding.close();
            }
        } catch (ProgramNotRunnableException e) {
            boolean notFound = e.reason() == ProgramNotRunnableException.Reason.NOT_FOUND;
            String message = "cannot run '" + options.program().orElseThrow() + "': "
                    + (notFound ? "not found" : "not executable") + " (" + e.errnoName() + " at step '" + e.step()
                    + "')";
            return new RunOutcome.NotRun(
                    id,
                    mode,
                    e.step(),
                    Optional.ofNullable(e.errnoName()),
                    message,
                    notFound ? ExitCodes.NOT_FOUND : ExitCodes.NOT_EXECUTABLE);
        } catch (SandboxSetupException e) {
            return new RunOutcome.NotRun(
                    id, mode, e.step(), Optional.ofNullable(e.errnoName()), e.getMessage(), ExitCodes.SETUP_FAILED);
        } catch (RunAbortedException e) {
            // sandbox4j's own machinery ended the run (its launcher died): no result of the program's to report.
            return new RunOutcome.NotRun(id, mode, "run", Optional.empty(), e.getMessage(), ExitCodes.SETUP_FAILED);
        } catch (SandboxException e) {
            // Before the launcher reported a step: extracting or starting it, sending the plan.
            return new RunOutcome.NotRun(id, mode, "launch", Optional.empty(), e.getMessage(), ExitCodes.SETUP_FAILED);
        } catch (InterruptedException e) {
            // Nothing in sandbox-ctl interrupts its main thread; should something, closing the sandbox has killed
            // the program, and there is no result to report.
            Thread.currentThread().interrupt();
            return new RunOutcome.NotRun(
                    id,
                    mode,
                    "wait",
                    Optional.empty(),
                    "interrupted while waiting for the program; the sandbox was killed, its result is unknown",
                    ExitCodes.SETUP_FAILED);
        }
    }

    /** For {@code -v}: how the executor enforces each limit in the mode it resolved to. */
    static String enforcement(SandboxConfig config) {
        return "mode " + config.mode().name().toLowerCase(Locale.ROOT)
                + ": memory "
                + config.memoryLimitMechanism()
                        .map(m -> mechanism(m, "RLIMIT_DATA"))
                        .orElse("none")
                + ", pids "
                + config.pidsLimitMechanism()
                        .map(m -> mechanism(m, "RLIMIT_NPROC"))
                        .orElse("none")
                + ", cpu " + config.cpuLimitMechanism().map(m -> "by cgroup").orElse("none")
                + ", filesystem " + config.filesystem().map(v -> "view").orElse("host's");
    }

    /** The name sandbox-ctl gives a mechanism: the cgroup, or the rlimit that stands in for it. */
    static String mechanism(LimitMechanism mechanism, String rlimit) {
        return mechanism == LimitMechanism.CGROUP ? "by cgroup" : "by " + rlimit;
    }

    /**
     * Which call of which process the profile refused, what that did, and the first profile that permits it. Without
     * a named violation (a kernel without seccomp user notification) only the program's own SIGSYS death is known.
     */
    static String seccompMessage(SandboxResult result, String program, String profile) {
        String hint = "'sandbox-ctl seccomp " + profile + "' lists what it permits; -s chooses another profile";
        if (result.violation().isEmpty()) {
            return "sandbox-ctl: '" + program
                    + "' was killed by the seccomp filter: it made a system call that profile " + profile
                    + " does not permit (" + hint + ")";
        }
        SeccompViolation v = result.violation().get();
        String what = v.action().kind() == SeccompAction.Kind.KILL_PROCESS
                ? (v.programProcess()
                        ? "'" + program + "' was killed by the seccomp filter: it called "
                        : "the seccomp filter killed a process of '" + program + "' that called ")
                : (v.programProcess() ? "'" + program + "' called " : "a process of '" + program + "' called ");
        String answer = v.action().kind() == SeccompAction.Kind.ERRNO
                ? " (it failed with " + Errno.name(v.action().data()) + ")"
                : "";
        String permitted = v.permittedBy()
                .map(p -> p.cliName() + " is the first profile that permits it")
                .orElse("no profile permits it");
        return "sandbox-ctl: " + what + describe(v) + ", which profile " + profile + " does not permit" + answer + " ("
                + permitted + "; " + hint + ")";
    }

    /** {@code mkdir}, or with the arguments the rules looked at: {@code personality(arg0=0x40000)}. */
    private static String describe(SeccompViolation v) {
        if (v.arguments().isEmpty()) {
            return v.syscall();
        }
        StringBuilder s = new StringBuilder(v.syscall()).append('(');
        v.arguments()
                .forEach((i, value) -> s.append(s.charAt(s.length() - 1) == '(' ? "" : ", ")
                        .append("arg")
                        .append(i)
                        .append("=0x")
                        .append(Long.toHexString(value)));
        return s.append(')').toString();
    }

    /** One line on stderr when sandbox4j, not the program, decided how the run ended. */
    private void explain(RunOutcome outcome, RunOptions options) {
        String program = options.program().orElseThrow();
        if (outcome instanceof RunOutcome.NotRun notRun) {
            err.println("sandbox-ctl: " + notRun.message());
        } else if (outcome instanceof RunOutcome.Ran ran) {
            SandboxResult result = ran.result();
            SandboxConfig config = ran.config();
            String preset = options.preset.cliName();
            if (result.timedOut()) {
                err.println("sandbox-ctl: timed out after "
                        + config.timeout().map(Durations::format).orElse("?")
                        + (options.timeout != null ? "" : " (the " + preset + " preset's limit; --timeout changes it)")
                        + "; the sandbox was killed");
            } else if (result.seccompViolation()) {
                err.println(
                        seccompMessage(result, program, options.seccompProfile().name()));
            } else if (result.oomKilled()) {
                // A SIGKILL status alone does not say why; the memory cgroup does, and the program may even have
                // survived the loss of one of its processes.
                String limit = config.memoryLimit().isPresent()
                        ? Sizes.format(config.memoryLimit().getAsLong())
                        : "?";
                err.println("sandbox-ctl: the kernel's OOM killer ended "
                        + (result.signal().isPresent() ? "'" + program + "'" : "a process of '" + program + "'")
                        + ": the sandbox reached its memory limit of " + limit
                        + (options.memory != null ? "" : " (the " + preset + " preset's)") + "; --memory changes it");
            }
        }
        err.flush();
    }

    /** How a run ended: the program ran and has a result, or it never ran. */
    sealed interface RunOutcome {

        int exitStatus();

        /** The program ran, configured as {@code config}. */
        record Ran(SandboxResult result, SandboxConfig config) implements RunOutcome {
            /** 124 on timeout, whatever signal ended the program; else 128+N for signal N; else its own status. */
            @Override
            public int exitStatus() {
                if (result.timedOut()) {
                    return ExitCodes.TIMED_OUT;
                }
                if (result.signal().isPresent()) {
                    return ExitCodes.SIGNAL_BASE + result.signal().getAsInt();
                }
                return result.exitCode().orElseThrow();
            }
        }

        /**
         * The program never ran: the configuration was refused, the sandbox could not be set up, or the program could
         * not be started.
         *
         * @param step       the step that failed: a launcher step such as {@code chdir}, or {@code configure}
         * @param errno      the errno name such as {@code ENOENT}, when the failure has one
         * @param exitStatus 125, 126 or 127
         */
        record NotRun(
                Optional<String> id,
                Optional<PrivilegeMode> mode,
                String step,
                Optional<String> errno,
                String message,
                int exitStatus)
                implements RunOutcome {}
    }
}
