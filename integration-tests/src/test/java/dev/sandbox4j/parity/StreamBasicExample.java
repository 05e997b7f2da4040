package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxEvent;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/** sandbox-rs's streaming example: a program's output as events while it runs, then its exit. */
public final class StreamBasicExample {
    private StreamBasicExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        SandboxConfig config = Examples.withCpuIfPossible(
                () -> SandboxConfig.builder()
                        .memoryLimit("256M")
                        .timeout(Duration.ofSeconds(30))
                        .stdout(Output.pipe())
                        .stderr(Output.pipe()),
                50,
                out);
        try (Sandbox sandbox = Sandbox.create(config);
                SandboxProcess p = sandbox.start(List.of("/bin/echo", "Hello from sandbox!"))) {
            while (true) {
                SandboxEvent e = p.events().take();
                if (e instanceof SandboxEvent.Stdout s) {
                    out.print("[STDOUT] " + s.text());
                } else if (e instanceof SandboxEvent.Stderr s) {
                    out.print("[STDERR] " + s.text());
                } else {
                    SandboxResult r = ((SandboxEvent.Exit) e).result();
                    out.println("Process exited with code: " + r.exitCode().orElse(-1));
                    out.println("Wall time: " + r.wallTime().toMillis() + " ms");
                    return r.exitCode().orElse(1);
                }
            }
        }
    }
}
