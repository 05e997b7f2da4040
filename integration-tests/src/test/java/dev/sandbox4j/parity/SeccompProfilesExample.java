package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.PrintStream;
import java.util.List;

/** sandbox-rs's seccomp profiles example: each profile, what it is for, how many calls it permits, and a run under it. */
public final class SeccompProfilesExample {
    private SeccompProfilesExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - seccomp profiles ===");
        int failures = 0;
        for (SeccompProfile p : SeccompProfile.values()) {
            try (Sandbox sandbox =
                    Sandbox.create(SandboxConfig.builder().seccomp(p).build())) {
                SandboxResult r = sandbox.run(List.of("/bin/echo", "ok"));
                out.println(p.cliName() + ": " + p.description() + " ("
                        + p.permittedSyscalls(Architecture.current()).size() + " system calls) -- echo: "
                        + r.stdoutText().strip());
                failures += r.success() ? 0 : 1;
            }
        }
        return failures;
    }
}
