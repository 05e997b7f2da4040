package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.LandlockSupport;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Landlock against the real kernel, as root and (through {@link UnprivilegedKernelTest}) as uid 65534.
 * Without a mount namespace the program sees the host's tree, and the rules alone keep it to its paths.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class LandlockKernelTest {
    private static final NamespaceConfig NO_MOUNT_NAMESPACE =
            NamespaceConfig.all().without(Namespace.MOUNT);

    @BeforeAll
    static void landlockIsHere() throws Exception {
        // The JDK opens its random source for temporary directories lazily and keeps it: do it before the
        // leak check counts descriptors, not in whichever @TempDir test happens to run first.
        Files.delete(Files.createTempDirectory("sandbox4j-warmup"));
        LandlockSupport support = LandlockSupport.probe();
        requireFeature(support.available(), "Landlock (" + support + ")");
        // Also warms up what the JVM starts lazily on a first sandbox, so the leak check sees only the tests'.
        assertThat(run(LandlockRules.builder().systemDefaults().build(), "true").success())
                .isTrue();
    }

    private static SandboxResult run(LandlockRules rules, String script) throws InterruptedException {
        SandboxConfig config = SandboxConfig.builder()
                .timeout(Duration.ofSeconds(20))
                .namespaces(NO_MOUNT_NAMESPACE)
                .landlock(rules)
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            return sandbox.run(List.of("/bin/sh", "-c", script));
        }
    }

    /** Readable and writable by everyone: root's workload is host uid 65534. */
    private static Path open(Path p, String perms) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @Test
    void onlyTheAllowedPathsCanBeReadAndOnlyTheReadWriteOnesWritten(@TempDir Path dir) throws Exception {
        open(dir, "rwxrwxrwx");
        Path allowed = open(Files.createDirectories(dir.resolve("allowed")), "rwxrwxrwx");
        Path denied = open(Files.createDirectories(dir.resolve("denied")), "rwxrwxrwx");
        Path writable = open(Files.createDirectories(dir.resolve("writable")), "rwxrwxrwx");
        open(Files.writeString(allowed.resolve("f"), "inside\n"), "rw-rw-rw-");
        open(Files.writeString(denied.resolve("f"), "outside\n"), "rw-rw-rw-");
        LandlockRules rules = LandlockRules.builder()
                .systemDefaults()
                .readOnly(allowed)
                .readWrite(writable)
                .build();

        SandboxResult r = run(
                rules,
                "cat " + allowed + "/f; cat " + denied + "/f; ls " + denied + "; echo x >> " + allowed + "/f; echo w > "
                        + writable + "/g && echo WROTE; true");
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("inside\nWROTE\n");
        assertThat(r.stderrText())
                .contains("cat: " + denied + "/f: Permission denied")
                .contains("ls: cannot open directory '" + denied + "': Permission denied")
                .contains(allowed + "/f: Permission denied");
        assertThat(Files.readString(allowed.resolve("f"))).isEqualTo("inside\n");
        assertThat(Files.readString(writable.resolve("g"))).isEqualTo("w\n");
    }

    @Test
    void withoutAnExecuteRuleNoProgramStarts(@TempDir Path dir) throws Exception {
        open(dir, "rwxrwxrwx");
        LandlockRules readOnly = LandlockRules.builder()
                .readOnly(Path.of("/usr"), Path.of("/etc"))
                .build();
        assertThatThrownBy(() -> run(readOnly, "true"))
                .isInstanceOfSatisfying(
                        SandboxSetupException.class,
                        e -> assertThat(e.errnoName()).isEqualTo("EACCES"));
    }

    @Test
    void rulesApplyInsideAFilesystemViewToo(@TempDir Path dir) throws Exception {
        Path data = open(Files.createDirectories(dir.resolve("data")), "rwxrwxrwx");
        open(Files.writeString(data.resolve("f"), "data\n"), "rw-rw-rw-");
        open(dir, "rwxrwxrwx");
        SandboxConfig config = SandboxConfig.builder()
                .timeout(Duration.ofSeconds(20))
                .filesystem(
                        FilesystemView.defaults().roBind(data, Path.of("/data")).build())
                .landlock(LandlockRules.builder()
                        .systemDefaults()
                        .readOnly(Path.of("/data"))
                        .build())
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", "cat /data/f; ls /tmp && echo TMP-LISTED; true"));
            assertThat(r.stdoutText()).isEqualTo("data\n");
            assertThat(r.stderrText()).contains("ls: cannot open directory '/tmp': Permission denied");
        }
    }
}
