package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Network;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.it.SandboxCtlProcess.Result;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on a user-mode network ({@link Network#user()}) by a hostile program inside, with {@code hostile/network.c},
 * each first shown to do what it claims on the host: reaching the caller's loopback and its own addresses through
 * every alias of the stack's gateway, over TCP and UDP and with the rules opened as far as they go; changing routes,
 * addresses and links, sending past netfilter with packet and raw sockets, and doing it all again from a user
 * namespace of its own; reaching the stack's API socket (from inside, and as another user of the host); and making
 * the stack, which runs on the host outside the run's limits, hold a host socket for every flow the program opens.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class NetworkHostileKernelTest {
    /** TEST-NET-2: a public-looking address the rules let through, where nothing answers. */
    private static final String NOWHERE = "198.51.100.7";

    private static Path dir;
    private static Path bin;

    @BeforeAll
    static void compile() throws Exception {
        KernelTestSupport.requireFeature(
                Network.userModeAvailability().startsWith("yes"),
                "user-mode networking (" + Network.userModeAvailability() + ")");
        dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-nethostile");
        bin = HostileFixture.compileAttack(dir, "network");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir != null) {
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) tree.sorted(Collections.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static SandboxConfig config(Network network, SeccompProfile profile, Path work) {
        FilesystemView.Builder view = FilesystemView.defaults().roBind(dir.resolve("bin"), Path.of("/attack"));
        if (work != null) {
            view.bind(work, Path.of("/work"));
        }
        var b = SandboxConfig.builder()
                .network(network)
                .filesystem(view.build())
                .timeout(Duration.ofSeconds(60));
        if (profile != null) {
            b.seccomp(profile);
        }
        return b.build();
    }

    @Test
    void aFloodOfFlowsCostsTheHostOnlyABoundedNumberOfTheStacksSockets(@TempDir Path work) throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        int flows = 3000;
        // Calibration: 3,000 datagrams, each from a socket of its own, never two sockets open at once.
        Path calib = Files.createDirectory(work.resolve("calib"));
        Files.createFile(calib.resolve("done"));
        assertThat(HostileFixture.run(List.of(bin.toString(), "flood", NOWHERE, "9", "" + flows, calib.toString())))
                .isEqualTo("sent " + flows);

        try (Sandbox sandbox = Sandbox.create(config(Network.user(), SeccompProfile.NETWORK, work))) {
            SandboxProcess p =
                    sandbox.start(List.of("/attack/network", "flood", NOWHERE, "9", Integer.toString(flows), "/work"));
            Path sent = work.resolve("sent");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(sent) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long stackSockets = settledDescriptors();
            Files.createFile(work.resolve("done"));
            SandboxResult r = p.waitFor();
            System.out.printf("[measured] %d flows from inside: the stack held %d descriptors%n", flows, stackSockets);
            assertThat(r.stdoutText()).as(r.toString()).isEqualTo("sent " + flows + "\n");
            assertThat(stackSockets)
                    .as("the stack's host sockets after %d flows, one open at a time inside", flows)
                    .isGreaterThan(900) // each flow costs the stack a host socket: the attack works ...
                    .isLessThanOrEqualTo(1024); // ... up to the stack's bound, not the JVM's descriptor limit
        }
    }

    @Test
    void theCallersLoopbackAndOwnAddressesAreOutOfReachByEveryAliasEvenWhenAllowed() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (ServerSocket tcp = new ServerSocket();
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress("0.0.0.0", 0))) {
            tcp.bind(new InetSocketAddress("0.0.0.0", 0));
            int tcpPort = tcp.getLocalPort();
            int udpPort = udp.getLocalPort();
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (Socket s = tcp.accept()) {
                        received.add("tcp " + s.getInetAddress().getHostAddress());
                        s.getOutputStream().write("hostservice\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[256];
                while (true) {
                    DatagramPacket d = new DatagramPacket(buf, buf.length);
                    try {
                        udp.receive(d);
                    } catch (IOException e) {
                        return;
                    }
                    received.add("udp " + d.getAddress().getHostAddress());
                }
            });
            acceptor.start();
            receiver.start();

            List<String> aliases = new ArrayList<>(List.of("10.0.2.2", "10.0.2.3", "::ffff:10.0.2.2"));
            aliases.addAll(ownAddresses());
            List<String> tcpTargets = new ArrayList<>();
            List<String> udpTargets = new ArrayList<>();
            for (String a : aliases) {
                tcpTargets.addAll(List.of(a, Integer.toString(tcpPort)));
                udpTargets.addAll(List.of(a, Integer.toString(udpPort)));
            }
            udpTargets.addAll(List.of("255.255.255.255", Integer.toString(udpPort), "10.0.2.255", "" + udpPort));

            // Calibration: the services answer on the caller's loopback and on each of its own addresses.
            List<String> calib = new ArrayList<>(List.of(bin.toString(), "tcp", "127.0.0.1", "" + tcpPort));
            for (String a : ownAddresses()) {
                calib.addAll(List.of(a, "" + tcpPort));
            }
            String outside = HostileFixture.run(calib);
            assertThat(outside.lines()).allMatch(l -> l.contains(" reached hostservice"), outside);
            HostileFixture.run(List.of(bin.toString(), "udp", "127.0.0.1", "" + udpPort));
            awaitSize(received, ownAddresses().size() + 2);
            assertThat(received).contains("udp 127.0.0.1", "tcp 127.0.0.1");
            received.clear();

            String script = "/attack/network tcp " + String.join(" ", tcpTargets) + "; /attack/network udp "
                    + String.join(" ", udpTargets) + "; sleep 1";
            for (Network network : List.of(
                    Network.user(),
                    // As far as the rules open: the stack's whole network, the broadcast address, the host's own.
                    withOwn(Network.user().allow("10.0.0.0/8").allow("255.255.255.255")))) {
                try (Sandbox sandbox = Sandbox.create(config(network, SeccompProfile.NETWORK, null))) {
                    SandboxResult r = sandbox.run(List.of("sh", "-c", script));
                    System.out.printf("[measured] %s:%n%s", network, r.stdoutText());
                    List<String> lines = r.stdoutText().lines().toList();
                    assertThat(lines).as(r.toString()).hasSize(aliases.size() * 2 + 2);
                    for (String alias : List.of("10.0.2.2:", "10.0.2.3:", "::ffff:10.0.2.2:", "255.", "10.0.2.255")) {
                        assertThat(lines.stream().filter(l -> l.startsWith(alias)))
                                .as("the stack's gateway, its resolver off port 53, the broadcast addresses")
                                .allMatch(l -> l.contains(" refused ") || l.endsWith(" sent"));
                        assertThat(lines.stream().filter(l -> l.startsWith(alias) && l.contains(":" + tcpPort)))
                                .allMatch(l -> l.contains(" refused "));
                    }
                    if (network.equals(Network.user())) { // no allow-list
                        assertThat(lines.stream().filter(l -> l.contains(":" + tcpPort + " ")))
                                .allMatch(l -> l.contains(" refused "));
                    }
                }
                List<String> got = List.copyOf(received);
                received.clear();
                if (network.equals(Network.user())) { // no allow-list
                    assertThat(got)
                            .as("nothing of the sandbox's arrived, by any alias")
                            .isEmpty();
                } else {
                    // The caller's own addresses were allowed by name; its loopback never was, nor can be.
                    assertThat(got)
                            .as("only through an allowed address of the caller's own, never its loopback")
                            .noneMatch(g -> g.endsWith(" 127.0.0.1"));
                }
            }
            tcp.close();
            udp.close();
            acceptor.join();
            receiver.join();
        }
    }

    @Test
    void withAnAllowListNameServiceGoesOnlyToTheResolver() throws Exception {
        List<String> probe = List.of("/attack/network", "udp", NOWHERE, "53", "10.0.2.3", "53");
        // Calibration: without an allow-list a query to any public server leaves the sandbox.
        try (Sandbox sandbox = Sandbox.create(config(Network.user(), SeccompProfile.NETWORK, null))) {
            SandboxResult r = sandbox.run(probe);
            assertThat(r.stdoutText()).as(r.toString()).contains(NOWHERE + ":53 sent", "10.0.2.3:53 sent");
        }
        try (Sandbox sandbox =
                Sandbox.create(config(Network.user().allow("198.51.100.10:443"), SeccompProfile.NETWORK, null))) {
            SandboxResult r = sandbox.run(probe);
            assertThat(r.stdoutText())
                    .as(r.toString())
                    .contains(NOWHERE + ":53 refused EPERM")
                    .contains("10.0.2.3:53 sent"); // the stack's forwarder, to the resolver the sandbox is given
            assertThat(r.refusedConnections().orElseThrow()).isPositive();
        }
    }

    @Test
    void aHostNameCannotOpenCloudMetadataOrTheCallersOwnAddresses(@TempDir Path scratch) throws Exception {
        // Whoever serves an allowed name chooses its answer (a domain of the program's author, a rebinding
        // resolver): here a hosts file the CLI's JVM resolves from, as if DNS had answered so.
        List<String> own = ownAddresses();
        Path hosts = scratch.resolve("hosts");
        Files.writeString(
                hosts,
                "169.254.169.254 metadata.test\n10.99.0.1 internal.test\n"
                        + (own.isEmpty() ? "" : own.get(0) + " own.test\n"));
        // Calibration: the names resolve through the file, and a name opens what it resolves to in a private range
        // (NetworkKernelTest shows remote.test reached there).
        Result internal = cli(hosts, "run", "--network", "user", "--allow-host", "internal.test:80", "--", "/bin/true");
        assertThat(internal.status()).as(internal.stderr()).isZero();

        List<String[]> refused = new ArrayList<>();
        refused.add(new String[] {"metadata.test", "169.254.169.254"});
        if (!own.isEmpty()) {
            refused.add(new String[] {"own.test", own.get(0)});
        }
        for (String[] name : refused) {
            Result r = cli(hosts, "run", "--network", "user", "--allow-host", name[0] + ":80", "--", "/bin/true");
            assertThat(r.status()).as(name[0] + ": " + r.stderr()).isEqualTo(125);
            assertThat(r.stderr())
                    .contains("network resolve", "allowed host " + name[0] + " resolves to " + name[1])
                    .contains("--allow " + name[1]);
        }
    }

    /** sandbox-ctl in a JVM of its own that resolves names from {@code hosts} only. */
    private static Result cli(Path hosts, String... args) throws Exception {
        return SandboxCtlProcess.of(args)
                .jvmOption("-Djdk.net.hosts.file=" + hosts)
                .run();
    }

    @Test
    void multicastAndBroadcastDoNotLeaveTheStack() throws Exception {
        List<String> own = ownAddresses();
        KernelTestSupport.requireFeature(!own.isEmpty(), "an address of this host's besides its loopback");
        InetAddress group = InetAddress.getByName("239.255.77.77");
        NetworkInterface nif = NetworkInterface.getByInetAddress(InetAddress.getByName(own.get(0)));
        List<String> received = new CopyOnWriteArrayList<>();
        try (java.net.MulticastSocket socket = new java.net.MulticastSocket(0)) {
            socket.joinGroup(new InetSocketAddress(group, 0), nif);
            String port = Integer.toString(socket.getLocalPort());
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[256];
                while (true) {
                    DatagramPacket d = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(d);
                    } catch (IOException e) {
                        return;
                    }
                    received.add(d.getAddress().getHostAddress());
                }
            });
            receiver.start();
            // Calibration: the group, on the host's interface, hears a datagram sent to it from the host.
            HostileFixture.run(List.of(bin.toString(), "udp", group.getHostAddress(), port));
            awaitSize(received, 1);
            assertThat(received).hasSize(1);
            received.clear();

            try (Sandbox sandbox = Sandbox.create(config(Network.user(), SeccompProfile.NETWORK, null))) {
                SandboxResult r = sandbox.run(List.of(
                        "sh",
                        "-c",
                        "/attack/network udp " + group.getHostAddress() + " " + port + " 224.0.0.251 " + port
                                + " 255.255.255.255 " + port + "; sleep 1"));
                assertThat(r.stdoutText()).as(r.toString()).contains(group.getHostAddress() + ":" + port + " sent");
            }
            // The host's own datagram came back at once above: a second of quiet after the run is no race.
            assertThat(received)
                    .as("datagrams from the sandbox heard on the host's network")
                    .isEmpty();
            socket.close();
            receiver.join();
        }
    }

    @Test
    void theProgramCannotRerouteBypassOrReplaceTheRulesNotEvenFromANamespaceOfItsOwn() throws Exception {
        // Calibration: root of a user and network namespace of its own changes links, addresses and routes, and
        // opens packet and raw sockets, which send past netfilter's output hook or with headers of their own.
        String calib = HostileFixture.run(List.of(
                "unshare",
                "--user",
                "--map-root-user",
                "--net",
                "sh",
                "-c",
                "ip addr add 10.9.9.9/24 dev lo && ip link set lo up && ip route add 10.8.0.0/16 dev lo "
                        + "&& ip link set lo down && echo changed; nft add table inet t && nft flush ruleset "
                        + "&& echo flushed; " + bin + " raw"));
        assertThat(calib).contains("changed", "flushed", "packet reached", "rawip reached");

        try (ServerSocket service = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                Sandbox sandbox = Sandbox.create(config(Network.user(), null, null))) {
            String port = Integer.toString(service.getLocalPort());
            SandboxResult r = sandbox.run(List.of(
                    "sh",
                    "-c",
                    "ip route replace default via 10.0.2.2 dev tap0 && echo routed; ip addr add 10.0.2.55/24 dev tap0"
                            + " && echo addressed; ip link set tap0 down && echo down; nft flush ruleset && echo "
                            + "flushed; /attack/network raw; unshare --user --map-root-user sh -c 'nft flush ruleset "
                            + "&& echo flushed; /attack/network raw | sed s/^/userns-/' || echo no-userns; unshare --user --net sh "
                            + "-c '(/attack/network raw; /attack/network tcp 10.0.2.2 " + port
                            + ") | sed s/^/own-netns-/' "
                            + "|| echo no-netns; "
                            + "/attack/network tcp 10.0.2.2 " + port));
            System.out.printf("[measured] inside:%n%s%s", r.stdoutText(), r.stderrText());
            List<String> lines = r.stdoutText().lines().toList();
            assertThat(lines)
                    .as(r.toString())
                    .doesNotContain("routed", "addressed", "down", "flushed", "userns-packet reached ")
                    .contains(
                            "packet refused EPERM", "rawip refused EPERM", "10.0.2.2:" + port + " refused EHOSTUNREACH")
                    .filteredOn(l -> !l.startsWith("own-netns-"))
                    .noneMatch(l -> l.contains(" reached"));
            // A network namespace of its own has raw sockets and nothing to send them through.
            assertThat(lines)
                    .filteredOn(l -> l.startsWith("own-netns-10.0.2.2:"))
                    .allMatch(l -> l.contains(" refused "));
            assertThat(r.refusedConnections().orElseThrow())
                    .as("the rules were still there at the end")
                    .isPositive();
        }
    }

    @Test
    void theStacksApiSocketIsOutOfReachFromInsideAndFromAnotherUser(@TempDir Path work) throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        int hostPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            hostPort = free.getLocalPort();
        }
        try (Sandbox sandbox =
                Sandbox.create(config(Network.user().publish(hostPort, 8000), SeccompProfile.NETWORK, work))) {
            SandboxProcess p = sandbox.start(List.of(
                    "sh",
                    "-c",
                    "while [ ! -f /work/api ]; do sleep 0.05; done; /attack/network unix \"$(cat /work/api)\"; "
                            + "ls -A \"$(dirname \"$(cat /work/api)\")\" 2>&1 | head -3"));
            String api = stackProcesses().stream()
                    .flatMap(h -> h.info().arguments().stream().flatMap(Stream::of))
                    .filter(a -> a.startsWith("--api-socket="))
                    .map(a -> a.substring("--api-socket=".length()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("a published port's stack has an API socket"));
            // Calibration: the socket takes connections, from this JVM's user.
            String mine = HostileFixture.run(List.of(bin.toString(), "unix", api));
            assertThat(mine).isEqualTo(api + " reached");
            if (KernelTestSupport.euid() == 0) {
                // Another user of the host, as a co-tenant would be.
                String other = HostileFixture.run(List.of(
                        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin.toString(), "unix", api));
                assertThat(other).as("another user of the host").startsWith(api + " refused");
            }
            // A sandbox without a view of its own sees the host's files, save sandbox4j's directories.
            try (Sandbox hostFiles = Sandbox.create(
                    SandboxConfig.builder().timeout(Duration.ofSeconds(30)).build())) {
                SandboxResult r = hostFiles.run(List.of(bin.toString(), "unix", api));
                assertThat(r.stdoutText()).as(r.toString()).startsWith(api + " refused");
            }
            Files.writeString(work.resolve("api"), api);
            SandboxResult r = p.waitFor();
            assertThat(r.stdoutText()).as(r.toString()).contains(api + " refused");
        }
    }

    /** The user-mode stacks this JVM started (prlimit execs slirp4netns in the same process). */
    private static List<ProcessHandle> stackProcesses() {
        return ProcessHandle.current()
                .descendants()
                .filter(h -> h.info().command().orElse("").endsWith("/slirp4netns"))
                .toList();
    }

    /** The stack's descriptors once it has taken every datagram sent (the same count three polls in a row). */
    private static long settledDescriptors() throws InterruptedException {
        long last = -1;
        int same = 0;
        for (int i = 0; i < 200 && same < 3; i++) {
            long now = stackProcesses().stream()
                    .mapToLong(NetworkHostileKernelTest::descriptors)
                    .sum();
            same = now == last ? same + 1 : 0;
            last = now;
            Thread.sleep(100);
        }
        return last;
    }

    private static long descriptors(ProcessHandle h) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + h.pid() + "/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new AssertionError("cannot count the descriptors of the stack " + h.pid(), e);
        }
    }

    /** The caller's own IPv4 addresses, on which a service bound to 0.0.0.0 listens too. */
    private static List<String> ownAddresses() throws SocketException {
        List<String> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && nif.isUp()) {
                    out.add(a.getHostAddress());
                }
            }
        }
        return out;
    }

    private static Network withOwn(Network network) throws SocketException {
        for (String a : ownAddresses()) {
            network = network.allow(a);
        }
        return network;
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
