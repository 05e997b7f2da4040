package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;

import java.util.List;

/**
 * A JVM that starts a sandboxed {@code sleep} and then waits to be killed; {@link SandboxKernelTest}
 * SIGKILLs it to check that the sandbox dies with the JVM.
 */
public final class StartAndHang {
    private StartAndHang() {
    }

    public static void main(String[] args) throws Exception {
        Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build());
        sandbox.start(List.of("sleep", args[0]));
        System.out.println("started");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
