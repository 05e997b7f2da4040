package dev.sandbox4j.exec;

import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One run's user-mode network: slirp4netns attached to the network namespace of the run's init while the launcher
 * holds it, the egress rules installed there, the published ports, and at the end the refusal count and the
 * stack's end.
 *
 * <p>Why slirp4netns and not pasta: it is ready about ten times sooner than pasta (README.md has the measurement), and a
 * sandbox's start is what most runs pay for; its option to refuse the host's loopback is explicit
 * ({@code --disable-host-loopback}), where pasta maps the host's loopback and forwards ports both ways unless each
 * is turned off; and it confines itself ({@code --enable-sandbox}: its own mount namespace, an empty root, no
 * capabilities; {@code --enable-seccomp}). pasta's higher throughput matters less to the downloads and API calls
 * sandboxed programs make.
 *
 * <p>The stack never outlives the run: its {@code --exit-fd} is its stdin, a pipe whose other end only this JVM
 * holds. The run's end closes it; so does the JVM's death, however it dies.
 */
final class UserNetwork implements AutoCloseable {
    private static final long READY_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    /**
     * The stack's descriptor limit: each flow the program opens (a connection, a datagram from a new port) costs the
     * stack a host socket and, for UDP, a host port for minutes, whatever the program's own limits; without a bound
     * it inherits this JVM's (often a million), enough for one run to use up the host's ephemeral ports.
     */
    static final int STACK_DESCRIPTORS = 1024;

    private static final List<String> TOOL_DIRS =
            List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin");

    private final Process stack;
    private final Namespace netns;
    private final Namespace userns; // null for a privileged caller, who enters the network namespace alone
    private final Path apiSocket;

    private UserNetwork(Process stack, Namespace netns, Namespace userns, Path apiSocket) {
        this.stack = stack;
        this.netns = netns;
        this.userns = userns;
        this.apiSocket = apiSocket;
    }

    /**
     * A namespace this JVM holds open (which keeps it alive after the run's processes are gone, for the counter),
     * with the number of its descriptor, by which a tool started later names it: {@code /proc/<jvm>/fd/<n>}.
     */
    private record Namespace(FileInputStream file, int fd) {}

    /**
     * What this host offers: empty when user-mode networking can run for this JVM, else why not and what to change.
     */
    static Optional<String> unavailableReason() {
        if (tool("slirp4netns").isEmpty()) {
            return Optional.of("slirp4netns is not installed (Debian/Ubuntu: apt-get install slirp4netns)");
        }
        if (tool("nsenter").isEmpty()
                || tool("prlimit").isEmpty()
                || tool("nft").isEmpty()) {
            return Optional.of("nsenter, prlimit and nft are needed for the egress rules and the stack's bounds "
                    + "(Debian/Ubuntu: apt-get install util-linux nftables)");
        }
        Path tun = Path.of("/dev/net/tun");
        if (!Files.exists(tun)) {
            return Optional.of("there is no /dev/net/tun, which the stack needs for its device (modprobe tun; in a "
                    + "container: --device /dev/net/tun)");
        }
        if (!privileged()) {
            if (!Files.isReadable(tun) || !Files.isWritable(tun)) {
                return Optional.of("/dev/net/tun is not readable and writable by this user, so an unprivileged "
                        + "stack cannot create its device (chmod 0666 /dev/net/tun, the usual default)");
            }
        }
        return Optional.empty();
    }

    /** One line for {@code sandbox-ctl check}. */
    static String describe() {
        Optional<String> why = unavailableReason();
        return why.map(w -> "no: " + w)
                .orElseGet(() -> "yes: slirp4netns (" + tool("slirp4netns").get()
                        + "), egress rules by nft in the sandbox's network namespace");
    }

    /**
     * Attaches the stack to held init {@code initPid} and installs the rules; returns once the sandbox's network is
     * up. Throws {@link SandboxSetupException} (step {@code network ...}) when any part fails, having ended what it
     * started.
     */
    static UserNetwork attach(Network network, int initPid, Path runDirectory) {
        List<EgressRule> hostOwn = hostAddresses();
        List<EgressRule> allowed = resolve(network.allowed(), hostOwn);
        String script = EgressRules.script(allowed, resolvers(), hostOwn);
        Namespace netns = openNamespace(initPid, "net");
        Namespace userns = null;
        Process stack = null;
        Path api = network.forwards().isEmpty()
                ? null
                : runDirectory.resolve("net-" + initPid + "-" + System.nanoTime() + ".sock");
        try {
            if (!privileged()) {
                userns = openNamespace(initPid, "user");
            }
            List<String> cmd = new ArrayList<>(List.of(
                    toolPath("prlimit"),
                    "--nofile=" + STACK_DESCRIPTORS + ":" + STACK_DESCRIPTORS,
                    toolPath("slirp4netns"),
                    "--configure",
                    "--mtu=65520",
                    "--disable-host-loopback",
                    "--enable-sandbox",
                    "--enable-seccomp",
                    "--exit-fd=0",
                    "--ready-fd=1"));
            if (api != null) {
                cmd.add("--api-socket=" + api);
            }
            if (userns != null) {
                cmd.add("--userns-path=/proc/" + initPid + "/ns/user");
            }
            cmd.add(Integer.toString(initPid));
            cmd.add("tap0");
            stack = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            // The rules go in while the stack starts: both are in place before init is released, and nothing in
            // the namespace sends a packet before then.
            runInNamespace(List.of(toolPath("nft"), "-f", "-"), script, "network rules", userns, netns);
            awaitReady(stack);
            UserNetwork attached = new UserNetwork(stack, netns, userns, api);
            for (Network.PortForward f : network.forwards()) {
                attached.publish(f);
            }
            return attached;
        } catch (IOException e) {
            end(stack, netns, userns, api);
            throw new SandboxSetupException("network stack", 0, "slirp4netns: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            end(stack, netns, userns, api);
            throw e;
        }
    }

    /** The number of packets the rules refused (a refused connect is one), or -1 when it cannot be read. */
    long refusedCount() {
        try {
            String listing = runInNamespace(
                    List.of(toolPath("nft"), "list", "counter", "inet", EgressRules.TABLE, EgressRules.COUNTER),
                    "",
                    "network counters",
                    userns,
                    netns);
            return EgressRules.refusedCount(listing);
        } catch (SandboxSetupException e) {
            return -1;
        }
    }

    /** Ends the stack and lets go of the namespaces. */
    @Override
    public void close() {
        end(stack, netns, userns, apiSocket);
    }

    private static void end(Process stack, Namespace netns, Namespace userns, Path api) {
        if (stack != null) {
            try {
                stack.getOutputStream().close(); // its exit-fd: it exits at once
            } catch (IOException e) {
                // closed anyway
            }
            try {
                if (!stack.waitFor(1, TimeUnit.SECONDS)) {
                    stack.destroyForcibly();
                    stack.waitFor();
                }
            } catch (InterruptedException e) {
                stack.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            closeQuietly(stack.getInputStream());
        }
        for (Namespace ns : new Namespace[] {netns, userns}) {
            if (ns != null) {
                closeQuietly(ns.file());
            }
        }
        if (api != null) {
            try {
                Files.deleteIfExists(api);
            } catch (IOException e) {
                // the run directory is cleaned with the JVM's cache
            }
        }
    }

    private void publish(Network.PortForward f) {
        String request = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\","
                + "\"host_port\":" + f.hostPort() + ",\"guest_port\":" + f.sandboxPort() + "}}";
        String answer;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(apiSocket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            answer = out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxSetupException(
                    "network publish",
                    0,
                    "127.0.0.1:" + f.hostPort() + " -> " + f.sandboxPort() + ": " + e.getMessage());
        }
        if (!answer.contains("\"return\"") || answer.contains("\"error\"")) {
            throw new SandboxSetupException(
                    "network publish",
                    0,
                    "127.0.0.1:" + f.hostPort() + " -> " + f.sandboxPort() + ": " + answer.trim());
        }
    }

    private static void awaitReady(Process stack) throws IOException {
        InputStream in = stack.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + READY_LIMIT_NANOS;
        while (true) {
            // The ready byte is a lone "1" on stdout, after whatever the stack printed on its way there.
            String text = seen.toString(StandardCharsets.UTF_8);
            if (text.equals("1") || text.endsWith("\n1")) {
                return;
            }
            if (in.available() > 0) {
                seen.write(in.read());
                continue;
            }
            if (!stack.isAlive()) {
                seen.write(in.readAllBytes());
                throw new SandboxSetupException(
                        "network stack",
                        0,
                        "slirp4netns ended before the network was up: "
                                + seen.toString(StandardCharsets.UTF_8)
                                        .replace("WARNING: Support for seccomp is experimental\n", "")
                                        .trim());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new SandboxSetupException(
                        "network stack",
                        0,
                        "slirp4netns was not ready within " + TimeUnit.NANOSECONDS.toSeconds(READY_LIMIT_NANOS) + " s");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxSetupException("network stack", 0, "interrupted");
            }
        }
    }

    /**
     * Runs a tool inside the sandbox's network namespace (and its user namespace, for an unprivileged caller),
     * named by this JVM's descriptors so that it reaches the run's namespace and no other; returns its output.
     */
    private static String runInNamespace(
            List<String> tool, String input, String step, Namespace userns, Namespace netns) {
        String self = "/proc/" + ProcessHandle.current().pid() + "/fd/";
        List<String> cmd = new ArrayList<>(List.of(toolPath("nsenter")));
        if (userns != null) {
            cmd.add("--user=" + self + userns.fd());
            cmd.add("--preserve-credentials");
        }
        cmd.add("--net=" + self + netns.fd());
        cmd.addAll(tool);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new SandboxSetupException(step, 0, String.join(" ", tool.subList(0, 2)) + ": " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new SandboxSetupException(step, 0, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxSetupException(step, 0, "interrupted");
        }
    }

    /**
     * Opens init's namespace and finds the descriptor's number among this JVM's by what it links to (the
     * namespace's own inode, which no other run holds). Plain Java: no native binding to load for it.
     */
    private static Namespace openNamespace(int pid, String kind) {
        Path path = Path.of("/proc/" + pid + "/ns/" + kind);
        FileInputStream file = null;
        try {
            String target = Files.readSymbolicLink(path).toString();
            file = new FileInputStream(path.toFile());
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    try {
                        if (target.equals(Files.readSymbolicLink(fd).toString())) {
                            return new Namespace(
                                    file, Integer.parseInt(fd.getFileName().toString()));
                        }
                    } catch (IOException e) {
                        // closed meanwhile (the listing's own descriptor, another thread's): not ours
                    }
                }
            }
            throw new IOException("its descriptor is not among this process's");
        } catch (IOException e) {
            if (file != null) {
                closeQuietly(file);
            }
            throw new SandboxSetupException("network namespace", 0, path + ": " + e.getMessage());
        }
    }

    /**
     * Host names resolved now, by this JVM's resolver: the rule covers what they resolve to for this run. A name's
     * answer is chosen by whoever serves it, not by the caller, so a name that resolves to a link-local address (cloud
     * metadata) or to one of this host's own fails the run instead of opening it; an address rule opens it.
     */
    private static List<EgressRule> resolve(List<EgressRule> rules, List<EgressRule> hostOwn) {
        List<EgressRule> out = new ArrayList<>();
        for (EgressRule r : rules) {
            if (!r.isHostName()) {
                out.add(r);
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(r.hostName())) {
                    EgressRule resolved = EgressRule.resolved(a, r.port());
                    if (EgressRules.NOT_BY_NAME.stream().anyMatch(resolved::within)
                            || hostOwn.stream().anyMatch(resolved::within)) {
                        throw new SandboxSetupException(
                                "network resolve",
                                0,
                                "allowed host " + r.hostName() + " resolves to " + a.getHostAddress()
                                        + ", a link-local address (cloud metadata) or one of this host's own, which a "
                                        + "name does not open; allow the address itself (--allow "
                                        + a.getHostAddress() + ", Network.allow) if it is meant");
                    }
                    out.add(resolved);
                }
            } catch (UnknownHostException e) {
                throw new SandboxSetupException(
                        "network resolve", 0, "allowed host " + r.hostName() + " does not resolve: " + e.getMessage());
            }
        }
        return out;
    }

    /** slirp4netns's DNS forwarder, which passes queries on to the host's nameservers from the host's side. */
    static final String STACK_RESOLVER = "10.0.2.3";

    /**
     * The view a user-mode sandbox gets: as given, unless every nameserver of the host is on its loopback (such as
     * systemd-resolved's 127.0.0.53), which the sandbox cannot reach; then its {@code /etc/resolv.conf} names the
     * stack's forwarder instead, which reaches them. Without a view the program reads the host's file as it is.
     */
    static FilesystemView withResolver(FilesystemView view) {
        if (view == null || !hostResolversAllLoopback()) {
            return view;
        }
        try {
            Path file = LauncherBinary.get().privateDirectory().resolve("resolv.conf.user-network");
            if (!Files.isRegularFile(file)) {
                Path tmp = Files.createTempFile(file.getParent(), "resolv", ".tmp");
                Files.writeString(tmp, "nameserver " + STACK_RESOLVER + "\n");
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(
                        tmp,
                        file,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return view.toBuilder().roBind(file, Path.of("/etc/resolv.conf")).build();
        } catch (IOException e) {
            throw new SandboxException("cannot write the user-mode network's resolv.conf: " + e.getMessage(), e);
        }
    }

    private static boolean hostResolversAllLoopback() {
        List<String> servers = nameservers();
        return servers.isEmpty() || servers.stream().allMatch(a -> a.startsWith("127.") || a.equals("::1"));
    }

    private static List<String> nameservers() {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    out.add(f[1]);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }

    /**
     * The nameservers of the resolver the sandbox is given, reachable on port 53: the host's, in the /etc it sees,
     * and the stack's forwarder, which passes queries on to them.
     */
    static List<EgressRule> resolvers() {
        List<EgressRule> out = new ArrayList<>(List.of(EgressRule.parse(STACK_RESOLVER)));
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    try {
                        out.add(EgressRule.parse(f[1].contains(":") ? "[" + f[1].replaceAll("%.*", "") + "]" : f[1]));
                    } catch (RuntimeException e) {
                        // not a literal this parser reads: the sandbox cannot use it either
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The caller's own addresses: a service bound to every address of the host listens on them. */
    static List<EgressRule> hostAddresses() {
        List<EgressRule> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        out.add(EgressRule.resolved(a, 0));
                    }
                }
            }
        } catch (SocketException e) {
            throw new SandboxSetupException("network addresses", 0, e.getMessage());
        }
        return out;
    }

    private static boolean privileged() {
        HostIdentity id = HostIdentity.current();
        return id.hasCapability(CAP_SYS_ADMIN) && id.hasCapability(CAP_NET_ADMIN);
    }

    private static String toolPath(String name) {
        return tool(name)
                .orElseThrow(() -> new FeatureUnavailableException(
                        "user-mode networking", unavailableReason().orElse(name + " not found")));
    }

    private static Optional<String> tool(String name) {
        for (String dir : TOOL_DIRS) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing left to do
        }
    }
}
