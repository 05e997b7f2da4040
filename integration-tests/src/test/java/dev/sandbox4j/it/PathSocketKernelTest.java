package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listening Unix socket in the directory sandbox-ctl runs from (an ssh-agent's, say) is out of a sandbox's reach
 * unless that directory is bound on request: a bind shows every socket beneath it, and neither a read-only mount
 * nor the sandbox's own network namespace stops a connect() to one, so sandbox-ctl no longer binds its working
 * directory unasked.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class PathSocketKernelTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String CONNECT = "import socket, sys\n"
            + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            + "try:\n"
            + "    s.connect(sys.argv[1])\n"
            + "    print(s.recv(100).decode().strip())\n"
            + "except OSError as e:\n"
            + "    print('refused: %s' % e.strerror)\n";

    @Test
    void anAgentSocketInTheWorkingDirectoryIsOutOfReachUnlessBound(@TempDir Path scratch) throws Exception {
        requireFeature(Files.isExecutable(PYTHON), "python3 to connect");
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            requireRunnable(sandbox, "sandboxes (user namespaces)");
        }
        // World-searchable, so that a root caller's workload (uid 65534 on the host) could reach it where bound.
        Path project = Files.createDirectories(scratch.resolve("project"));
        for (Path dir : List.of(scratch, project)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Path agent = project.resolve("agent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(agent));
            Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rw-rw-rw-"));
            Thread serving = new Thread(
                    () -> {
                        while (true) {
                            try (SocketChannel c = server.accept()) {
                                c.write(ByteBuffer.wrap("agent-secret\n".getBytes(StandardCharsets.US_ASCII)));
                            } catch (java.io.IOException closed) {
                                return;
                            }
                        }
                    },
                    "agent");
            serving.start();
            try {
                // Calibration outside: the socket answers whoever connects.
                assertThat(python(scratch, List.of(PYTHON.toString(), "-c", CONNECT, agent.toString())))
                        .isEqualTo("agent-secret");
                List<String> connect =
                        List.of("-s", "network", "--", PYTHON.toString(), "-c", CONNECT, agent.toString());
                // Calibration inside: bound on request, read-only, own network namespace: still reachable.
                List<String> bound = new ArrayList<>(List.of("--ro-bind", project.toString()));
                bound.addAll(connect);
                assertThat(ctl(project, bound)).isEqualTo("agent-secret");
                // Run from that directory, nothing asked: the directory is not bound, the socket not there.
                assertThat(ctl(project, connect)).startsWith("refused: No such file or directory");
            } finally {
                server.close();
                serving.join(10_000);
            }
        }
    }

    /** sandbox-ctl run from {@code directory}; its standard output, stripped. */
    private static String ctl(Path directory, List<String> args) throws Exception {
        List<String> command = SandboxCtlProcess.command(args);
        return python(directory, command);
    }

    private static String python(Path directory, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        p.getInputStream().close();
        p.getOutputStream().close();
        p.getErrorStream().close();
        return out;
    }
}
