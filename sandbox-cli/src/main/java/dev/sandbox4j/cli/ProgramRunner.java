package dev.sandbox4j.cli;

import dev.sandbox4j.core.Durations;
import dev.sandbox4j.core.Errno;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.RunAbortedException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.LimitMechanism;
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
 * Runs PROGRAM in a sandbox and turns what happened into {@code sandbox-ctl}'s exit status, its one-line
 * messages and the {@code --report}. The one place the CLI meets the executor ({@code sandbox-exec}).
 *
 * <p>The program's stdin, stdout and stderr are sandbox-ctl's own, passed to it untouched; sandbox-ctl writes
 * to stderr only after the program has ended (or instead of it, when it never started). SIGINT, SIGTERM and
 * SIGHUP sent to sandbox-ctl while the program runs are passed on to it ({@link SignalForwarding}).
 */
final class ProgramRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramRunner.class);
    /** The step a refusal before any launch is reported under. */
    static final String CONFIGURE = "configure";

    private final PrintWriter err;
    private final Path currentDirectory;

    /**
     * @param err              sandbox-ctl's stderr
     * @param currentDirectory sandbox-ctl's working directory: the program's too, unless {@code -w} says otherwise
     */
    ProgramRunner(PrintWriter err, Path currentDirectory) {
        this.err = Objects.requireNonNull(err, "err");
        this.currentDirectory = Objects.requireNonNull(currentDirectory, "currentDirectory");
    }

    /** A runner for sandbox-ctl's own process: its stderr, its working directory. */
    static ProgramRunner here(PrintWriter err) {
        return new ProgramRunner(err, Path.of(System.getProperty("user.dir")));
    }

    /**
     * @throws InvalidConfigException when the executor refuses an option's value: a bad command line (exit 2),
     *         reported by the caller like every other bad value, before anything ran and without a report
     */
    int run(RunOptions options) {
        // The report's target is fixed before the program runs: whatever it leaves behind cannot redirect the write.
        Optional<OutputFile.Prepared> report = Optional.empty();
        if (options.report().isPresent()) {
            try {
                report = RunReport.prepare(options.report().get());
            } catch (IOException | RuntimeException e) {
                RunReport.cannotWrite(options.report().get(), e, err);
                return ExitCodes.USAGE; // as the check of the command line would have said
            }
        }
        RunOutcome outcome = execute(options);
        explain(outcome, options);
        if (options.report().isPresent()
                && !RunReport.write(report, options.report().get(), RunReport.json(outcome), err)) {
            // Checked before the run, yet not written (a full disk, a target swapped meanwhile): a caller that
            // asked for a report must not take the exit status alone for success.
            return ExitCodes.SETUP_FAILED;
        }
        return outcome.exitStatus();
    }

    private RunOutcome execute(RunOptions options) {
        RunSettings settings;
        SandboxConfig config;
        try {
            ConfigMapping.Configured configured = ConfigMapping.build(options, RunSettings.resolve(options),
                    currentDirectory);
            settings = configured.settings();
            config = configured.config();
        } catch (InvalidConfigException e) {
            throw e;
        } catch (SandboxException e) {
            // This host cannot do what was asked (the mode, an explicit --cpu, Landlock): nothing was started.
            return new RunOutcome.NotRun(options.id(), Optional.empty(), CONFIGURE, Optional.empty(),
                    e.getMessage(), ExitCodes.SETUP_FAILED);
        }
        if (options.verbose()) {
            for (String left : settings.notApplied()) {
                err.println("sandbox-ctl: the " + settings.preset().cliName() + " preset's " + left);
            }
            err.flush();
        }
        if (LOG.isDebugEnabled()) { // describing them costs: not on a quiet run
            LOG.debug("{}", settings.describe());
            LOG.debug("{}; {}", enforcement(config), config);
        }
        Optional<String> id = Optional.of(config.id());
        Optional<PrivilegeMode> mode = Optional.of(config.mode());
        try (Sandbox sandbox = Sandbox.create(config)) {
            SignalForwarding forwarding = SignalForwarding.install();
            try {
                SandboxProcess process = sandbox.start(options.command());
                forwarding.forwardTo(process::sendSignal);
                return new RunOutcome.Ran(process.waitFor(), settings);
            } finally {
                forwarding.close();
            }
        } catch (ProgramNotRunnableException e) {
            boolean notFound = e.reason() == ProgramNotRunnableException.Reason.NOT_FOUND;
            String message = "cannot run '" + options.program().orElseThrow() + "': "
                    + (notFound ? "not found" : "not executable") + " (" + e.errnoName() + " at step '" + e.step() + "')";
            return new RunOutcome.NotRun(id, mode, e.step(), Optional.ofNullable(e.errnoName()), message,
                    notFound ? ExitCodes.NOT_FOUND : ExitCodes.NOT_EXECUTABLE);
        } catch (SandboxSetupException e) {
            return new RunOutcome.NotRun(id, mode, e.step(), Optional.ofNullable(e.errnoName()), e.getMessage(),
                    ExitCodes.SETUP_FAILED);
        } catch (RunAbortedException e) {
            // sandbox4j's own machinery ended the run (its launcher died): no result of the program's to report.
            return new RunOutcome.NotRun(id, mode, "run", Optional.empty(), e.getMessage(), ExitCodes.SETUP_FAILED);
        } catch (SandboxException e) {
            // Before the launcher reported a step: extracting or starting it, sending the plan.
            return new RunOutcome.NotRun(id, mode, "launch", Optional.empty(), e.getMessage(),
                    ExitCodes.SETUP_FAILED);
        } catch (InterruptedException e) {
            // Nothing in sandbox-ctl interrupts its main thread; should something, closing the sandbox has killed
            // the program, and there is no result to report.
            Thread.currentThread().interrupt();
            return new RunOutcome.NotRun(id, mode, "wait", Optional.empty(),
                    "interrupted while waiting for the program; the sandbox was killed, its result is unknown",
                    ExitCodes.SETUP_FAILED);
        }
    }

    /** For {@code -v}: how the executor enforces each limit in the mode it resolved to. */
    static String enforcement(SandboxConfig config) {
        return "mode " + config.mode().name().toLowerCase(Locale.ROOT)
                + ": memory " + config.memoryLimitMechanism().map(m -> mechanism(m, "RLIMIT_DATA")).orElse(Limit.NONE)
                + ", pids " + config.pidsLimitMechanism().map(m -> mechanism(m, "RLIMIT_NPROC")).orElse(Limit.NONE)
                + ", cpu " + config.cpuLimitMechanism().map(m -> "by cgroup").orElse(Limit.NONE)
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
            return "sandbox-ctl: '" + program + "' was killed by the seccomp filter: it made a system call that profile "
                    + profile + " does not permit (" + hint + ")";
        }
        SeccompViolation v = result.violation().get();
        String what = v.action().kind() == SeccompAction.Kind.KILL_PROCESS
                ? (v.programProcess() ? "'" + program + "' was killed by the seccomp filter: it called "
                        : "the seccomp filter killed a process of '" + program + "' that called ")
                : (v.programProcess() ? "'" + program + "' called " : "a process of '" + program + "' called ");
        String answer = v.action().kind() == SeccompAction.Kind.ERRNO ? " (it failed with " + Errno.name(v.action().data()) + ")" : "";
        String permitted = v.permittedBy().map(p -> p.cliName() + " is the first profile that permits it")
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
        v.arguments().forEach((i, value) -> s.append(s.charAt(s.length() - 1) == '(' ? "" : ", ")
                .append("arg").append(i).append("=0x").append(Long.toHexString(value)));
        return s.append(')').toString();
    }

    /** One line on stderr when sandbox4j, not the program, decided how the run ended. */
    private void explain(RunOutcome outcome, RunOptions options) {
        if (outcome instanceof RunOutcome.NotRun notRun) {
            err.println("sandbox-ctl: " + notRun.message());
        } else if (outcome instanceof RunOutcome.Ran ran) {
            SandboxResult result = ran.result();
            RunSettings settings = ran.settings();
            if (result.timedOut()) {
                String timeout = settings.timeout().map(Durations::format).orElse("?");
                err.println("sandbox-ctl: timed out after " + timeout
                        + (options.timeout().isPresent() ? "" : " (the " + settings.preset().cliName()
                                + " preset's limit; --timeout changes it)")
                        + "; the sandbox was killed");
            } else if (result.seccompViolation()) {
                err.println(seccompMessage(result, options.program().orElseThrow(), settings.seccomp().name()));
            } else if (result.oomKilled()) {
                // A SIGKILL status alone does not say why; the memory cgroup does, and the program may even have
                // survived the loss of one of its processes.
                String limit = settings.memoryBytes().isPresent() ? Sizes.format(settings.memoryBytes().getAsLong()) : "?";
                err.println("sandbox-ctl: the kernel's OOM killer ended " + (result.signal().isPresent()
                        ? "'" + options.program().orElseThrow() + "'" : "a process of '" + options.program().orElseThrow()
                                + "'")
                        + ": the sandbox reached its memory limit of " + limit
                        + (options.memoryBytes().isPresent() ? "" : " (the " + settings.preset().cliName()
                                + " preset's)")
                        + "; --memory changes it");
            }
        }
        err.flush();
    }
}
