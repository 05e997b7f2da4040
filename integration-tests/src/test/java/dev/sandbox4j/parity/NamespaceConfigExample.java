package dev.sandbox4j.parity;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * sandbox-rs's namespace configuration example: the presets, which namespaces each gives, and for each whether the
 * program shares the host's network (its network namespace's identity, inside and out).
 */
public final class NamespaceConfigExample {
    private NamespaceConfigExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - namespace presets ===");
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        for (String name : List.of("all", "all-but-network", "all-but-user", "minimal")) {
            NamespaceConfig ns = NamespaceConfig.preset(name);
            SandboxConfig config;
            try {
                config = SandboxConfig.builder()
                        .namespaces(ns)
                        .filesystem(FilesystemView.defaults().build())
                        .build();
            } catch (InvalidConfigException e) {
                out.println(name + ": " + ns + " -- not here: " + e.problem());
                continue;
            }
            try (Sandbox sandbox = Sandbox.create(config)) {
                SandboxResult r = sandbox.run(List.of("readlink", "/proc/self/ns/net"));
                boolean shared = r.stdoutText().strip().equals(hostNet);
                out.println(name + ": " + ns + " -- network " + (shared ? "shared with the host" : "its own"));
            }
        }
        return 0;
    }
}
