package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * sandbox-rs's cgroup limits example: a memory-limited sandbox (100 MB) and a CPU-limited one (25 % of a CPU), each
 * with the mechanism that holds its limits on this host, and a run in each.
 */
public final class CgroupLimitsExample {
    private CgroupLimitsExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - cgroup resource limits ===");
        SandboxConfig memory = Examples.withCpuIfPossible(
                () -> SandboxConfig.builder().id("memory-limited").memoryLimit("100M"), 100, out);
        SandboxConfig cpu = Examples.withCpuIfPossible(
                () -> SandboxConfig.builder()
                        .id("cpu-limited")
                        .memoryLimit("512M")
                        .timeout(Duration.ofSeconds(10)),
                25,
                out);
        int failures = 0;
        for (SandboxConfig c : List.of(memory, cpu)) {
            out.println("[*] " + c.id() + ": memory " + c.memoryLimit().orElse(-1) + " bytes by "
                    + c.memoryLimitMechanism().map(Object::toString).orElse("nothing") + ", cpu by "
                    + c.cpuLimitMechanism().map(Object::toString).orElse("nothing"));
            try (Sandbox sandbox = Sandbox.create(c)) {
                SandboxResult r = sandbox.run(
                        List.of("/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo done"));
                out.println("    " + r.stdoutText().strip() + " in "
                        + r.wallTime().toMillis() + " ms, cpu " + r.cpuTime().toMillis() + " ms");
                failures += r.success() ? 0 : 1;
            }
        }
        return failures;
    }
}
