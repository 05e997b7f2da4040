package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.host.SystemCapabilities;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code sandbox-ctl}: runs a program in a sandbox ({@code sandbox-ctl [run] [options] [--] PROGRAM [ARGS...]}) or
 * shows what it can do ({@code check}, {@code profiles}, {@code seccomp}) and manages volumes ({@code volume}).
 * The command tree and how its failures become exit statuses; run options are in {@link RunOptions}, subcommands
 * in {@link #commandLine}.
 *
 * <p>The picocli model is declared in code, not in annotations: reading annotations costs a generated proxy class
 * per annotation type at every start, which no class-data archive of Java 17 can hold.
 */
public final class SandboxCtl implements Callable<Integer> {
    private static final String[] SYNOPSIS = {
        "sandbox-ctl [run] [OPTIONS] [--] PROGRAM [ARGS...]",
        "       sandbox-ctl check | profiles | volume ... | help [COMMAND] | --help | --version",
        "       sandbox-ctl seccomp [PROFILE|NAME|FILE] [OPTIONS]",
        "       sandbox-ctl seccomp learn [-o FILE] [-s BASE] [OPTIONS] -- PROGRAM"
    };
    private static final String[] DESCRIPTION = {
        "Runs PROGRAM isolated from the host: namespaces, a seccomp filter, resource limits, a filesystem view "
                + "and a timeout. Its stdout and stderr pass through; sandbox-ctl's own messages go to stderr.",
        "",
        "The program sees a new root: the host's /usr, /bin, /lib*, /etc read-only, a private /tmp, /proc and a "
                + "minimal /dev; nothing else of the host unless bound (a bound directory shows the sockets in it): "
                + "--ro-bind . shows the current directory, where the program then starts. --bind DIR makes a "
                + "directory writable, -r/--root replaces the view, --host-fs drops it.",
        "",
        "Limits: in privileged mode (root; see 'sandbox-ctl check') memory, pids and cpu are limits on the run's "
                + "cgroup. Unprivileged, memory is RLIMIT_DATA and pids RLIMIT_NPROC, and a cpu limit cannot be "
                + "enforced: a preset's is left out (-v says so), an explicit --cpu is refused (exit 125). "
                + "'sandbox-ctl profiles' shows both."
    };
    private static final String[] FOOTER = {
        "  N      the program's own exit status",
        "  128+N  signal N killed the program",
        "  124    the timeout expired; the program was killed",
        "  125    the sandbox could not be set up (the program did not run),",
        "         sandbox4j itself ended the run, or the --report could not be",
        "         written after it",
        "  126    PROGRAM is not executable",
        "  127    PROGRAM was not found",
        "  2      bad command line (also a --report, --export, --export-oci or",
        "         learn -o file that cannot be written)"
    };

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
    final RunOptions runOptions = new RunOptions();
    private boolean verbose;

    private SandboxCtl() {
        spec.name("sandbox-ctl").versionProvider(new Version());
        spec.usageMessage()
                .customSynopsis(SYNOPSIS)
                .description(DESCRIPTION)
                .footerHeading("%nExit status:%n")
                .footer(FOOTER);
        standardHelpOptions(spec);
        option(
                spec,
                OptionSpec.builder("-v", "--verbose")
                        .type(boolean.class)
                        .scopeType(ScopeType.INHERIT)
                        .description("Explain what sandbox-ctl does, on stderr."),
                () -> verbose,
                this::verbose);
        spec.addMixin("runOptions", runOptions.mixin());
    }

    private void verbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            Logging.verbose(true);
        }
    }

    boolean verbose() {
        return verbose;
    }

    public static void main(String[] args) {
        Logging.configure();
        System.exit(execute(
                SystemCapabilities::detect,
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true),
                args));
    }

    /** Runs the command line and returns the exit status. */
    static int execute(Supplier<SystemCapabilities> system, PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = mayNameASubcommand(args) ? commandLine(system) : runLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        try {
            return commandLine.execute(args);
        } finally {
            // A writer over System.out buffers what print() wrote until a println or a flush: an exit without one
            // would lose it (--disassemble ends with print).
            out.flush();
            err.flush();
        }
    }

    /** The subcommands' names; picocli matches them exactly. */
    static final List<String> SUBCOMMANDS = List.of("run", "check", "profiles", "seccomp", "volume", "help");

    /**
     * Whether {@code args} may need the subcommands: one of their names, or -h/--help, before {@code --}. Otherwise the
     * root command alone parses them the same way, without building the subcommands' models, which are most of
     * the work of a plain run's start.
     */
    static boolean mayNameASubcommand(String... args) {
        if (args.length == 0) {
            return true;
        }
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (SUBCOMMANDS.contains(arg) || arg.equals("-h") || arg.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** The root command alone, for a command line that names no subcommand (see {@link #mayNameASubcommand}). */
    static CommandLine runLine() {
        return configure(new CommandLine(new SandboxCtl().spec).setStopAtPositional(true));
    }

    /** The command tree. A subcommand is one {@code addSubcommand} line here and its name in {@link #SUBCOMMANDS}. */
    static CommandLine commandLine(Supplier<SystemCapabilities> system) {
        SandboxCtl root = new SandboxCtl();
        CommandLine commandLine = new CommandLine(root.spec);
        commandLine.addSubcommand(new CommandLine(new RunCommand(root).spec));
        // PROGRAM ends option parsing: everything after it belongs to the program. Only for the commands that take a
        // PROGRAM, those added so far: in 'seccomp minimal --explain ioctl' the option after the positional is
        // seccomp's.
        commandLine.setStopAtPositional(true);
        commandLine
                .addSubcommand(new CommandLine(new CheckCommand(system).spec()))
                .addSubcommand(new CommandLine(new ProfilesCommand().spec()))
                .addSubcommand(SeccompCommand.commandLine())
                .addSubcommand(VolumeCommand.commandLine())
                .addSubcommand(new CommandLine(new CommandLine.HelpCommand()));
        return configure(commandLine);
    }

    private static CommandLine configure(CommandLine commandLine) {
        commandLine.setParameterExceptionHandler(new BadCommandLine());
        commandLine.setExecutionExceptionHandler(new Failed());
        commandLine.setExecutionStrategy(new OptionsBeforeSubcommandRefused());
        return commandLine;
    }

    @Override
    public Integer call() {
        return run(runOptions, spec.commandLine().getErr(), verbose);
    }

    static int run(RunOptions options, PrintWriter err, boolean verbose) {
        if (options.program().isEmpty()) {
            return usageError(err, "missing PROGRAM");
        }
        return ProgramRunner.here(err, verbose).run(options);
    }

    /** {@code sandbox-ctl run ...}: the explicit form, for a PROGRAM named like a subcommand. */
    static final class RunCommand implements Callable<Integer> {
        private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
        private final SandboxCtl parent;
        final RunOptions runOptions = new RunOptions();

        RunCommand(SandboxCtl parent) {
            this.parent = parent;
            spec.name("run").usageMessage().description("Run PROGRAM in a sandbox (the same as leaving out 'run').");
            standardHelpOptions(spec);
            spec.addMixin("runOptions", runOptions.mixin());
        }

        @Override
        public Integer call() {
            return run(runOptions, spec.commandLine().getErr(), parent.verbose());
        }
    }

    /** {@code -h/--help} and {@code -V/--version}, as every command has them. */
    static void standardHelpOptions(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help")
                .type(boolean.class)
                .usageHelp(true)
                .description("Show this help message and exit.")
                .build());
        spec.addOption(OptionSpec.builder("-V", "--version")
                .type(boolean.class)
                .versionHelp(true)
                .description("Print version information and exit.")
                .build());
    }

    /** Adds {@code option} to {@code spec}, its value read and written through {@code getter} and {@code setter}. */
    static <V> void option(CommandSpec spec, OptionSpec.Builder option, Supplier<V> getter, Consumer<V> setter) {
        Binding binding = Binding.of(getter, setter);
        spec.addOption(option.getter(binding)
                .setter(binding)
                .initialValue(getter.get())
                .hasInitialValue(true)
                .build());
    }

    /** A value as picocli reads and writes it; a class, since picocli's getter and setter are generic methods. */
    static final class Binding implements IGetter, ISetter {
        private final Supplier<?> getter;
        private final Consumer<Object> setter;

        private Binding(Supplier<?> getter, Consumer<Object> setter) {
            this.getter = getter;
            this.setter = setter;
        }

        @SuppressWarnings("unchecked")
        static <V> Binding of(Supplier<V> getter, Consumer<V> setter) {
            return new Binding(getter, (Consumer<Object>) setter);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) getter.get();
        }

        @Override
        public <T> T set(T value) {
            T previous = get();
            setter.accept(value);
            return previous;
        }
    }

    /**
     * Run options before a subcommand ({@code sandbox-ctl -t 1s run sleep 3}) would not apply to it: refused rather than
     * dropped, which would leave a weaker sandbox than asked for. Only {@code -v} and the help options may stand there.
     */
    private static final class OptionsBeforeSubcommandRefused implements IExecutionStrategy {
        @Override
        public int execute(ParseResult parseResult) {
            ParseResult sub = parseResult.subcommand();
            if (sub != null) {
                for (OptionSpec option : parseResult.matchedOptions()) {
                    if (option.scopeType() != ScopeType.INHERIT && !option.usageHelp() && !option.versionHelp()) {
                        String name = sub.commandSpec().name();
                        return usageError(
                                parseResult.commandSpec().commandLine().getErr(),
                                option.longestName() + " before '" + name
                                        + "' would not apply to it: put the options after '" + name + "'");
                    }
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        }
    }

    /** A value the converters refuse, or a command line of the wrong shape: one line, exit 2. */
    private static final class BadCommandLine implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException e, String[] args) {
            PrintWriter err = e.getCommandLine().getErr();
            if (e.getCause() instanceof InvalidConfigException invalid) {
                // Named for the option as the help spells it, whatever the converter called it.
                if (invalid.setting() != null && e.getArgSpec() instanceof OptionSpec option) {
                    invalid = new InvalidConfigException(option.longestName(), invalid.value(), invalid.problem());
                }
                return printUsageError(err, invalid.getMessage());
            }
            return usageError(err, describe(e));
        }

        private static String describe(ParameterException e) {
            if (e instanceof UnmatchedArgumentException unmatched) {
                List<String> arguments = unmatched.getUnmatched();
                String first = arguments.isEmpty() ? "?" : arguments.get(0);
                return first.startsWith("-") ? "unknown option '" + first + "'" : "unexpected argument '" + first + "'";
            }
            String message = e.getMessage();
            return message.isEmpty()
                    ? message
                    : message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
        }
    }

    /** An exception out of a command: a refused value is a bad command line (2), a sandbox failure 125. */
    private static final class Failed implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            PrintWriter err = commandLine.getErr();
            if (e instanceof InvalidConfigException invalid) {
                return printUsageError(err, invalid.getMessage());
            }
            err.println("sandbox-ctl: " + (e instanceof SandboxException ? e.getMessage() : "internal error: " + e));
            if (((SandboxCtl) commandLine.getCommandSpec().root().userObject()).verbose()) {
                e.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.SETUP_FAILED;
        }
    }

    /** A problem with the shape of the command line: the help says what the shape is. */
    static int usageError(PrintWriter err, String problem) {
        return printUsageError(err, problem + " (see sandbox-ctl --help)");
    }

    private static int printUsageError(PrintWriter err, String line) {
        err.println("sandbox-ctl: " + line);
        err.flush();
        return ExitCodes.USAGE;
    }

    /** The Maven project version, filtered into {@code version.properties} at build time. */
    static String version() {
        try (InputStream in = SandboxCtl.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code --version}: sandbox-ctl's and the JVM's. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "sandbox-ctl " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch")
            };
        }
    }
}
