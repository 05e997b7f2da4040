package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.PlannedRun;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind sources are opened once, by the launcher before any namespace exists, with the caller's rights and
 * following no symlink: what Java resolved is what gets bound, and the caller (not the workload's id) decides
 * what may be bound.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class BindSourceKernelTest {
    private static final int ELOOP = 40;

    @Test
    void aDirectoryUnderThePrivateParentOfTheCallerCanBeBound(@TempDir Path scratch) throws Exception {
        Path job = scratch.resolve("job");
        Path data = Files.createDirectories(job.resolve("data"));
        Files.writeString(data.resolve("hello.txt"), "hello from a private job\n");
        Files.setPosixFilePermissions(job, PosixFilePermissions.fromString("rwx------"));
        FilesystemView view = FilesystemView.defaults()
                .roBind(data, Path.of("/data"))
                .roBind(scratch, Path.of("/scratch"))
                .build();
        try (Sandbox sandbox =
                Sandbox.create(SandboxConfig.builder().filesystem(view).build())) {
            SandboxResult r = sandbox.run(
                    List.of(
                            "/bin/sh",
                            "-c",
                            "cat /data/hello.txt; if cat /scratch/job/data/hello.txt >/dev/null 2>&1; then echo parent-readable; fi"));
            assertThat(r.exitCode()).as("stderr: " + r.stderrText()).hasValue(0);
            assertThat(r.stdoutText()).startsWith("hello from a private job\n");
            if (KernelTestSupport.euid() == 0) {
                // Calibration: the workload's own id cannot go through the private parent; the caller's rights bound
                // it.
                assertThat(r.stdoutText()).doesNotContain("parent-readable");
            }
        }
    }

    @Test
    void aParentSwappedForASymlinkAfterValidationDoesNotRedirectTheBind(@TempDir Path scratch) throws Exception {
        Path real = scratch.resolve("real");
        Path secret = scratch.resolve("secret");
        Files.writeString(Files.createDirectories(real.resolve("data")).resolve("file.txt"), "bound\n");
        Files.writeString(Files.createDirectories(secret.resolve("data")).resolve("file.txt"), "secret\n");
        SandboxConfig config = SandboxConfig.builder()
                .filesystem(FilesystemView.defaults()
                        .roBind(real.resolve("data"), Path.of("/data"))
                        .build())
                .build();
        List<String> cat = List.of("/bin/cat", "/data/file.txt");
        Runnable swap = () -> {
            try {
                Files.move(real, scratch.resolve("real.old"));
                Files.createSymbolicLink(real, secret);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };

        // Calibration: unswapped, the bind shows what was planned; a view built after the swap resolves the symlink
        // at build() and shows the secret.
        assertThat(PlannedRun.run(config, cat, () -> {}).stdoutText()).isEqualTo("bound\n");
        swap.run();
        SandboxConfig builtLate = SandboxConfig.builder()
                .filesystem(FilesystemView.defaults()
                        .roBind(real.resolve("data"), Path.of("/data"))
                        .build())
                .build();
        assertThat(PlannedRun.run(builtLate, cat, () -> {}).stdoutText()).isEqualTo("secret\n");
        // The view built before the swap binds what it validated, following no symlink: refused.
        assertThatThrownBy(() -> PlannedRun.run(config, cat, () -> {}))
                .isInstanceOf(SandboxSetupException.class)
                .satisfies(e -> assertThat(((SandboxSetupException) e).errno()).isEqualTo(ELOOP));
        Files.delete(real);
        Files.move(scratch.resolve("real.old"), real);

        // Swapped between the plan and the launch: refused, nothing bound.
        assertThatThrownBy(() -> PlannedRun.run(config, cat, swap))
                .isInstanceOf(SandboxSetupException.class)
                .satisfies(e -> assertThat(((SandboxSetupException) e).step()).isEqualTo("bind source"))
                .satisfies(e -> assertThat(((SandboxSetupException) e).errno()).isEqualTo(ELOOP));
    }
}
