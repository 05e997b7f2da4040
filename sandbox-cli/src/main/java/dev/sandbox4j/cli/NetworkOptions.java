package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The network options of {@code run}: {@code --network}, {@code --allow}, {@code --allow-host} and
 * {@code --publish}. Each value is checked here by the library's own parsing (the option is named in the error);
 * {@link Settings#toNetwork(boolean)} assembles the {@link Network}.
 */
final class NetworkOptions {
    private String mode;
    private List<String> allow = new ArrayList<>();
    private List<String> allowHost = new ArrayList<>();
    private List<String> publish = new ArrayList<>();

    /** These options as a picocli mixin. */
    CommandSpec mixin() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--network")
                        .paramLabel("none|host|user")
                        .type(String.class)
                        .converters(new Value("--network"))
                        .description(
                                "none: a network namespace with only lo (strict, moderate); user: its own namespace "
                                        + "reached through a user-mode stack (slirp4netns), the host's loopback, link-local, private "
                                        + "ranges and the host's own addresses refused unless allowed (permissive); host: weaker, the "
                                        + "host's network namespace, listed in the report."),
                () -> mode,
                v -> mode = v);
        repeatable(
                spec,
                "--allow",
                "CIDR[:PORT]",
                "With --network user: allow this block (and port); once given, "
                        + "only what is allowed is reachable. Opens a refused range only when it lies inside it. Repeatable.",
                () -> allow,
                v -> allow = v);
        repeatable(
                spec,
                "--allow-host",
                "HOST[:PORT]",
                "With --network user: allow what HOST resolves to before "
                        + "the run (the host's resolver). Repeatable.",
                () -> allowHost,
                v -> allowHost = v);
        repeatable(
                spec,
                "--publish",
                "HOSTPORT:SANDBOXPORT",
                "With --network user: forward 127.0.0.1:HOSTPORT to " + "SANDBOXPORT inside. Repeatable.",
                () -> publish,
                v -> publish = v);
        return spec;
    }

    private static void repeatable(
            CommandSpec spec,
            String name,
            String label,
            String description,
            Supplier<List<String>> getter,
            Consumer<List<String>> setter) {
        SandboxCtl.option(
                spec,
                OptionSpec.builder(name)
                        .paramLabel(label)
                        .type(List.class)
                        .auxiliaryTypes(String.class)
                        .converters(new Value(name))
                        .description(description),
                getter,
                setter);
    }

    Settings toSettings() {
        return new Settings(mode, allow, allowHost, publish);
    }

    /** The options as given, each value checked for form; {@link #toNetwork(boolean)} assembles them. */
    record Settings(String mode, List<String> allow, List<String> allowHost, List<String> publish) {
        static final Settings NONE = new Settings(null, List.of(), List.of(), List.of());

        Settings {
            allow = List.copyOf(allow);
            allowHost = List.copyOf(allowHost);
            publish = List.copyOf(publish);
        }

        /**
         * The network these options ask for; {@code presetOwnNetwork} is the preset's choice when there is no
         * {@code --network}: a namespace with only lo, or user-mode networking.
         */
        Network toNetwork(boolean presetOwnNetwork) {
            String chosen = mode != null
                    ? mode
                    : !allow.isEmpty() || !allowHost.isEmpty() || !publish.isEmpty() || !presetOwnNetwork
                            ? "user"
                            : "none";
            Network network = Network.parse(chosen);
            if (network.mode() != Network.Mode.USER
                    && (!allow.isEmpty() || !allowHost.isEmpty() || !publish.isEmpty())) {
                String option = !allow.isEmpty() ? "--allow" : !allowHost.isEmpty() ? "--allow-host" : "--publish";
                throw new InvalidConfigException(
                        option, first(allow, allowHost, publish), "needs --network user, not --network " + chosen);
            }
            for (String a : allow) {
                network = network.allow(a);
            }
            for (String h : allowHost) {
                network = NetworkOptions.allowHost(network, h);
            }
            for (String p : publish) {
                network = NetworkOptions.publish(network, p);
            }
            return network;
        }
    }

    private static String first(List<String> a, List<String> b, List<String> c) {
        return !a.isEmpty() ? a.get(0) : !b.isEmpty() ? b.get(0) : c.get(0);
    }

    private static Network allowHost(Network network, String text) {
        int colon = text.lastIndexOf(':');
        int port = 0;
        String host = text;
        if (colon >= 0) {
            host = text.substring(0, colon);
            port = port("--allow-host", text, text.substring(colon + 1));
        }
        try {
            return network.allowHost(host, port);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(
                    "--allow-host", text, "use HOST or HOST:PORT (a host name of A-Z a-z 0-9 . -)");
        }
    }

    private static Network publish(Network network, String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 2) {
            throw new InvalidConfigException("--publish", text, "use HOSTPORT:SANDBOXPORT, e.g. 8080:80");
        }
        int hostPort = port("--publish", text, parts[0]);
        int sandboxPort = port("--publish", text, parts[1]);
        if (network.forwards().stream().anyMatch(f -> f.hostPort() == hostPort)) {
            throw new InvalidConfigException("--publish", text, "published port " + hostPort + " is published twice");
        }
        return network.publish(hostPort, sandboxPort);
    }

    private static int port(String option, String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new InvalidConfigException(option, text, "a port is 1 to 65535");
    }

    /** Checks one value as the library will read it, naming the option. */
    private static final class Value implements ITypeConverter<String> {
        private final String option;

        Value(String option) {
            this.option = option;
        }

        @Override
        public String convert(String value) {
            Network user = Network.user();
            try {
                switch (option) {
                    case "--network" -> Network.parse(value);
                    case "--allow" -> user.allow(value);
                    case "--allow-host" -> allowHost(user, value);
                    default -> publish(user, value);
                }
            } catch (InvalidConfigException e) {
                if (e.setting() != null && e.setting().startsWith("--")) {
                    throw e;
                }
                throw new InvalidConfigException(option, value, e.problem());
            }
            return value;
        }
    }
}
