package dev.sandbox4j.parity;

import static dev.sandbox4j.parity.Parity.root;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.it.KernelTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** sandbox-rs 0.2.1's examples (crates/sandbox-rs/examples), as this package's main classes, each run here. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
public class ParityExamplesKernelTest {
    interface Example {
        int run(PrintStream out) throws Exception;
    }

    private static String run(Example example) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = example.run(out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(text).isZero();
        return text;
    }

    @Test
    void basic() throws Exception {
        String out = run(BasicExample::run);
        assertThat(out).contains("[*] output: hello world\n").contains("[*] exit code: 0");
        assertThat(out.contains("no CPU limit here")).isEqualTo(!root());
    }

    @Test
    void cgroupLimits() throws Exception {
        String out = run(CgroupLimitsExample::run);
        assertThat(out).contains("memory-limited: memory 104857600 bytes by").contains("cpu-limited: memory 536870912");
        assertThat(out).containsPattern("done in \\d+ ms");
    }

    @Test
    void errorHandling() throws Exception {
        String out = run(ErrorHandlingExample::run);
        assertThat(out)
                .contains("[1] timeout: timedOut=true, killed by SIGKILL")
                .contains("[2] invalid configuration: invalid memory limit '12Q'")
                .contains("[3] missing program: ")
                .contains("[5] seccomp violation: mkdir, permitted by IO_HEAVY");
        assertThat(out)
                .containsPattern(root() ? "\\[4] memory limit: oomKilled=true" : "\\[4] memory limit: .*MemoryError");
    }

    @Test
    void namespaceConfig() throws Exception {
        String out = run(NamespaceConfigExample::run);
        assertThat(out)
                .contains("all: ")
                .containsPattern("(?m)^all: .* network its own$")
                .containsPattern("(?m)^all-but-network: .* network shared with the host$");
        if (root()) {
            assertThat(out).containsPattern("(?m)^minimal: .* network its own$");
        } else {
            assertThat(out).contains("minimal: ").contains("not here");
        }
    }

    @Test
    void overlayFilesystem() throws Exception {
        String out = run(OverlayFilesystemExample::run);
        assertThat(out)
                .contains("[2] inside: original content new.txt original.txt")
                .contains("[3] upper layer now holds: [new.txt, readme.txt]") // readme.txt: the whiteout of its removal
                .contains("[4] base layer still holds: [original.txt, readme.txt]");
    }

    @Test
    void seccompProfiles() throws Exception {
        String out = run(SeccompProfilesExample::run);
        assertThat(out.lines().filter(l -> l.endsWith("-- echo: ok")).count()).isEqualTo(6);
    }

    @Test
    void streamBasic() throws Exception {
        String out = run(StreamBasicExample::run);
        assertThat(out).contains("[STDOUT] Hello from sandbox!\n").contains("Process exited with code: 0");
    }

    @Test
    void streamLongRunning() throws Exception {
        String out = run(StreamLongRunningExample::run);
        assertThat(out)
                .contains("[OUT #5] Line 5 from stdout")
                .contains("[ERR #5] Error line 5")
                .contains("Stdout lines: 5")
                .contains("Stderr lines: 5");
    }

    @Test
    void streamNonBlocking() throws Exception {
        String out = run(StreamNonBlockingExample::run);
        assertThat(out).contains("Message 1").contains("Message 3").contains("Process exited with code: 0");
        assertThat(out).containsPattern("Polling attempts: \\d+");
    }

    @Test
    void cliBasic() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, CliBasicExample.Use> uses =
                CliBasicExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(uses.get("basic").stdout()).as(text).isEqualTo("hello\n");
        assertThat(uses.get("memory").stdout()).as(text).isEqualTo("Running with 100MB memory limit\n");
        assertThat(uses.get("timeout").status()).as(text).isEqualTo(124);
        assertThat(uses.get("seccomp").stdout()).as(text).isEqualTo("Only essential syscalls allowed\n");
        if (root()) {
            assertThat(uses.get("cpu").stdout()).as(text).isEqualTo("busy\n");
            assertThat(uses.get("restricted").stdout()).as(text).isEqualTo("script ran\n");
        } else {
            // Divergence: no cgroup, so an explicit --cpu is refused (125), never silently ignored.
            assertThat(uses.get("cpu").status()).as(text).isEqualTo(125);
            assertThat(uses.get("restricted").status()).as(text).isEqualTo(125);
        }
        assertThat(uses.get("root").stdout()).as(text).isEqualTo("/usr\n");
        assertThat(uses.get("profiles").status()).as(text).isZero();
        assertThat(uses.get("check").stdout()).as(text).contains("sandbox4j");
    }
}
