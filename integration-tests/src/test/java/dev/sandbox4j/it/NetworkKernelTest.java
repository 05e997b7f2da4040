package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Network;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three networks against the real kernel, as root and (through {@link UnprivilegedKernelTest}) as uid 65534.
 *
 * <p>{@link #userModeReachesOnlyWhatItMayInATopologyOfItsOwn} builds its own world ({@code network/topology.sh}):
 * the caller's namespace and a "remote" one joined by a veth pair, serving on a public-looking address, the cloud
 * metadata address and private addresses, all made by the test (in a user namespace of its own when the caller is
 * not root), with {@code sandbox-ctl} run inside it. Every target is first reached from the caller, then refused
 * or reached from the sandbox as the rules say. The library tests here probe nothing but the caller's own
 * loopback (through slirp's gateway), a port the test itself listens on.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class NetworkKernelTest {

    @Test
    void userModeReachesOnlyWhatItMayInATopologyOfItsOwn(@TempDir Path scratch) throws Exception {
        KernelTestSupport.requireFeature(
                Network.userModeAvailability().startsWith("yes"),
                "user-mode networking (" + Network.userModeAvailability() + ")");
        boolean root = KernelTestSupport.euid() == 0;
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String name : List.of("topology.sh", "probe.py", "serve.py", "dns.py")) {
            try (InputStream in = NetworkKernelTest.class.getResourceAsStream("/network/" + name)) {
                Files.copy(in, scratch.resolve(name));
            }
        }
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--net", "--propagation", "private"));
        if (!root) {
            cmd.addAll(List.of("--user", "--map-root-user"));
        }
        cmd.addAll(List.of("bash", scratch.resolve("topology.sh").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DIR", scratch.toString());
        pb.environment()
                .put(
                        "JAVA",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("CP", System.getProperty("java.class.path"));
        pb.environment().put("DROP", root ? "0" : "1");
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        System.out.println(out);
        assertThat(out).as("the topology was built").doesNotContain("FAIL ").contains("DONE");
        Map<String, Map<String, String>> runs = parse(out);

        // Calibration: every target is there to be reached, from the caller.
        assertThat(runs.get("OUTSIDE"))
                .containsEntry("198.51.100.10:80", "reached public")
                .containsEntry("169.254.169.254:80", "reached metadata")
                .containsEntry("10.99.0.1:80", "reached private10")
                .containsEntry("172.16.5.1:80", "reached private172")
                .containsEntry("192.168.7.1:80", "reached private192")
                .containsEntry("127.0.0.1:7000", "reached callerloopback")
                .containsEntry("198.51.100.1:7001", "reached callerown");

        Map<String, String> byDefault = runs.get("default");
        assertThat(byDefault).as(out).containsEntry("EXIT", "0").containsEntry("198.51.100.10:80", "reached public");
        for (String denied : List.of(
                "169.254.169.254:80",
                "10.99.0.1:80",
                "172.16.5.1:80",
                "192.168.7.1:80",
                "10.0.2.2:7000",
                "198.51.100.1:7001")) {
            assertThat(byDefault.get(denied))
                    .as(denied + " (link-local, private, the caller's loopback, the caller's own "
                            + "address) from a user-mode sandbox")
                    .startsWith("refused");
        }
        String report = Files.readString(scratch.resolve("default.json"));
        assertThat(report)
                .as("each refused connect counted")
                .contains("\"refusedConnections\":6")
                .contains("\"degradations\":[]");

        Map<String, String> allowed = runs.get("allow");
        assertThat(allowed)
                .as(out)
                .containsEntry("EXIT", "0")
                .containsEntry("10.99.0.1:80", "reached private10")
                .containsEntry("192.168.7.1:80", "reached private192");
        for (String denied : List.of("198.51.100.10:80", "169.254.169.254:80", "172.16.5.1:80", "10.0.2.2:7000")) {
            assertThat(allowed.get(denied))
                    .as(denied + " outside the allow-list")
                    .startsWith("refused");
        }

        Map<String, String> wide = runs.get("wide");
        assertThat(wide)
                .as(out)
                .containsEntry("198.51.100.10:80", "reached public")
                .containsEntry("10.99.0.1:80", "reached private10");
        assertThat(wide.get("169.254.169.254:80"))
                .as("0.0.0.0/0 does not open link-local")
                .startsWith("refused");
        assertThat(wide.get("10.0.2.2:7000"))
                .as("the caller's loopback, whatever the rules")
                .startsWith("refused");

        assertThat(runs.get("preset"))
                .as("permissive is user mode, not the host's network")
                .containsEntry("198.51.100.10:80", "reached public");
        assertThat(runs.get("preset").get("169.254.169.254:80")).startsWith("refused");
        assertThat(Files.readString(scratch.resolve("preset.json"))).contains("\"degradations\":[]");
        assertThat(runs.get("none").get("198.51.100.10:80"))
                .as("--network none")
                .startsWith("refused");
        assertThat(runs.get("unresolved"))
                .as("an allowed host that does not resolve fails the setup, not the rule")
                .containsEntry("EXIT", "125");
        assertThat(runs.get("unresolved").get("sandbox-ctl:")).contains("network resolve", "no-such-host.invalid");

        assertThat(runs.get("dns"))
                .as("a resolver on the caller's loopback is reached through the stack's forwarder")
                .containsEntry("nameserver", "10.0.2.3")
                .containsEntry("dns", "reply echo:hello");
        assertThat(runs.get("publish")).as(out).containsEntry("EXIT", "0").containsEntry("PUBLISHED", "1");
        assertThat(runs.get("crash"))
                .as("the stack was running before the JVM was killed")
                .containsEntry("STACK-RUNNING", "1");
        assertThat(out.lines().filter(l -> l.startsWith("LEFT ")))
                .as("nothing of sandbox4j left after kill -9 of its JVM")
                .isEmpty();
    }

    @Test
    void theCallersLoopbackIsRefusedCountedAndAPublishedPortServes(@TempDir Path scratch) throws Exception {
        KernelTestSupport.requireFeature(
                Network.userModeAvailability().startsWith("yes"),
                "user-mode networking (" + Network.userModeAvailability() + ")");
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream in = NetworkKernelTest.class.getResourceAsStream("/network/probe.py")) {
            Files.copy(in, scratch.resolve("probe.py"));
        }
        try (InputStream in = NetworkKernelTest.class.getResourceAsStream("/network/serve.py")) {
            Files.copy(in, scratch.resolve("serve.py"));
        }
        try (ServerSocket service = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                ServerSocket free = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            int hostPort = free.getLocalPort();
            free.close();
            Thread acceptor = new Thread(() -> {
                try (Socket s = service.accept()) {
                    s.getOutputStream().write("hostloopback\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            // Calibration: the service answers on the caller's loopback.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), service.getLocalPort())) {
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("hostloopback\n");
            }
            acceptor.join();
            Thread late = new Thread(() -> {
                try (Socket s = service.accept()) {
                    s.getOutputStream().write("reached\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // no connection came, as it should be
                }
            });
            late.start();
            SandboxConfig config = SandboxConfig.builder()
                    .network(Network.user().publish(hostPort, 8000))
                    .filesystem(
                            FilesystemView.defaults().roBind(scratch, scratch).build())
                    .timeout(Duration.ofSeconds(30))
                    .build();
            try (Sandbox sandbox = Sandbox.create(config)) {
                SandboxResult r = sandbox.run(List.of(
                        "python3",
                        scratch.resolve("probe.py").toString(),
                        "10.0.2.2:" + service.getLocalPort(),
                        "127.0.0.1:" + service.getLocalPort()));
                assertThat(r.stdoutText())
                        .as(r.stderrText())
                        .contains("10.0.2.2:" + service.getLocalPort() + " refused")
                        .contains("127.0.0.1:" + service.getLocalPort() + " refused");
                assertThat(r.refusedConnections())
                        .as("the gateway connect, refused by the rules")
                        .hasValue(1);
                assertThat(r.degradations()).isEmpty();

                var process = sandbox.start(List.of(
                        "python3", scratch.resolve("serve.py").toString(), "once", "0.0.0.0,8000,insidesandbox"));
                String answer = "";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!answer.equals("insidesandbox\n") && System.nanoTime() < deadline) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), hostPort)) {
                        answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        Thread.sleep(50);
                    }
                }
                assertThat(answer)
                        .as("127.0.0.1:" + hostPort + " forwarded to port 8000 inside")
                        .isEqualTo("insidesandbox\n");
                assertThat(process.waitFor().exitCode()).hasValue(0);
            }
            service.close();
            late.join();
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), hostPort).close())
                    .as("the forward ends with the run")
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void theProgramCannotChangeTheRules(@TempDir Path scratch) throws Exception {
        KernelTestSupport.requireFeature(
                Network.userModeAvailability().startsWith("yes"),
                "user-mode networking (" + Network.userModeAvailability() + ")");
        // Calibration: whoever holds CAP_NET_ADMIN over a network namespace flushes its rules with nft.
        Process outside = new ProcessBuilder(
                        "unshare",
                        "--user",
                        "--map-root-user",
                        "--net",
                        "sh",
                        "-c",
                        "nft add table inet t && nft flush ruleset && nft list ruleset | wc -l")
                .redirectErrorStream(true)
                .start();
        String calibration = new String(outside.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(outside.waitFor()).as(calibration).isZero();
        assertThat(calibration).isEqualTo("0");

        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream in = NetworkKernelTest.class.getResourceAsStream("/network/probe.py")) {
            Files.copy(in, scratch.resolve("probe.py"));
        }
        try (ServerSocket service = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                        .network(Network.user())
                        .filesystem(FilesystemView.defaults()
                                .roBind(scratch, scratch)
                                .build())
                        .timeout(Duration.ofSeconds(30))
                        .build())) {
            SandboxResult r = sandbox.run(List.of(
                    "sh",
                    "-c",
                    "nft flush ruleset; echo nft=$?; nft delete table inet " + "sandbox4j; echo nft=$?; python3 "
                            + scratch.resolve("probe.py") + " 10.0.2.2:" + service.getLocalPort()));
            assertThat(r.stdoutText())
                    .as(r.stderrText())
                    .doesNotContain("nft=0")
                    .contains("10.0.2.2:" + service.getLocalPort() + " refused");
            assertThat(r.stderrText()).contains("Operation not permitted");
            assertThat(r.refusedConnections()).as("the rules were still there").hasValue(1);
        }
    }

    @Test
    void theHostsNetworkIsOnlyHadByNameAndListedAsADegradation() throws Exception {
        try (Sandbox sandbox =
                Sandbox.create(SandboxConfig.builder().network(Network.host()).build())) {
            SandboxResult r = sandbox.run(List.of("cat", "/proc/net/dev"));
            assertThat(r.degradations()).anyMatch(d -> d.startsWith("network: the host's network namespace"));
        }
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            SandboxResult r = sandbox.run(List.of("cat", "/proc/net/dev"));
            assertThat(r.stdoutText())
                    .as("the default: lo only")
                    .contains("lo:")
                    .doesNotContain("eth0")
                    .doesNotContain("tap0");
            assertThat(r.degradations()).isEmpty();
            assertThat(r.refusedConnections()).isEmpty();
        }
        assertThatThrownBy(() -> Network.none().allow("10.0.0.0/8")).isInstanceOf(InvalidConfigException.class);
    }

    /** "RUN name" starts a section; "ADDRESS:PORT reached|refused ..." and "KEY value" lines fill it. */
    private static Map<String, Map<String, String>> parse(String out) {
        Map<String, Map<String, String>> runs = new LinkedHashMap<>();
        Map<String, String> current = runs.computeIfAbsent("", k -> new LinkedHashMap<>());
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ", 2);
            if (f.length < 2) {
                continue;
            }
            if (f[0].equals("RUN")) {
                current = runs.computeIfAbsent(f[1], k -> new LinkedHashMap<>());
            } else if (f[0].equals("OUTSIDE")) {
                String[] g = f[1].split(" ", 2);
                runs.computeIfAbsent("OUTSIDE", k -> new LinkedHashMap<>()).put(g[0], g.length > 1 ? g[1] : "");
            } else {
                current.put(f[0], f[1]);
            }
        }
        return runs;
    }
}
