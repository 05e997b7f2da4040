package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tmpfs a view makes is bounded: a program that fills one gets ENOSPC at its size (half the memory
 * limit, the documented default without one, or the size given), never the host's memory.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class TmpfsLimitKernelTest {

    private static SandboxResult sh(FilesystemView view, long memoryLimit, String script) throws Exception {
        dev.sandbox4j.exec.SandboxBuilder b =
                SandboxConfig.builder().filesystem(view).timeout(Duration.ofSeconds(30));
        if (memoryLimit > 0) {
            b.memoryLimit(memoryLimit);
        }
        try (Sandbox sandbox = Sandbox.create(b.build())) {
            return sandbox.run(List.of("/bin/sh", "-c", script));
        }
    }

    @Test
    void tmpAndShmTakeHalfTheMemoryLimitAndAreFullThere() throws Exception {
        String script =
                "df -k /tmp /dev/shm | tail -n 2 | awk '{print $2}'; df -i /tmp | tail -n 1 | awk '{print $2}'; "
                        + "dd if=/dev/zero of=/tmp/small bs=64k count=128 2>/dev/null && echo small-ok; rm -f /tmp/small; "
                        + "dd if=/dev/zero of=/tmp/fill bs=64k count=800 2>&1 | grep -o 'No space left on device' | head -n 1; "
                        + "rm -f /tmp/fill; dd if=/dev/zero of=/dev/shm/fill bs=64k count=800 2>&1 "
                        + "| grep -o 'No space left on device' | head -n 1";
        SandboxResult r = sh(FilesystemView.defaults().build(), 64L << 20, script);
        assertThat(r.stdoutText().lines().toList())
                .as("stderr: " + r.stderrText())
                .containsExactly(
                        "32768", "32768", "4096", "small-ok", "No space left on device", "No space left on device");
    }

    @Test
    void withoutAMemoryLimitTheDocumentedDefaultHolds() throws Exception {
        SandboxResult r = sh(
                FilesystemView.defaults().build(),
                0,
                "df -k /tmp | tail -n 1 | awk '{print $2}'; " + "df -i /tmp | tail -n 1 | awk '{print $2}'");
        assertThat(r.stdoutText().lines().toList())
                .containsExactly(Long.toString(FilesystemView.DEFAULT_TMPFS_SIZE >> 10), "32768");
    }

    @Test
    void aGivenSizeAndTheStagingTmpfsUnderADiscardedOverlayHoldToo(@TempDir Path lower) throws Exception {
        Files.setPosixFilePermissions(lower, PosixFilePermissions.fromString("rwxrwxrwx"));
        FilesystemView view = FilesystemView.defaults()
                .tmpfs(Path.of("/scratch"), "8M")
                .overlay(lower, Path.of("/work"))
                .build();
        String script = "dd if=/dev/zero of=/scratch/fill bs=64k count=256 2>&1 | grep -o 'No space left on device'; "
                + "df -k /scratch | tail -n 1 | awk '{print $2}'; "
                + "dd if=/dev/zero of=/work/fill bs=64k count=800 2>&1 | grep -o 'No space left on device'";
        SandboxResult r = sh(view, 64L << 20, script);
        assertThat(r.stdoutText().lines().toList())
                .as("stderr: " + r.stderrText())
                .containsExactly("No space left on device", "8192", "No space left on device");
    }
}
