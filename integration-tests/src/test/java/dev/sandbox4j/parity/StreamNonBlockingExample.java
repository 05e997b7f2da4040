package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxEvent;
import dev.sandbox4j.exec.SandboxProcess;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** sandbox-rs's non-blocking streaming example: polling for events without waiting, free to do other work between. */
public final class StreamNonBlockingExample {
    private StreamNonBlockingExample() {}

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
        int chunks = 0;
        int polls = 0;
        try (Sandbox sandbox = Sandbox.create(config);
                SandboxProcess p = sandbox.start(
                        List.of("/bin/bash", "-c", "for i in {1..3}; do echo \"Message $i\"; sleep 0.1; done"))) {
            while (true) {
                polls++;
                Optional<SandboxEvent> e = p.events().poll();
                if (e.isEmpty()) {
                    Thread.sleep(10); // other work would go here
                } else if (e.get() instanceof SandboxEvent.Stdout s) {
                    out.print("[STDOUT] " + s.text());
                    chunks++;
                } else if (e.get() instanceof SandboxEvent.Stderr s) {
                    out.print("[STDERR] " + s.text());
                    chunks++;
                } else {
                    int code = ((SandboxEvent.Exit) e.get()).result().exitCode().orElse(-1);
                    out.println("Process exited with code: " + code);
                    out.println("Chunks received: " + chunks);
                    out.println("Polling attempts: " + polls);
                    return code;
                }
            }
        }
    }
}
