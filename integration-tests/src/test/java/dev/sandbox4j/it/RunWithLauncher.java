package dev.sandbox4j.it;

import dev.sandbox4j.exec.LauncherSource;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A fresh JVM whose launcher comes from a file verified by the hash given ({@code args[0]} the file,
 * {@code args[1]} the hash): runs one sandboxed {@code echo} and prints its output, or the error.
 */
public final class RunWithLauncher {
    private RunWithLauncher() {}

    public static void main(String[] args) throws Exception {
        try {
            LauncherSource.use(LauncherSource.verified(args[1], () -> Files.newInputStream(Path.of(args[0]))));
            try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
                System.out.print(sandbox.run(List.of("/bin/echo", "from the verified launcher"))
                        .stdoutText());
            }
            try {
                LauncherSource.use(LauncherSource.path(Path.of("/bin/true")));
                System.out.println("another launcher was accepted while one is in use");
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
            }
            System.exit(0);
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(3);
        }
    }
}
