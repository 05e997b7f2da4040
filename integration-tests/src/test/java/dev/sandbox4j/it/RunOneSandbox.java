package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.util.List;

/**
 * A fresh JVM that runs one sandboxed {@code /bin/true} and exits 0 if it succeeded; its first cgroup creation
 * removes stale sandbox cgroups of dead JVMs ({@link CgroupLimitsKernelTest}).
 */
public final class RunOneSandbox {
    private RunOneSandbox() {}

    public static void main(String[] args) throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            System.exit(sandbox.run(List.of("/bin/true")).success() ? 0 : 1);
        }
    }
}
