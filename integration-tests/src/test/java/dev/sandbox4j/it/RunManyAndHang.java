package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.time.Duration;
import java.util.List;

/**
 * A JVM with several sandboxes running at once, each with a memory limit (a cgroup when privileged), that then
 * waits to be killed: {@link CrashKernelTest} SIGKILLs it. Arguments: the sleeps' marker, how many runs.
 */
public final class RunManyAndHang {
    private RunManyAndHang() {}

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[1]);
        Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                .memoryLimit(64L << 20)
                .timeout(Duration.ofMinutes(5))
                .build());
        for (int i = 0; i < runs; i++) {
            sandbox.start(List.of("/bin/sh", "-c", "sleep " + args[0] + " & sleep " + args[0]));
        }
        System.out.println("started");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
