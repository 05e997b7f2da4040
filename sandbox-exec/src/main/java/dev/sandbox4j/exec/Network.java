package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What network a sandbox has. Immutable; the methods that add rules return a new value.
 *
 * <ul>
 *   <li>{@link #none()} (the default): a network namespace of its own with only {@code lo}.</li>
 *   <li>{@link #host()}: the host's network namespace: every service on the host's loopback, its abstract Unix
 *       sockets, the cloud metadata address and the internal network. Only when asked for by name, and every
 *       result lists it in {@link SandboxResult#degradations()}.</li>
 *   <li>{@link #user()}: a namespace of its own connected to the outside through slirp4netns, a user-mode
 *       TCP/IP stack started for the run and ended with it. The host's loopback is unreachable; so are
 *       link-local addresses (169.254.0.0/16, where cloud metadata lives), the private ranges (10/8, 172.16/12,
 *       192.168/16) and the caller's own addresses, unless {@linkplain #allow(String) allowed}. The rules are
 *       netfilter rules in the sandbox's namespace, installed before the program starts, which it cannot change
 *       (it holds no capability). Works privileged and unprivileged; the latter needs {@code /dev/net/tun}
 *       readable and writable by the caller (mode 0666, the usual default).</li>
 * </ul>
 *
 * <p>No network namespace separates vsock: a program that may open {@code AF_VSOCK} sockets reaches a
 * hypervisor's (or a host's guests') vsock services and can take the machine's vsock ports, whatever the network.
 * So with {@link #none()} and {@link #user()} every run refuses them, whatever its seccomp filter (none,
 * {@code UNRESTRICTED}, a custom filter or program, learn mode): {@code socket}/{@code socketpair} of
 * {@code AF_VSOCK} fail with EAFNOSUPPORT, and {@code io_uring_setup} with ENOSYS, since io_uring makes sockets
 * without a {@code socket()} call (32-bit x86 programs cannot make sockets through {@code socketcall}, whose
 * family seccomp cannot read). These are answers, not {@linkplain SandboxResult#violation() violations}.
 * {@link #host()} shares the host's vsock and io_uring with the rest of its network.
 */
public final class Network {
    /** The three kinds of network. */
    public enum Mode {
        NONE,
        HOST,
        USER
    }

    private static final Network NONE = new Network(Mode.NONE, List.of(), List.of());
    private static final Network HOST = new Network(Mode.HOST, List.of(), List.of());

    private final Mode mode;
    private final List<EgressRule> allowed;
    private final List<PortForward> forwards;

    private Network(Mode mode, List<EgressRule> allowed, List<PortForward> forwards) {
        this.mode = mode;
        this.allowed = Collections.unmodifiableList(allowed);
        this.forwards = Collections.unmodifiableList(forwards);
    }

    /** A network namespace of its own with only {@code lo}: nothing outside the sandbox is reachable. */
    public static Network none() {
        return NONE;
    }

    /** The host's network namespace. Weaker: see the class comment. */
    public static Network host() {
        return HOST;
    }

    /** User-mode networking with the default egress rules (public addresses reachable, see the class comment). */
    public static Network user() {
        return new Network(Mode.USER, List.of(), List.of());
    }

    /**
     * Parses {@code none}, {@code host} or {@code user}, as the command line spells them.
     *
     * @throws InvalidConfigException for anything else
     */
    public static Network parse(String mode) {
        return switch (mode == null ? "" : mode) {
            case "none" -> none();
            case "host" -> host();
            case "user" -> user();
            default -> throw new InvalidConfigException("network", mode, "use none, host or user");
        };
    }

    /**
     * Adds a destination to the allow-list, as {@code CIDR}, {@code CIDR:PORT}, {@code ADDRESS} or
     * {@code ADDRESS:PORT} (IPv6 in brackets with a port: {@code [fd00::1]:443}). Once there is an allow-list,
     * only what it names is reachable. A rule that lies inside a refused class (private, link-local, the caller's
     * own addresses) opens that part of it; one that merely covers it, such as {@code 0.0.0.0/0}, does not. The
     * host's loopback stays unreachable whatever the rules say.
     */
    public Network allow(String destination) {
        return withRule(EgressRule.parse(destination));
    }

    /**
     * Adds a host name and port (0: any) to the allow-list. The name is resolved before each run, by the
     * resolver this JVM uses, which is the one the sandbox is given (the host's {@code /etc/resolv.conf},
     * reached through the stack); the rule applies to the addresses it resolves to then. A name that resolves to a
     * link-local address (169.254.0.0/16, fe80::/10: cloud metadata) or to one of the caller's own addresses fails
     * the run ({@code network resolve}): whoever serves the name chooses its answer, so only {@link #allow(String)}
     * opens those.
     */
    public Network allowHost(String hostName, int port) {
        return withRule(EgressRule.host(hostName, port));
    }

    /**
     * Forwards {@code hostPort} on the caller's loopback (127.0.0.1) to {@code sandboxPort} in the sandbox, for a
     * server under test.
     */
    public Network publish(int hostPort, int sandboxPort) {
        requireUser("a published port");
        PortForward forward = new PortForward(
                PortForward.check("host port", hostPort), PortForward.check("sandbox port", sandboxPort));
        if (forwards.stream().anyMatch(f -> f.hostPort() == hostPort)) {
            throw new InvalidConfigException("published port", Integer.toString(hostPort), "is published twice");
        }
        List<PortForward> more = new ArrayList<>(forwards);
        more.add(forward);
        return new Network(mode, allowed, more);
    }

    private Network withRule(EgressRule rule) {
        requireUser("an egress rule");
        List<EgressRule> more = new ArrayList<>(allowed);
        more.add(rule);
        return new Network(mode, more, forwards);
    }

    private void requireUser(String what) {
        if (mode != Mode.USER) {
            throw new InvalidConfigException(
                    "network",
                    mode.name().toLowerCase(java.util.Locale.ROOT),
                    what + " needs user-mode networking (Network.user(), --network user)");
        }
    }

    /**
     * Whether {@link #user()} can run for this JVM, as one line: {@code yes: slirp4netns (PATH), ...}, or
     * {@code no: } and what to change.
     */
    public static String userModeAvailability() {
        return UserNetwork.describe();
    }

    public Mode mode() {
        return mode;
    }

    /** The allow-list, in the order given; empty: every public address. */
    List<EgressRule> allowed() {
        return allowed;
    }

    public List<PortForward> forwards() {
        return forwards;
    }

    /** A port of the caller's loopback forwarded into the sandbox. */
    public record PortForward(int hostPort, int sandboxPort) {
        static int check(String what, int port) {
            if (port < 1 || port > 65535) {
                throw new InvalidConfigException(what, Integer.toString(port), "must be 1 to 65535");
            }
            return port;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && n.mode == mode && n.allowed.equals(allowed) && n.forwards.equals(forwards);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, allowed, forwards);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(mode.name().toLowerCase(java.util.Locale.ROOT));
        allowed.forEach(r -> s.append(" allow ").append(r));
        forwards.forEach(
                f -> s.append(" publish ").append(f.hostPort()).append(':').append(f.sandboxPort()));
        return s.toString();
    }
}
