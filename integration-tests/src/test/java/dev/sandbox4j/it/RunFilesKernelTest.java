package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.CollectedFile;
import dev.sandbox4j.exec.LauncherProbe;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxFile;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Files handed in as bytes, read-only or writable, and read back after the run, against the real kernel. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class RunFilesKernelTest {
    private static final Path MAIN = Path.of("/job/main.sh");
    private static final Path INPUT = Path.of("/job/input.txt");
    private static final Path OUTPUT = Path.of("/job/out/result.txt");

    private static Sandbox sandbox() {
        return Sandbox.create(SandboxConfig.builder()
                .timeout(Duration.ofSeconds(30))
                .filesystem(FilesystemView.defaults().build())
                .build());
    }

    @AfterEach
    void noStagedFilesAreLeft() throws Exception {
        try (Stream<Path> left = Files.list(LauncherProbe.privateDirectory())) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("files-")))
                    .as("every run removes its files")
                    .isEmpty();
        }
    }

    @Test
    void aProgramRunsFromFilesHandedInAndItsOutputComesBack() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of(MAIN.toString()))
                    .file(SandboxFile.readOnly(
                            MAIN,
                            "#!/bin/sh\nid -u\ntr a-z A-Z < /job/input.txt > /job/out/result.txt\n".getBytes(),
                            0755))
                    .file(SandboxFile.readOnly(INPUT, "hello from the caller\n"))
                    .file(SandboxFile.writable(OUTPUT, new byte[0]))
                    .collect(OUTPUT, 1024)
                    .build());
            assertThat(r.status()).as(r.stderrText()).isEqualTo(RunStatus.EXITED);
            assertThat(r.exitCode()).hasValue(0);
            assertThat(r.stdoutText()).isEqualTo(sandbox.config().uid() + "\n");
            CollectedFile out = r.files().get(OUTPUT);
            assertThat(out.text()).isEqualTo("HELLO FROM THE CALLER\n");
            assertThat(out.truncated()).isFalse();
        }
    }

    @Test
    void aReadOnlyFileCannotBeChangedAndAWritableOneIsTheProgramsOwn() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of(
                            "sh",
                            "-c",
                            "echo changed > /job/input.txt && echo WROTE; stat -c '%a %u' /job/input.txt /job/out/result.txt; "
                                    + "chmod 600 /job/out/result.txt && echo CHMOD"))
                    .file(SandboxFile.readOnly(INPUT, "original\n"))
                    .file(SandboxFile.writable(OUTPUT, "seed\n".getBytes(), 0640))
                    .build());
            assertThat(r.stdoutText())
                    .doesNotContain("WROTE")
                    .contains("644 ")
                    .contains("640 " + sandbox.config().uid())
                    .contains("CHMOD");
            assertThat(r.stderrText()).contains("Read-only file system");
            assertThat(r.files()).as("nothing asked back").isEmpty();
        }
    }

    @Test
    void aLongOutputIsCutAtItsLimitAndSaysSo() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            SandboxResult r = sandbox.run(RunRequest.builder(List.of("sh", "-c", "seq 1 1000 > /job/out/result.txt"))
                    .file(SandboxFile.writable(OUTPUT, new byte[0]))
                    .collect(OUTPUT, 10)
                    .build());
            CollectedFile out = r.files().get(OUTPUT);
            assertThat(out.text()).isEqualTo("1\n2\n3\n4\n5\n");
            assertThat(out.truncated()).isTrue();
            assertThat(out.size()).isEqualTo(3893);
        }
    }

    @Test
    void requestsThatCannotBeHonouredAreRefusedBeforeAnythingRuns() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            assertThatThrownBy(() -> sandbox.run(RunRequest.builder(List.of("true"))
                            .file(SandboxFile.readOnly(INPUT, "x"))
                            .collect(INPUT, 10)
                            .build()))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("collect")
                    .hasMessageContaining("writable");
        }
        try (Sandbox hostView = Sandbox.create(SandboxConfig.builder().build())) {
            assertThatThrownBy(() -> hostView.run(RunRequest.builder(List.of("true"))
                            .file(SandboxFile.readOnly(INPUT, "x"))
                            .build()))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("filesystem view");
        }
        assertThatThrownBy(() -> SandboxFile.readOnly(Path.of("rel"), "x")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> SandboxFile.readOnly(INPUT, new byte[0], 04755))
                .hasMessageContaining("setuid");
    }
}
