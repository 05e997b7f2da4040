package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;

/**
 * A JVM holding pre-warmed sandboxes (each with a memory limit: a cgroup when privileged) that then waits to be
 * killed: {@link PrewarmKernelTest} SIGKILLs it. Argument: how many to hold.
 */
public final class PrewarmAndHang {
    private PrewarmAndHang() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        Sandbox sandbox = Sandbox.create(
                        SandboxConfig.builder().memoryLimit(64L << 20).build())
                .prewarm(count);
        while (sandbox.prewarmed() < count) {
            Thread.sleep(5);
        }
        System.out.println("held");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
