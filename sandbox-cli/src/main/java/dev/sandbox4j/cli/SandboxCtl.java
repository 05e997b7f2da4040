package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.host.SystemCapabilities;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code sandbox-ctl}: runs a program in a sandbox ({@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]})
 * or shows what it can do ({@code check}, {@code profiles}, {@code seccomp}). Parsing only; the work is in the
 * subcommands and {@link ProgramRunner}.
 */
public final class SandboxCtl implements Callable<Integer> {

    // The root command's model is built in code (commandSpec()), not read from annotations: picocli reads
    // annotations by reflection, with a proxy class per annotation type, which cost more than the rest of the
    // parse on every start. What --help shows is the same.
    private static final String[] SYNOPSIS = {
        "sandbox-ctl [run] [OPTIONS] [--] PROGRAM [ARGS...]",
        "       sandbox-ctl check | profiles | seccomp [PROFILE|NAME|FILE] | volume ... | --help | --version",
        "       sandbox-ctl seccomp learn [-o FILE] [-s BASE] [OPTIONS] -- PROGRAM [ARGS...]"
    };
    private static final String[] DESCRIPTION = {
        "Runs PROGRAM isolated from the host: namespaces, a seccomp filter, resource limits, a "
            + "filesystem view and a timeout. Its stdout and stderr pass through; sandbox-ctl's own messages go "
            + "to stderr.",
        "",
        "The program sees a new root: the host's /usr, /bin, /lib*, /etc read-only, a private /tmp, /proc and a "
            + "minimal /dev; nothing else of the host unless bound (a bound directory shows the sockets in it): "
            + "--ro-bind . shows the current directory, where the program then starts. --bind DIR makes a "
            + "directory writable, -r/--root replaces the view, --host-fs drops it.",
        "",
        "Limits: in privileged mode (root; see 'sandbox-ctl check') memory, pids and cpu are limits on the "
            + "run's cgroup. Unprivileged, memory is RLIMIT_DATA and pids RLIMIT_NPROC, and a cpu limit cannot "
            + "be enforced: a preset's is left out (-v says so), an explicit --cpu is refused (exit 125). "
            + "'sandbox-ctl profiles' shows both."
    };
    private static final String FOOTER_HEADING = "%nExit status:%n";
    private static final String[] FOOTER = {
        "  N      the program's own exit status",
        "  128+N  signal N killed the program",
        "  124    the timeout expired; the program was killed",
        "  125    the sandbox could not be set up (the program did not run), sandbox4j itself ended",
        "         the run, or the --report could not be written after it",
        "  126    PROGRAM is not executable",
        "  127    PROGRAM was not found",
        "  2      bad command line (also a --report or --export file that cannot be written)"
    };

    private CommandSpec spec;

    private final RunOptionsSpec runOptions = new RunOptionsSpec();

    private boolean verbose;

    void setVerbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            Logging.verbose(true);
        }
    }

    /** This command's picocli model: what the annotations {@code @Command}, {@code @Option} used to say. */
    private CommandSpec commandSpec() {
        spec = CommandSpec.wrapWithoutInspection(this, DeferredFactory.INSTANCE);
        spec.name("sandbox-ctl").versionProvider(new VersionProvider());
        spec.usageMessage().customSynopsis(SYNOPSIS).description(DESCRIPTION).footerHeading(FOOTER_HEADING)
                .footer(FOOTER);
        standardHelpOptions(spec);
        Verbose verboseBinding = new Verbose();
        spec.addOption(OptionSpec.builder(VERBOSE).type(boolean.class).scopeType(ScopeType.INHERIT)
                .description(VERBOSE_DESCRIPTION)
                .getter(verboseBinding).setter(verboseBinding).initialValue(false).hasInitialValue(true).build());
        spec.addMixin("runOptions", runOptions.mixin());
        return spec;
    }

    private static final String[] VERBOSE = {"-v", "--verbose"};
    private static final String VERBOSE_DESCRIPTION = "Explain what sandbox-ctl does, on stderr.";

    /**
     * Parses a usual run command line without picocli (see {@link QuickParser}): -v and the run options.
     *
     * @return whether it did; when not, this object holds part of the line and must be dropped
     */
    boolean parseQuickly(String[] args) {
        QuickParser parser = new QuickParser();
        parser.flag(new Verbose(), VERBOSE_DESCRIPTION, VERBOSE);
        runOptions.declareAll(parser);
        return parser.parse(args);
    }

    /** -h/--help and -V/--version, as picocli's mixinStandardHelpOptions declares them. */
    static void standardHelpOptions(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").type(boolean.class).usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").type(boolean.class).versionHelp(true)
                .description("Print version information and exit.").build());
    }

    /** {@code -v} as picocli reads and writes it; a named class (see BadCommandLine). */
    private final class Verbose implements OptionTable.Binding {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) Boolean.valueOf(verbose);
        }

        @Override
        public <T> T set(T value) {
            T previous = get();
            setVerbose((Boolean) value);
            return previous;
        }
    }

    boolean verbose() {
        return verbose;
    }

    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";
    /** Linux's selector provider in the JDKs sandbox4j runs on (17 to 25): what the JDK picks when none is named. */
    private static final String EPOLL_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

    /**
     * Names the JDK's own selector provider, which the launcher's control channel uses. Unless one is named, the
     * JDK first looks for another in every jar on the class path, opening each of the twenty: about 8 ms of every
     * run. Only when nobody named one already, and only where this JDK has that class; elsewhere the JDK searches
     * as usual.
     */
    private static void nameSelectorProvider() {
        if (System.getProperty(SELECTOR_PROVIDER) != null) {
            return;
        }
        try {
            Class.forName(EPOLL_PROVIDER, false, null);
        } catch (ClassNotFoundException e) {
            return;
        }
        System.setProperty(SELECTOR_PROVIDER, EPOLL_PROVIDER);
    }

    /**
     * Types picocli need not register converters for: it does so by reflection, initialising each class (and
     * java.time's formatters with them), 8 ms of every start; no option of sandbox-ctl has such a type.
     */
    static final String UNUSED_CONVERTERS = "java\\.(sql|time)\\..*";

    public static void main(String[] args) {
        Logging.useLazyLogback();
        nameSelectorProvider();
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", UNUSED_CONVERTERS);
        }
        System.exit(execute(SystemCapabilities::detect, new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    /**
     * Runs the command line and returns the exit status. A usual run command line is parsed without picocli
     * ({@link QuickParser}); every other one, and every line with an error in it, by picocli.
     */
    static int execute(Supplier<SystemCapabilities> system, PrintWriter out, PrintWriter err, String... args) {
        SandboxCtl quick = new SandboxCtl();
        if (quick.parseQuickly(args)) {
            try {
                return quick.run(err);
            } catch (Exception e) { // as picocli's execute() hands an exception out of call() to Failed
                return failed(e, err, quick.verbose);
            }
        }
        CommandLine commandLine = commandLine(system, args);
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    /** The whole command tree, every subcommand included. */
    static CommandLine commandLine(Supplier<SystemCapabilities> system) {
        return commandLine(system, null);
    }

    /**
     * The command tree for parsing {@code args} ({@code null}: for any arguments). To add a subcommand, add
     * one {@code addSubcommand} line and its name to {@link #SUBCOMMANDS}; options given before it on the
     * command line are still validated (a bad value exits 2 whatever follows).
     *
     * <p>picocli reads a command's annotations when it is added, which made up a good part of every start;
     * when no argument can select a subcommand or show the help that lists them (see
     * {@link #needsSubcommands}), they are left out, and the parse is the same as with them.
     */
    static CommandLine commandLine(Supplier<SystemCapabilities> system, String[] args) {
        CommandLine commandLine = new CommandLine(new SandboxCtl().commandSpec(), DeferredFactory.INSTANCE);
        boolean subcommands = args == null || needsSubcommands(args);
        if (subcommands) {
            RunCommand run = new RunCommand();
            CommandLine runLine = new CommandLine(run);
            runLine.getCommandSpec().addMixin("runOptions", run.runOptions.mixin());
            commandLine.addSubcommand(runLine);
        }
        // PROGRAM ends option parsing: everything after it, "-x" included, belongs to the program. Only for
        // the commands that take a PROGRAM (picocli applies this to the subcommands added so far): in
        // 'seccomp minimal --explain ioctl' the option after the positional is seccomp's own.
        commandLine.setStopAtPositional(true);
        if (subcommands) {
            commandLine
                    .addSubcommand(new CheckCommand(system))
                    .addSubcommand(new ProfilesCommand())
                    .addSubcommand(SeccompCommand.commandLine())
                    .addSubcommand(new VolumeCommand());
        }
        commandLine.setParameterExceptionHandler(new BadCommandLine());
        commandLine.setExecutionExceptionHandler(new Failed());
        commandLine.setExecutionStrategy(new OptionsBeforeSubcommandRefused());
        return commandLine;
    }

    /**
     * Run options given before a subcommand ({@code sandbox-ctl -t 1s run sleep 3}) belong to the default command,
     * not to the subcommand: dropped, they would leave a weaker sandbox than asked for. Refused instead, naming the
     * option; only {@code -v}, which every subcommand inherits, and the help options may stand there.
     */
    private static final class OptionsBeforeSubcommandRefused implements IExecutionStrategy {
        @Override
        public int execute(ParseResult parseResult) {
            ParseResult sub = parseResult.subcommand();
            if (sub != null) {
                for (OptionSpec option : parseResult.matchedOptions()) {
                    if (option.scopeType() != ScopeType.INHERIT && !option.usageHelp() && !option.versionHelp()) {
                        String name = sub.commandSpec().name();
                        return usageError(parseResult.commandSpec().commandLine().getErr(), option.longestName()
                                + " before '" + name + "' would not apply to it: put the options after '" + name + "'");
                    }
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        }
    }

    // Named classes, not lambdas: a lambda implementing a picocli interface makes the CDS dump link that
    // interface, and a linked class of picocli's Java 5 format is left out of the archive, with picocli's own
    // implementations of it; each start then searched every jar on the class path for them (~15 ms).

    /** {@link #badCommandLine}, as picocli's handler. */
    private static final class BadCommandLine implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException e, String[] args) {
            return badCommandLine(e, args);
        }
    }

    /** {@link #failed}, as picocli's handler. */
    private static final class Failed implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            SandboxCtl root = (SandboxCtl) commandLine.getCommandSpec().root().userObject();
            return failed(e, commandLine.getErr(), root.verbose());
        }
    }

    /** The subcommands' names; picocli matches them exactly (no abbreviations, no other case). */
    static final List<String> SUBCOMMANDS = List.of("run", "check", "profiles", "seccomp", "volume");

    /**
     * Whether parsing {@code args} may need the subcommands: an argument before {@code --} that is a
     * subcommand's name (wherever it stands, an option's value included: a cautious over-approximation), asks
     * for the help (which lists them), could be a cluster of short options holding {@code -h}, or is an
     * {@code @file} of further arguments. {@code --version} prints the same either way.
     */
    static boolean needsSubcommands(String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (SUBCOMMANDS.contains(arg) || arg.startsWith("@") || arg.startsWith("--help")) {
                return true;
            }
            if (arg.startsWith("-") && !arg.startsWith("--") && arg.indexOf('h') > 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Integer call() {
        return run(spec.commandLine().getErr());
    }

    /** What the command line said, once parsed. */
    RunOptions options() {
        return runOptions.toRunOptions(verbose);
    }

    private int run(PrintWriter err) {
        RunOptions options = options();
        if (options.program().isEmpty()) {
            return usageError(err, "missing PROGRAM");
        }
        return ProgramRunner.here(err).run(options);
    }

    /** One line naming the bad option or value, then exit 2. */
    private static int badCommandLine(ParameterException e, String[] args) {
        if (e.getCause() instanceof InvalidConfigException invalid) {
            // Its message already names the option, the value and what would be accepted.
            return invalidValue(e.getCommandLine().getErr(), invalid);
        }
        return usageError(e.getCommandLine().getErr(), describe(e));
    }

    /** A problem with the shape of the command line: the help says what the shape is. */
    static int usageError(PrintWriter err, String problem) {
        return printUsageError(err, problem + " (see sandbox-ctl --help)");
    }

    private static int invalidValue(PrintWriter err, InvalidConfigException invalid) {
        return printUsageError(err, invalid.getMessage());
    }

    private static int printUsageError(PrintWriter err, String line) {
        err.println("sandbox-ctl: " + line);
        err.flush();
        return ExitCodes.USAGE;
    }

    private static String describe(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> arguments = unmatched.getUnmatched();
            String first = arguments.isEmpty() ? "?" : arguments.get(0);
            return first.startsWith("-") ? "unknown option '" + first + "'" : "unexpected argument '" + first + "'";
        }
        String message = e.getMessage();
        return message.isEmpty() ? message : message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
    }

    /** An exception out of a command: a bad combination is a usage error, a sandbox failure exits 125. */
    private static int failed(Exception e, PrintWriter err, boolean verbose) {
        if (e instanceof InvalidConfigException invalid) {
            return invalidValue(err, invalid);
        }
        if (e instanceof SandboxException) {
            err.println("sandbox-ctl: " + e.getMessage());
        } else {
            err.println("sandbox-ctl: internal error: " + e);
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.SETUP_FAILED;
    }
}
