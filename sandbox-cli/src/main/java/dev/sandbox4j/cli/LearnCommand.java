package dev.sandbox4j.cli;

import dev.sandbox4j.cli.ProgramRunner.RunOutcome;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.internal.IoErrors;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompLearner;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import dev.sandbox4j.seccomp.OciSeccompProfile;
import dev.sandbox4j.seccomp.SeccompFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code sandbox-ctl seccomp learn [-o FILE] [run options, -s BASE] -- PROGRAM [ARGS...]}: runs PROGRAM sandboxed
 * as a run would, except that every system call the seccomp profile BASE would refuse is let through and recorded;
 * then writes BASE plus what was used as an OCI/Docker seccomp profile, which {@code -s FILE} enforces. Learn mode
 * is for trusted runs: a let-through call is not a security boundary.
 */
final class LearnCommand implements Callable<Integer> {
    private static final String PREFIX = "sandbox-ctl seccomp learn: ";

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
    Path output;
    final RunOptions runOptions = new RunOptions();

    private LearnCommand() {
        spec.name("learn")
                .usageMessage()
                .sortOptions(false)
                .description(
                        "Run PROGRAM with every syscall outside the seccomp profile (-s BASE, default: the preset's) let "
                                + "through and recorded, then write BASE plus what it used as an OCI/Docker seccomp profile.",
                        "FOR TRUSTED PROGRAMS ONLY: in learn mode the profile restricts nothing (a let-through call is not a "
                                + "security boundary). Learn from a run you would trust unsandboxed, then enforce the result "
                                + "with 'sandbox-ctl -s FILE -- PROGRAM'.",
                        "Every run option is accepted (-P, -s, -t, --bind, -w, ...); put -- before PROGRAM.");
        SandboxCtl.standardHelpOptions(spec);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-o", "--output")
                        .paramLabel("FILE")
                        .type(Path.class)
                        .converters(text -> Converters.path("-o/--output", text))
                        .description("Write the learned profile to FILE (default: standard output)."),
                () -> output,
                v -> output = v);
        spec.addMixin("runOptions", runOptions.mixin());
    }

    /** This command, stopping at PROGRAM so that its options stay its own. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new LearnCommand().spec);
        line.setStopAtPositional(true);
        return line;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (runOptions.program().isEmpty()) {
            return SandboxCtl.usageError(
                    err, "missing PROGRAM: sandbox-ctl seccomp learn [-o FILE] [-s BASE] -- PROGRAM");
        }
        if (runOptions.report != null) {
            return SandboxCtl.usageError(err, "--report is not available in learn mode");
        }
        // The target is fixed before the run, as a report's is: a file that cannot be written must not cost the run.
        Optional<OutputFile.Prepared> target = Optional.empty();
        if (output != null) {
            try {
                target = Optional.of(OutputFile.prepare(output));
            } catch (IOException e) {
                return SandboxCtl.usageError(
                        err,
                        "cannot write -o " + output + ": "
                                + IoErrors.describe(e, output.toAbsolutePath().toString()));
            }
        }
        try {
            return learn(err, target);
        } finally {
            if (target.isPresent()) {
                try {
                    target.get().close();
                } catch (IOException e) {
                    err.println(PREFIX + "closing " + output + ": " + e.getMessage());
                }
            }
        }
    }

    private int learn(PrintWriter err, Optional<OutputFile.Prepared> target) {
        NamedSeccompFilter base = runOptions.seccompProfile();
        SeccompLearner learner = new SeccompLearner();
        // As a run: a preset's cpu limit this host cannot enforce is left out, an explicit --cpu refused.
        SandboxConfig config = ConfigMapping.build(
                        runOptions,
                        Path.of(System.getProperty("user.dir")),
                        builder -> builder.seccompLearning(learner))
                .config();
        err.println(PREFIX + "LEARN MODE, for trusted programs only: calls outside '" + base.name()
                + "' are let through and recorded, not refused");
        err.flush();
        SandboxResult result;
        try (Sandbox sandbox = Sandbox.create(config)) {
            SignalForwarding forwarding = SignalForwarding.install();
            try {
                SandboxProcess process = sandbox.start(runOptions.command);
                forwarding.forwardTo(process::sendSignal); // Ctrl-C ends the program, and the profile is still written
                result = process.waitFor();
            } finally {
                forwarding.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(PREFIX + "interrupted; nothing written");
            return ExitCodes.SETUP_FAILED;
        } catch (SandboxException e) {
            err.println(PREFIX + e.getMessage() + "; nothing written");
            return ExitCodes.SETUP_FAILED;
        }
        int status = new RunOutcome.Ran(result, config).exitStatus();
        SeccompFilter learned = learner.learnedFilter(base.filter());
        String json = OciSeccompProfile.toJson(learned, Architecture.current());
        try {
            if (target.isPresent()) {
                target.get().write(json.getBytes(StandardCharsets.UTF_8));
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.print(json);
                out.flush();
            }
        } catch (IOException e) {
            err.println(PREFIX + "cannot write " + output + ": "
                    + IoErrors.describe(e, output.toAbsolutePath().toString()));
            return ExitCodes.SETUP_FAILED;
        }
        int count = learner.syscalls().size();
        err.println(PREFIX + count + " syscall" + (count == 1 ? "" : "s") + " beyond '" + base.name() + "'"
                + (count == 0 ? "" : ": " + String.join(", ", learner.syscalls()))
                + (output == null ? "" : "; wrote " + output + " (OCI seccomp JSON; enforce with -s " + output + ")"));
        // What was learned is enforced as it is: a call that escapes or opens the kernel, made by whatever ran,
        // would be allowed from then on. Said, not refused, since a trusted build may need one.
        if (!learner.dangerous().isEmpty()) {
            err.println(PREFIX + "WARNING: the profile now allows " + String.join(", ", learner.dangerous())
                    + ", which reach past the sandbox's other walls or open large parts of the kernel; remove them "
                    + "from the profile unless the program needs them");
        }
        if (!learner.widened(base.filter()).isEmpty()) {
            err.println(PREFIX + "WARNING: '" + base.name() + "' allows "
                    + String.join(", ", learner.widened(base.filter()))
                    + " with some arguments only; the profile allows them with any");
        }
        if (status != 0) {
            err.println(PREFIX + "the program exited with status " + status
                    + ": the profile holds only what this run reached");
        }
        return status;
    }
}
