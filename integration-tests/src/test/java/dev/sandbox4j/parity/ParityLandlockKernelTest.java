package dev.sandbox4j.parity;

import static dev.sandbox4j.parity.Parity.builder;
import static dev.sandbox4j.parity.Parity.probe;
import static dev.sandbox4j.parity.Parity.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.host.SystemCapabilities;
import dev.sandbox4j.it.KernelTestSupport;
import dev.sandbox4j.namespace.LandlockRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * sandbox-rs 0.2.1's Landlock tests (crates/sandbox-landlock/tests/landlock.rs). The rules here also allow what a
 * program needs to start ({@code systemDefaults()}), which upstream's forked child did not need: it was running
 * already. Runs without a filesystem view, so that Landlock alone decides, as upstream.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
public class ParityLandlockKernelTest {
    @TempDir
    Path tmp;

    private Path dir() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        return tmp;
    }

    private static void requireLandlock() {
        KernelTestSupport.requireFeature(SystemCapabilities.detect().landlock().available(), "Landlock");
    }

    private static LandlockRules.Builder rules() throws Exception {
        return LandlockRules.builder().systemDefaults().execute(Path.of(probe()).getParent());
    }

    @Test
    void availabilityCheckIsSafe() {
        var support = SystemCapabilities.detect().landlock();
        assertThat(support.available() ? support.abi() > 0 : support.unavailableReason() != null)
                .isTrue();
    }

    @Test
    void restrictsFileAccess() throws Exception {
        requireLandlock();
        Path allowed = dir();
        SandboxResult r =
                run(builder().landlock(rules().readOnly(allowed).build()).build(), probe(), "read", "/etc/hostname");
        assertThat(r.stdoutText()).isEqualTo("read: ok\n").as("systemDefaults() lets /etc be read");
        SandboxResult other = run(
                builder().landlock(rules().readOnly(allowed).build()).build(), probe(), "read", "/proc/self/status");
        assertThat(other.stdoutText()).isEqualTo("read: EACCES\n");
    }

    @Test
    void allowsPermittedPaths() throws Exception {
        requireLandlock();
        Path d = dir();
        Path file = Files.writeString(d.resolve("sandbox-landlock-test-read"), "data");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SandboxResult r =
                run(builder().landlock(rules().readWrite(d).build()).build(), probe(), "read", file.toString());
        assertThat(r.stdoutText()).isEqualTo("read: ok\n");
    }

    @Test
    void restrictsWriteAccess() throws Exception {
        requireLandlock();
        Path d = dir();
        SandboxResult r = run(
                builder().landlock(rules().readOnly(d).build()).build(),
                probe(),
                "create",
                d.resolve("new").toString());
        assertThat(r.stdoutText()).isEqualTo("create: EACCES\n");
        assertThat(d.resolve("new")).doesNotExist();
    }

    /**
     * Adapted: upstream's apply() failed gracefully where Landlock was missing. sandbox4j decides at build():
     * best-effort rules (the default) are skipped with a warning there, required ones fail the build; on this
     * kernel both must be enforced.
     */
    @Test
    void requiredAndBestEffortRulesAreBothEnforcedWhereLandlockExists() throws Exception {
        requireLandlock();
        Path d = dir();
        for (boolean bestEffort : new boolean[] {true, false}) {
            SandboxResult r = run(
                    builder()
                            .landlock(rules().bestEffort(bestEffort).readOnly(d).build())
                            .build(),
                    probe(),
                    "create",
                    d.resolve("x").toString());
            assertThat(r.stdoutText()).as("bestEffort " + bestEffort).isEqualTo("create: EACCES\n");
        }
    }
}
