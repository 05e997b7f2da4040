package dev.sandbox4j.cli;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.internal.IoErrors;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompLearner;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.OciSeccompProfile;
import dev.sandbox4j.seccomp.SeccompFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-ctl seccomp learn [-o FILE] [run options, -s BASE] -- PROGRAM [ARGS...]}: runs PROGRAM sandboxed
 * as a run would, except that every system call the seccomp profile BASE would refuse is let through and recorded;
 * then writes BASE plus what was used as an OCI/Docker seccomp profile, which {@code -s FILE} enforces. Learn mode
 * is for trusted runs: a let-through call is not a security boundary.
 */
@Command(name = "learn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run PROGRAM with every syscall outside the seccomp profile (-s BASE, default: the preset's) "
                + "let through and recorded, then write BASE plus what it used as an OCI/Docker seccomp profile.",
            "FOR TRUSTED PROGRAMS ONLY: in learn mode the profile restricts nothing (a let-through call is not a "
                + "security boundary). Learn from a run you would trust unsandboxed, then enforce the result with "
                + "'sandbox-ctl -s FILE -- PROGRAM'.",
            "Every run option is accepted (-P, -s, -t, --bind, -w, ...); put -- before PROGRAM."})
final class LearnCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the learned profile to FILE (default: standard output).")
    Path output;

    /** The run options, added as a mixin by {@link #commandLine}. */
    final RunOptionsSpec runOptions = new RunOptionsSpec();

    /** This command with its run options, stopping at PROGRAM so that its own options stay its own. */
    static CommandLine commandLine() {
        LearnCommand learn = new LearnCommand();
        CommandLine line = new CommandLine(learn);
        line.getCommandSpec().addMixin("runOptions", learn.runOptions.mixin());
        line.setStopAtPositional(true);
        return line;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = spec.root().userObject() instanceof SandboxCtl ctl && ctl.verbose();
        RunOptions options = runOptions.toRunOptions(verbose);
        if (options.program().isEmpty()) {
            return SandboxCtl.usageError(err, "missing PROGRAM: sandbox-ctl seccomp learn [-o FILE] [-s BASE] -- PROGRAM");
        }
        if (options.report().isPresent()) {
            return SandboxCtl.usageError(err, "--report is not available in learn mode");
        }
        Optional<OutputFile.Prepared> target = Optional.empty();
        if (output != null) {
            try {
                target = Optional.of(OutputFile.prepare(output));
            } catch (IOException e) {
                return SandboxCtl.usageError(err, "cannot write -o " + output + ": "
                        + IoErrors.describe(e, output.toAbsolutePath().toString()));
            }
        }
        RunSettings settings = RunSettings.resolve(options);
        String base = settings.seccomp().name();
        SeccompLearner learner = new SeccompLearner();
        SandboxConfig config;
        try {
            config = configure(options, settings, learner);
        } catch (FeatureUnavailableException e) {
            // the preset's cpu limit cannot be had here (unprivileged): as a run, go without it
            if (settings.cpuPercent().isEmpty() || options.cpuPercent().isPresent()) {
                throw e;
            }
            settings = settings.withoutCpu(e.reason());
            config = configure(options, settings, learner);
        }
        err.println("sandbox-ctl seccomp learn: LEARN MODE, for trusted programs only: calls outside '" + base
                + "' are let through and recorded, not refused");
        err.flush();
        SandboxResult result;
        try (Sandbox sandbox = Sandbox.create(config)) {
            SignalForwarding forwarding = SignalForwarding.install();
            try {
                SandboxProcess process = sandbox.start(options.command());
                forwarding.forwardTo(process::sendSignal); // Ctrl-C ends the program, and the profile is still written
                result = process.waitFor();
            } finally {
                forwarding.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("sandbox-ctl seccomp learn: interrupted; nothing written");
            return ExitCodes.SETUP_FAILED;
        } catch (SandboxException e) {
            err.println("sandbox-ctl seccomp learn: " + e.getMessage() + "; nothing written");
            return ExitCodes.SETUP_FAILED;
        }
        int status = new RunOutcome.Ran(result, settings).exitStatus();
        SeccompFilter learned = learner.learnedFilter(settings.seccomp().filter());
        String json = OciSeccompProfile.toJson(learned, Architecture.current());
        try {
            if (target.isPresent()) {
                target.get().write(json.getBytes(StandardCharsets.UTF_8));
                target.get().close();
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.print(json);
                out.flush();
            }
        } catch (IOException e) {
            err.println("sandbox-ctl seccomp learn: cannot write " + output + ": "
                    + IoErrors.describe(e, output.toAbsolutePath().toString()));
            return ExitCodes.SETUP_FAILED;
        }
        err.println("sandbox-ctl seccomp learn: " + learner.syscalls().size() + " syscall"
                + (learner.syscalls().size() == 1 ? "" : "s") + " beyond '" + base + "'"
                + (learner.syscalls().isEmpty() ? "" : ": " + String.join(", ", learner.syscalls()))
                + (output == null ? "" : "; wrote " + output + " (OCI seccomp JSON; enforce with -s " + output + ")"));
        if (status != 0) {
            err.println("sandbox-ctl seccomp learn: the program exited with status " + status
                    + ": the profile holds only what this run reached");
        }
        return status;
    }

    private static SandboxConfig configure(RunOptions options, RunSettings settings, SeccompLearner learner) {
        return ConfigMapping.builder(options, settings, Path.of(System.getProperty("user.dir")))
                .seccompLearning(learner).build();
    }
}
