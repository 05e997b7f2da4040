package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.Sizes;
import dev.sandbox4j.exec.Volume;
import dev.sandbox4j.exec.Volumes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-ctl volume create|ls|rm|du}: the named volumes that {@code --volume NAME:/path[:ro]} binds into runs,
 * kept in {@link Volumes#defaultLocation()} ({@code SANDBOX4J_VOLUMES} chooses another directory).
 */
@Command(name = "volume", mixinStandardHelpOptions = true,
        description = "Manage named volumes: directories kept between runs, bound with --volume NAME:/path[:ro].",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.List.class, VolumeCommand.Remove.class,
                VolumeCommand.Usage.class})
final class VolumeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create empty volumes, owned by the host id sandboxed programs run as.")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Parameters(paramLabel = "NAME", arity = "1..*")
        private java.util.List<String> names;

        @Override
        public Integer call() {
            Volumes volumes = Volumes.defaultLocation();
            for (String name : names) {
                spec.commandLine().getOut().println(volumes.create(name).path());
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the volumes with their sizes.")
    static final class List implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (Volume v : Volumes.defaultLocation().list()) {
                out.printf("%-24s %10s  %s%n", v.name(), Sizes.format(v.sizeBytes()), v.path());
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete volumes and everything in them.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", arity = "1..*")
        private java.util.List<String> names;

        @Override
        public Integer call() {
            Volumes volumes = Volumes.defaultLocation();
            names.forEach(volumes::get); // all exist, or nothing is deleted
            names.forEach(volumes::delete);
            return ExitCodes.OK;
        }
    }

    @Command(name = "du", mixinStandardHelpOptions = true, description = "Print the bytes of files in each volume.")
    static final class Usage implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Parameters(paramLabel = "NAME", arity = "1..*")
        private java.util.List<String> names;

        @Override
        public Integer call() {
            Volumes volumes = Volumes.defaultLocation();
            PrintWriter out = spec.commandLine().getOut();
            for (String name : names) {
                out.printf("%d\t%s%n", volumes.get(name).sizeBytes(), name);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code --volume NAME:/path[:ro]}: the volume's directory bound at the path, writable unless {@code :ro}. */
    static FilesystemSettings.Bind bind(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
                || parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) {
            throw new InvalidConfigException("--volume", text, "expected NAME:/path or NAME:/path:ro");
        }
        Path destination = FilesystemOptions.inside("--volume", parts[1]);
        if (destination.getParent() == null) {
            throw new InvalidConfigException("--volume", text, "cannot mount a volume over the sandbox's root");
        }
        Volume volume;
        try {
            volume = Volumes.defaultLocation().get(parts[0]);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--volume", text, e.problem());
        }
        return new FilesystemSettings.Bind(volume.path(), destination, parts.length < 3 || parts[2].equals("rw"));
    }

    /** Converts a --volume value and appends its bind, in command-line order, to the shared list of binds. */
    static final class Value implements ITypeConverter<FilesystemSettings.Bind> {
        private final java.util.List<FilesystemSettings.Bind> binds;

        Value(java.util.List<FilesystemSettings.Bind> binds) {
            this.binds = binds;
        }

        @Override
        public FilesystemSettings.Bind convert(String value) {
            FilesystemSettings.Bind bind = bind(value);
            binds.add(bind);
            return bind;
        }
    }
}
