package dev.sandbox4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-ctl run [options] [--] PROGRAM [ARGS...]}: the explicit form of the default command, for a
 * PROGRAM that is named like a subcommand (or for scripts that prefer to be explicit).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run PROGRAM in a sandbox (the same as leaving out 'run').")
final class RunCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private SandboxCtl parent;

    /** Its options, added to this command as a mixin by {@link SandboxCtl#commandLine}. */
    final RunOptionsSpec runOptions = new RunOptionsSpec();

    @Override
    public Integer call() {
        RunOptions options = runOptions.toRunOptions(parent.verbose());
        if (options.program().isEmpty()) {
            return SandboxCtl.usageError(spec.commandLine().getErr(), "missing PROGRAM");
        }
        return ProgramRunner.here(spec.commandLine().getErr()).run(options);
    }
}
