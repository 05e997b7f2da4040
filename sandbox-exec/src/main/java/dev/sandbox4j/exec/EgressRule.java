package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a user-mode network's allow-list: an address block ({@code 10.1.0.0/16}) or a host name, with a
 * port (0: every port). Parsed and checked here only; see {@link Network#allow(String)}.
 */
final class EgressRule {
    private final byte[] network; // null for a host name
    private final int prefix;
    private final String hostName;
    private final int port;

    private EgressRule(byte[] network, int prefix, String hostName, int port) {
        this.network = network;
        this.prefix = prefix;
        this.hostName = hostName;
        this.port = port;
    }

    static EgressRule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigException(
                    "allowed destination",
                    String.valueOf(text),
                    "use CIDR[:PORT] or ADDRESS[:PORT], e.g. 10.1.0.0/16, 192.168.1.5:8080, [fd00::1]:443");
        }
        String block = text;
        int port = 0;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw invalid(text, "an opening '[' without ']'");
            }
            block = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw invalid(text, "expected ':PORT' after ']'");
                }
                port = parsePort(text, rest.substring(1));
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') >= 0) {
            block = text.substring(0, text.indexOf(':')); // IPv4 with a port; bare IPv6 has several colons
            port = parsePort(text, text.substring(text.indexOf(':') + 1));
        }
        String address = block;
        int prefix = -1;
        int slash = block.indexOf('/');
        if (slash >= 0) {
            address = block.substring(0, slash);
            try {
                prefix = Integer.parseInt(block.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw invalid(text, "the prefix length is not a number");
            }
        }
        byte[] bytes = literal(text, address);
        int bits = bytes.length * 8;
        if (prefix == -1) {
            prefix = bits;
        }
        if (prefix < 0 || prefix > bits) {
            throw invalid(text, "the prefix length must be 0 to " + bits);
        }
        byte[] masked = mask(bytes, prefix);
        if (!Arrays.equals(masked, bytes)) {
            throw invalid(
                    text,
                    "host bits are set below the /" + prefix + "; did you mean " + format(masked) + "/" + prefix + "?");
        }
        return new EgressRule(masked, prefix, null, port);
    }

    static EgressRule host(String hostName, int port) {
        if (hostName == null
                || hostName.isEmpty()
                || hostName.length() > 253
                || !hostName.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            throw new InvalidConfigException("allowed host", hostName, "use a host name of A-Z a-z 0-9 . -");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidConfigException(
                    "allowed port of " + hostName, Integer.toString(port), "must be 0 (every port) to 65535");
        }
        return new EgressRule(null, 0, hostName, port);
    }

    /** An address block of this rule's port, for a name's resolved address. */
    static EgressRule resolved(InetAddress address, int port) {
        byte[] bytes = address.getAddress();
        return new EgressRule(bytes, bytes.length * 8, null, port);
    }

    private static InvalidConfigException invalid(String text, String problem) {
        return new InvalidConfigException("allowed destination", text, problem);
    }

    private static int parsePort(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid(text, "the port must be 1 to 65535");
    }

    /** A numeric address only: a name here would be looked up, which belongs to {@link Network#allowHost}. */
    private static byte[] literal(String text, String address) {
        if (address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            byte[] b = new byte[4];
            String[] parts = address.split("\\.");
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    throw invalid(text, "an IPv4 address has numbers 0 to 255");
                }
                b[i] = (byte) v;
            }
            return b;
        }
        if (address.indexOf(':') >= 0 && address.matches("[0-9A-Fa-f:.]+")) {
            try {
                // With a colon and only these characters, a literal: InetAddress looks nothing up.
                return InetAddress.getByName(address).getAddress(); // an IPv4-mapped literal comes back as IPv4
            } catch (UnknownHostException e) {
                throw invalid(text, "not an IPv6 address");
            }
        }
        throw invalid(text, "not an IP address or block (for a host name use allowHost / --allow-host)");
    }

    static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    /** Whether this block lies within {@code other} (same family, longer or equal prefix, same leading bits). */
    boolean within(EgressRule other) {
        return network != null
                && other.network != null
                && network.length == other.network.length
                && prefix >= other.prefix
                && Arrays.equals(mask(network, other.prefix), other.network);
    }

    boolean isHostName() {
        return hostName != null;
    }

    String hostName() {
        return hostName;
    }

    boolean ipv6() {
        return network != null && network.length == 16;
    }

    int port() {
        return port;
    }

    /** The block as nftables writes it: {@code 10.1.0.0/16}, {@code fd00::1}. */
    String block() {
        return format(network) + (prefix == network.length * 8 ? "" : "/" + prefix);
    }

    private static String format(byte[] bytes) {
        try {
            InetAddress a = InetAddress.getByAddress(bytes);
            return a.getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EgressRule r
                && Arrays.equals(r.network, network)
                && r.prefix == prefix
                && Objects.equals(r.hostName, hostName)
                && r.port == port;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(network), prefix, hostName, port);
    }

    @Override
    public String toString() {
        String dest = hostName != null ? hostName : ipv6() && port != 0 ? "[" + block() + "]" : block();
        return port == 0 ? dest : dest + ":" + port;
    }
}
