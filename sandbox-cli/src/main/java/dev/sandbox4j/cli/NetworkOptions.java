package dev.sandbox4j.cli;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Network;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The network options of {@code run}, declared for both parsers (see {@link OptionTable}): {@code --network},
 * {@code --allow}, {@code --allow-host} and {@code --publish}. Each value is checked here by the library's own
 * parsing (the option is named in the error); {@link #toNetwork(boolean)} assembles the {@link Network}.
 */
final class NetworkOptions {
    private static final int MODE = 0;
    private static final int ALLOW = 1;
    private static final int ALLOW_HOST = 2;
    private static final int PUBLISH = 3;

    private String mode;
    private List<String> allow = new ArrayList<>();
    private List<String> allowHost = new ArrayList<>();
    private List<String> publish = new ArrayList<>();

    /** These options as a picocli mixin named {@code network}. */
    CommandSpec mixin() {
        PicocliOptions options = new PicocliOptions(this);
        declare(options);
        return options.mixin();
    }

    void declare(OptionTable table) {
        table.single(new Slot(MODE), String.class, new Value("--network"), "none|host|user",
                "none: a network namespace with only lo (strict, moderate); user: its own namespace reached through "
                        + "a user-mode stack (slirp4netns), the host's loopback, link-local, private ranges and the "
                        + "host's own addresses refused unless allowed (permissive); host: weaker, the host's "
                        + "network namespace, listed in the report.", "--network");
        table.repeatable(new Slot(ALLOW), String.class, new Value("--allow"), "CIDR[:PORT]",
                "With --network user: allow this block (and port); once given, only what is allowed is reachable. "
                        + "Opens a refused range only when it lies inside it. Repeatable.", "--allow");
        table.repeatable(new Slot(ALLOW_HOST), String.class, new Value("--allow-host"), "HOST[:PORT]",
                "With --network user: allow what HOST resolves to before the run (the host's resolver). "
                        + "Repeatable.", "--allow-host");
        table.repeatable(new Slot(PUBLISH), String.class, new Value("--publish"), "HOSTPORT:SANDBOXPORT",
                "With --network user: forward 127.0.0.1:HOSTPORT to SANDBOXPORT inside. Repeatable.", "--publish");
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
            String chosen = mode != null ? mode
                    : !allow.isEmpty() || !allowHost.isEmpty() || !publish.isEmpty() || !presetOwnNetwork ? "user" : "none";
            Network network = Network.parse(chosen);
            if (network.mode() != Network.Mode.USER && (!allow.isEmpty() || !allowHost.isEmpty() || !publish.isEmpty())) {
                String option = !allow.isEmpty() ? "--allow" : !allowHost.isEmpty() ? "--allow-host" : "--publish";
                throw new InvalidConfigException(option, first(allow, allowHost, publish),
                        "needs --network user, not --network " + chosen);
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
            throw new InvalidConfigException("--allow-host", text, "use HOST or HOST:PORT (a host name of A-Z a-z 0-9 . -)");
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

    private final class Slot implements OptionTable.Binding {
        private final int slot;

        Slot(int slot) {
            this.slot = slot;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) switch (slot) {
                case MODE -> mode;
                case ALLOW -> allow;
                case ALLOW_HOST -> allowHost;
                default -> publish;
            };
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T previous = get();
            switch (slot) {
                case MODE -> mode = (String) value;
                case ALLOW -> allow = (List<String>) value;
                case ALLOW_HOST -> allowHost = (List<String>) value;
                default -> publish = (List<String>) value;
            }
            return previous;
        }
    }
}
