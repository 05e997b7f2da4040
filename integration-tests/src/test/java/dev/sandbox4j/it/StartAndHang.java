package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.util.List;

/**
 * A JVM that starts a sandboxed {@code sleep} (arguments: its marker, and whether to use the fork server, by
 * default yes) and then waits to be killed; {@link SandboxKernelTest} SIGKILLs it to check that the sandbox, and
 * the fork server, die with the JVM.
 */
public final class StartAndHang {
    private StartAndHang() {}

    public static void main(String[] args) throws Exception {
        boolean forkServer = args.length < 2 || Boolean.parseBoolean(args[1]);
        Sandbox sandbox =
                Sandbox.create(SandboxConfig.builder().forkServer(forkServer).build());
        sandbox.start(List.of("sleep", args[0]));
        System.out.println("started");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
