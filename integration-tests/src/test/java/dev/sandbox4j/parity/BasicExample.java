package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/** sandbox-rs's basic example: a sandbox with memory, CPU and time limits runs {@code echo hello world}. */
public final class BasicExample {
    private BasicExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - basic example ===");
        SandboxConfig config = Examples.withCpuIfPossible(
                () -> SandboxConfig.builder()
                        .id("basic-example")
                        .memoryLimit("50M")
                        .timeout(Duration.ofSeconds(5)),
                50,
                out);
        try (Sandbox sandbox = Sandbox.create(config)) {
            out.println("[*] sandbox " + config.id() + " (" + config.mode() + ")");
            SandboxResult r = sandbox.run(List.of("/bin/echo", "hello", "world"));
            out.print("[*] output: " + r.stdoutText());
            out.println("[*] exit code: " + r.exitCode().orElse(-1));
            out.println("[*] wall time: " + r.wallTime().toMillis() + " ms");
            out.println("[*] memory peak: " + r.memoryPeakBytes() + " bytes (" + r.memoryPeakSource() + ")");
            return r.exitCode().orElse(1);
        }
    }
}
