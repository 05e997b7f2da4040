package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.Volume;
import dev.sandbox4j.exec.Volumes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code sandbox-ctl volume create|ls|rm|du}: the named volumes that {@code --volume NAME:/path[:ro]} binds into runs,
 * kept in {@link Volumes#defaultLocation()} ({@code SANDBOX4J_VOLUMES} chooses another directory).
 */
final class VolumeCommand implements Callable<Integer> {
    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    VolumeCommand() {
        spec.name("volume")
                .usageMessage()
                .description(
                        "Manage named volumes: directories kept between runs, bound with --volume NAME:/path[:ro].");
        SandboxCtl.standardHelpOptions(spec);
    }

    /** This command with its {@code create}, {@code ls}, {@code rm} and {@code du} subcommands. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new VolumeCommand().spec);
        line.addSubcommand(new Action(
                        "create",
                        "Create empty volumes, owned by the host id sandboxed programs run as.",
                        true,
                        VolumeCommand::create)
                .commandLine());
        line.addSubcommand(
                new Action("ls", "List the volumes with their sizes.", false, VolumeCommand::list).commandLine());
        line.addSubcommand(
                new Action("rm", "Delete volumes and everything in them.", true, VolumeCommand::remove).commandLine());
        line.addSubcommand(
                new Action("du", "Print the bytes of files in each volume.", true, VolumeCommand::usage).commandLine());
        return line;
    }

    /** {@code sandbox-ctl volume} alone: which subcommands there are. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    private static int create(Action action) {
        Volumes volumes = Volumes.defaultLocation();
        for (String name : action.names) {
            action.out().println(volumes.create(name).path());
        }
        return ExitCodes.OK;
    }

    private static int list(Action action) {
        for (Volume v : Volumes.defaultLocation().list()) {
            action.out().printf("%-24s %10s  %s%n", v.name(), Sizes.format(v.sizeBytes()), v.path());
        }
        return ExitCodes.OK;
    }

    private static int remove(Action action) {
        Volumes volumes = Volumes.defaultLocation();
        action.names.forEach(volumes::get); // all exist, or nothing is deleted
        action.names.forEach(volumes::delete);
        return ExitCodes.OK;
    }

    private static int usage(Action action) {
        Volumes volumes = Volumes.defaultLocation();
        for (String name : action.names) {
            action.out().printf("%d\t%s%n", volumes.get(name).sizeBytes(), name);
        }
        return ExitCodes.OK;
    }

    /** One {@code volume} subcommand: its name, its NAME arguments if it takes any, and what it does. */
    private static final class Action implements Callable<Integer> {
        private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
        private final Function<Action, Integer> body;
        List<String> names = new ArrayList<>();

        Action(String name, String description, boolean takesNames, Function<Action, Integer> body) {
            this.body = body;
            spec.name(name).usageMessage().description(description);
            SandboxCtl.standardHelpOptions(spec);
            if (takesNames) {
                SandboxCtl.Binding binding = SandboxCtl.Binding.of(() -> names, (List<String> v) -> names = v);
                spec.addPositional(PositionalParamSpec.builder()
                        .type(List.class)
                        .auxiliaryTypes(String.class)
                        .arity("1..*")
                        .paramLabel("NAME")
                        .getter(binding)
                        .setter(binding)
                        .initialValue(names)
                        .hasInitialValue(true)
                        .build());
            }
        }

        CommandLine commandLine() {
            return new CommandLine(spec);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public Integer call() {
            int status = body.apply(this);
            out().flush();
            return status;
        }
    }

    /** {@code --volume NAME:/path[:ro]}: the volume's directory bound at the path, writable unless {@code :ro}. */
    static FilesystemOptions.Bind bind(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length < 2
                || parts.length > 3
                || parts[0].isEmpty()
                || parts[1].isEmpty()
                || parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) {
            throw new InvalidConfigException("--volume", text, "expected NAME:/path or NAME:/path:ro");
        }
        Path destination = FilesystemOptions.inside("--volume", text, parts[1]);
        Volume volume;
        try {
            volume = Volumes.defaultLocation().get(parts[0]);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--volume", text, e.problem());
        }
        return new FilesystemOptions.Bind(volume.path(), destination, parts.length < 3 || parts[2].equals("rw"));
    }
}
