package dev.sandbox4j.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * The netfilter rules of a user-mode network, as an nftables script for the sandbox's own network namespace.
 * Installed before the program starts; the program holds no capability there, so it cannot change them.
 *
 * <p>Order: the sandbox's own loopback and replies to what it accepted (a published port) pass; then the
 * resolver on port 53; then allowed blocks that lie inside a refused class (they open that part of it); then the
 * refused classes; then, when there is an allow-list, the rest of it and a refusal of everything else. Every
 * refusal counts in the named counter {@value #COUNTER} and is answered at once with an ICMP "administratively
 * prohibited" (a refused connect fails with EHOSTUNREACH), so a refused program fails fast instead of timing out.
 */
final class EgressRules {
    static final String TABLE = "sandbox4j";
    static final String COUNTER = "refused";

    /** Refused unless allowed: link-local (cloud metadata), private and unique-local ranges, and any loopback. */
    static final List<EgressRule> REFUSED_CLASSES = List.of(
            EgressRule.parse("127.0.0.0/8"),
            EgressRule.parse("169.254.0.0/16"),
            EgressRule.parse("10.0.0.0/8"),
            EgressRule.parse("172.16.0.0/12"),
            EgressRule.parse("192.168.0.0/16"),
            EgressRule.parse("100.64.0.0/10"),
            EgressRule.parse("0.0.0.0/8"),
            EgressRule.parse("::1/128"),
            EgressRule.parse("fe80::/10"),
            EgressRule.parse("fc00::/7"));

    /** Refused classes that only an address rule opens, never a host name (whose answer someone else chooses). */
    static final List<EgressRule> NOT_BY_NAME =
            List.of(EgressRule.parse("169.254.0.0/16"), EgressRule.parse("fe80::/10"));

    private EgressRules() {}

    /**
     * @param allowed     the allow-list with host names already resolved (empty: every address not refused)
     * @param resolvers   the nameservers the sandbox uses, reachable on port 53
     * @param hostOwn     the caller's own addresses, refused like the classes (a service bound to 0.0.0.0 on the
     *                    host listens on them too)
     */
    static String script(List<EgressRule> allowed, List<EgressRule> resolvers, List<EgressRule> hostOwn) {
        List<EgressRule> refused = new ArrayList<>(REFUSED_CLASSES);
        refused.addAll(hostOwn);
        StringBuilder s = new StringBuilder();
        s.append("table inet ").append(TABLE).append(" {\n");
        s.append("  counter ").append(COUNTER).append(" {\n  }\n");
        s.append("  chain egress {\n");
        s.append("    type filter hook output priority 0; policy accept;\n");
        s.append("    oifname \"lo\" accept\n");
        s.append("    ct state established,related accept\n");
        for (EgressRule r : resolvers) {
            s.append("    ")
                    .append(family(r))
                    .append(" daddr ")
                    .append(r.block())
                    .append(" meta l4proto { tcp, udp } th dport 53 accept\n");
        }
        List<EgressRule> general = new ArrayList<>();
        for (EgressRule r : allowed) {
            if (refused.stream().anyMatch(r::within)) {
                s.append("    ").append(accept(r)).append('\n');
            } else {
                general.add(r);
            }
        }
        for (EgressRule r : refused) {
            s.append("    ")
                    .append(family(r))
                    .append(" daddr ")
                    .append(r.block())
                    .append(" ")
                    .append(refusal())
                    .append('\n');
        }
        if (!allowed.isEmpty()) {
            for (EgressRule r : general) {
                s.append("    ").append(accept(r)).append('\n');
            }
            s.append("    meta nfproto { ipv4, ipv6 } ").append(refusal()).append('\n');
        }
        s.append("  }\n}\n");
        return s.toString();
    }

    private static String accept(EgressRule r) {
        String match = family(r) + " daddr " + r.block();
        return r.port() == 0
                ? match + " accept"
                : match + " meta l4proto { tcp, udp } th dport " + r.port() + " accept";
    }

    private static String refusal() {
        return "counter name " + COUNTER + " reject with icmpx admin-prohibited";
    }

    private static String family(EgressRule r) {
        return r.ipv6() ? "ip6" : "ip";
    }

    /** Reads the refusal count out of {@code nft list counter inet sandbox4j refused}; -1 when absent. */
    static long refusedCount(String listing) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("packets (\\d+)").matcher(listing);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
