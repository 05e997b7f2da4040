package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.it.KernelTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the parity tests share: running one program in a sandbox of a configuration, and the probe program. */
final class Parity {
    private static Path probe;

    private Parity() {}

    static boolean root() {
        try {
            return KernelTestSupport.euid() == 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** A builder with a timeout, so that no parity case can hang the suite. */
    static SandboxBuilder builder() {
        return SandboxConfig.builder().timeout(Duration.ofSeconds(60));
    }

    /**
     * A builder whose program sees the default view (a private /tmp, so that nothing it writes reaches the host's)
     * with the probe at {@code /probe/probe}.
     */
    static SandboxBuilder viewed() throws IOException, InterruptedException {
        Path dir = Path.of(probe()).getParent();
        return builder()
                .filesystem(dev.sandbox4j.namespace.FilesystemView.defaults()
                        .roBind(dir, Path.of("/probe"))
                        .build());
    }

    static final String PROBE_INSIDE = "/probe/probe";

    /** Runs {@code command} once in a sandbox of {@code config}, closed afterwards. */
    static SandboxResult run(SandboxConfig config, String... command) throws InterruptedException {
        try (Sandbox sandbox = Sandbox.create(config)) {
            return sandbox.run(List.of(command));
        }
    }

    /**
     * The probe (parity/probe.c, compiled with gcc once per JVM into a directory every uid may read): small
     * subcommands that make the system calls upstream's tests made in forked children.
     */
    static synchronized String probe() throws IOException, InterruptedException {
        if (probe == null) {
            KernelTestSupport.requireFeature(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc to build the probe");
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-parity-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path source = dir.resolve("probe.c");
            try (InputStream in = Parity.class.getResourceAsStream("/parity/probe.c")) {
                Files.copy(in, source);
            }
            Path bin = dir.resolve("probe");
            Process gcc = new ProcessBuilder("/usr/bin/gcc", "-O1", "-Wall", "-o", bin.toString(), source.toString())
                    .inheritIO()
                    .start();
            if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new IllegalStateException("gcc could not build the probe");
            }
            Files.delete(source);
            dir.toFile().deleteOnExit();
            bin.toFile().deleteOnExit();
            probe = bin;
        }
        return probe.toString();
    }
}
