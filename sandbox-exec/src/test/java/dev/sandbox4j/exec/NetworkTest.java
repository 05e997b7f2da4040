package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkTest {

    @Test
    void modesParseByNameOnly() {
        assertThat(Network.parse("none")).isEqualTo(Network.none());
        assertThat(Network.parse("host").mode()).isEqualTo(Network.Mode.HOST);
        assertThat(Network.parse("user").mode()).isEqualTo(Network.Mode.USER);
        assertThatThrownBy(() -> Network.parse("bridge"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid network 'bridge': use none, host or user");
    }

    @Test
    void destinationsParseAsBlocksWithPorts() {
        Network n = Network.user()
                .allow("10.1.0.0/16")
                .allow("192.168.1.5:8080")
                .allow("[fd00::1]:443")
                .allow("2001:db8::/32")
                .allowHost("pypi.org", 443);
        assertThat(n.allowed())
                .extracting(Object::toString)
                .containsExactly(
                        "10.1.0.0/16",
                        "192.168.1.5:8080",
                        "[fd00:0:0:0:0:0:0:1]:443",
                        "2001:db8:0:0:0:0:0:0/32",
                        "pypi.org:443");
        assertThat(n.allowed().get(1).port()).isEqualTo(8080);
        assertThat(n.allowed().get(2).ipv6()).isTrue();
    }

    @Test
    void badDestinationsNameThemselvesAndTheFix() {
        assertThatThrownBy(() -> Network.user().allow("10.1.2.3/16"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'10.1.2.3/16'")
                .hasMessageContaining("did you mean 10.1.0.0/16?");
        assertThatThrownBy(() -> Network.user().allow("10.1.0.0/33")).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> Network.user().allow("300.1.1.1")).hasMessageContaining("0 to 255");
        assertThatThrownBy(() -> Network.user().allow("1.2.3.4:0")).hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> Network.user().allow("example.com")).hasMessageContaining("allowHost");
        assertThatThrownBy(() -> Network.user().allowHost("bad host", 1)).hasMessageContaining("'bad host'");
        assertThatThrownBy(() -> Network.user().publish(0, 80)).hasMessageContaining("host port '0'");
        assertThatThrownBy(() -> Network.user().publish(8080, 80).publish(8080, 81))
                .hasMessageContaining("twice");
    }

    @Test
    void theNetworkSetsTheNetworkNamespaceAndSurvivesToBuilder() {
        SandboxConfig host = SandboxConfig.builder().network(Network.host()).build();
        assertThat(host.namespaces().contains(dev.sandbox4j.namespace.Namespace.NET))
                .isFalse();
        assertThat(host.toBuilder().build().network()).isEqualTo(Network.host());
        SandboxConfig none = SandboxConfig.builder()
                .namespaces(
                        dev.sandbox4j.namespace.NamespaceConfig.all().without(dev.sandbox4j.namespace.Namespace.NET))
                .network(Network.none())
                .build();
        assertThat(none.namespaces().contains(dev.sandbox4j.namespace.Namespace.NET))
                .as("asked for by name")
                .isTrue();
        assertThat(SandboxConfig.builder().build().network()).as("the default").isEqualTo(Network.none());
    }

    @Test
    void rulesAndForwardsNeedUserMode() {
        assertThatThrownBy(() -> Network.none().allow("10.0.0.0/8"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("needs user-mode networking");
        assertThatThrownBy(() -> Network.host().publish(8080, 80)).hasMessageContaining("needs user-mode networking");
    }

    @Test
    void defaultRulesRefuseTheClassesAndTheHostsOwnAddressesAfterTheResolver() {
        String script = EgressRules.script(
                List.of(), List.of(EgressRule.parse("10.255.255.53")), List.of(EgressRule.parse("192.0.2.2")));
        List<String> lines = script.lines().map(String::trim).toList();
        int resolver = lines.indexOf("ip daddr 10.255.255.53 meta l4proto { tcp, udp } th dport 53 accept");
        int privateRange = lines.indexOf("ip daddr 10.0.0.0/8 counter name refused reject with icmpx admin-prohibited");
        assertThat(resolver).isPositive().isLessThan(privateRange);
        assertThat(lines)
                .contains(
                        "ip daddr 169.254.0.0/16 counter name refused reject with icmpx admin-prohibited",
                        "ip daddr 127.0.0.0/8 counter name refused reject with icmpx admin-prohibited",
                        "ip6 daddr fe80:0:0:0:0:0:0:0/10 counter name refused reject with icmpx admin-prohibited",
                        "ip daddr 192.0.2.2 counter name refused reject with icmpx admin-prohibited");
        assertThat(lines).as("no allow-list: the rest passes").noneMatch(l -> l.startsWith("meta nfproto"));
    }

    @Test
    void anAllowListOpensOnlyWhatLiesInsideARefusedClass() {
        String script = EgressRules.script(
                List.of(EgressRule.parse("0.0.0.0/0"), EgressRule.parse("10.99.0.1:80")), List.of(), List.of());
        List<String> lines = script.lines().map(String::trim).toList();
        int opening = lines.indexOf("ip daddr 10.99.0.1 meta l4proto { tcp, udp } th dport 80 accept");
        int refusal = lines.indexOf("ip daddr 169.254.0.0/16 counter name refused reject with icmpx admin-prohibited");
        int everything = lines.indexOf("ip daddr 0.0.0.0/0 accept");
        int rest = lines.indexOf("meta nfproto { ipv4, ipv6 } counter name refused reject with icmpx admin-prohibited");
        assertThat(opening).as("inside 10/8: before the refusals").isPositive().isLessThan(refusal);
        assertThat(everything)
                .as("0.0.0.0/0 covers the classes but does not open them")
                .isGreaterThan(refusal);
        assertThat(rest).isGreaterThan(everything);
    }

    @Test
    void refusalCountIsReadFromTheListing() {
        assertThat(EgressRules.refusedCount("table inet sandbox4j {\n\tcounter refused {\n\t\tpackets 3 bytes 180\n"))
                .isEqualTo(3);
        assertThat(EgressRules.refusedCount("")).isEqualTo(-1);
    }
}
