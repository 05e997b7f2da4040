package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.namespace.FilesystemView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which configurations can be made ahead of their runs, and which requests a pre-warmed sandbox serves. */
class PrewarmPoolTest {
    private static SandboxConfig build(SandboxBuilder b) {
        return b.build(FakeHost.root());
    }

    @Test
    void aPlainConfigurationIsPooledAndEveryStreamBoundPerRunIsRefusedByName(@TempDir Path dir) {
        assertThat(PrewarmPool.refusal(build(SandboxConfig.builder()))).isNull();
        assertThat(PrewarmPool.refusal(build(SandboxConfig.builder().stdin(Input.bytes(new byte[] {1})))))
                .as("the same bytes for every run, written once the sandbox is taken or before")
                .isNull();
        assertThat(PrewarmPool.refusal(build(SandboxConfig.builder().stdout(Output.file(dir.resolve("out"))))))
                .contains("Output.file")
                .contains("without prewarm");
        assertThat(PrewarmPool.refusal(build(SandboxConfig.builder().stdin(Input.file(dir.resolve("in"))))))
                .contains("Input.file");
        assertThat(PrewarmPool.refusal(build(SandboxConfig.builder().stdin(Input.inherit()))))
                .contains("INHERIT");
    }

    @Test
    void aSandboxWithoutItsOwnPidNamespaceIsRefused() {
        SandboxConfig shared = build(SandboxConfig.builder()
                .namespaces(dev.sandbox4j.namespace.NamespaceConfig.of(
                        dev.sandbox4j.namespace.Namespace.USER, dev.sandbox4j.namespace.Namespace.MOUNT)));
        assertThat(PrewarmPool.refusal(shared)).contains("PID namespace");
    }

    @Test
    void aKeptOverlayIsRefusedNamingItsUpperDirectory(@TempDir Path dir) throws Exception {
        Path lower = Files.createDirectories(dir.resolve("lower"));
        Path upper = Files.createDirectories(dir.resolve("upper"));
        SandboxConfig kept = build(SandboxConfig.builder()
                .filesystem(FilesystemView.defaults()
                        .overlay(List.of(lower), Path.of("/work"), upper, dir.resolve("work"))
                        .build()));
        assertThat(PrewarmPool.refusal(kept)).contains(upper.toString()).contains("one sandbox at a time");
    }

    @Test
    void onlyCommandEnvironmentAndDirectoryAreServedFromThePool() {
        assertThat(PrewarmPool.serves(RunRequest.of(List.of("true")))).isTrue();
        assertThat(PrewarmPool.serves(RunRequest.builder(List.of("true"))
                        .env("A", "b")
                        .cwd(Path.of("/tmp"))
                        .build()))
                .isTrue();
        assertThat(PrewarmPool.serves(RunRequest.builder(List.of("true"))
                        .timeout(Duration.ofSeconds(1))
                        .build()))
                .isFalse();
        assertThat(PrewarmPool.serves(RunRequest.builder(List.of("true"))
                        .stdin(Input.text("x"))
                        .build()))
                .isFalse();
        assertThat(PrewarmPool.serves(RunRequest.builder(List.of("true"))
                        .memoryLimit(64L << 20)
                        .build()))
                .isFalse();
    }

    @Test
    void startUsesThePoolUnlessTheConfigurationPipesAStream() {
        assertThat(PrewarmPool.streamsAsMade(build(SandboxConfig.builder()))).isTrue();
        assertThat(PrewarmPool.streamsAsMade(build(SandboxConfig.builder().stdout(Output.pipe()))))
                .isFalse();
    }
}
