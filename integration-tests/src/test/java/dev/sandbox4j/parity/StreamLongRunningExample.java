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

/**
 * sandbox-rs's long-running streaming example: a bash loop writing to stdout and stderr, delivered to a callback
 * as it comes; lines are counted across chunks (a chunk holds what one read returned, not one line).
 */
public final class StreamLongRunningExample {
    private StreamLongRunningExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        SandboxConfig config = Examples.withCpuIfPossible(
                () -> SandboxConfig.builder()
                        .memoryLimit("512M")
                        .timeout(Duration.ofSeconds(30))
                        .stdout(Output.pipe())
                        .stderr(Output.pipe()),
                100,
                out);
        int[] lines = new int[2];
        try (Sandbox sandbox = Sandbox.create(config);
                SandboxProcess p = sandbox.start(
                        List.of(
                                "/bin/bash",
                                "-c",
                                "for i in {1..5}; do echo \"Line $i from stdout\"; echo \"Error line $i\" >&2; sleep 0.05; done"))) {
            SandboxResult r = p.events()
                    .deliverTo(e -> {
                        if (e instanceof SandboxEvent.Stdout s) {
                            s.text().lines().forEach(l -> out.println("  [OUT #" + ++lines[0] + "] " + l));
                        } else if (e instanceof SandboxEvent.Stderr s) {
                            s.text().lines().forEach(l -> out.println("  [ERR #" + ++lines[1] + "] " + l));
                        }
                    })
                    .get();
            out.println("Process finished with exit code: " + r.exitCode().orElse(-1));
            out.println("Stdout lines: " + lines[0]);
            out.println("Stderr lines: " + lines[1]);
            return r.exitCode().orElse(1);
        }
    }
}
