package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run is a {@code dev.sandbox4j.Run} event in a JFR recording. Without {@link KernelTestSupport.LeakCheck}:
 * a recording starts JFR's own threads, which live as long as the JVM; the run's processes and cgroups are
 * checked by the other tests' leak checks that follow in the same JVM.
 */
class RunJfrKernelTest {
    @Test
    void jfrRecordsEachRunWithItsVerdict(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("runs.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.sandbox4j.Run");
            recording.start();
            try (Sandbox sandbox =
                    Sandbox.create(SandboxConfig.builder().id("jfr-test").build())) {
                sandbox.run(List.of("sh", "-c", "exit 4"));
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> runs = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.sandbox4j.Run"))
                .toList();
        assertThat(runs).hasSize(1);
        RecordedEvent run = runs.get(0);
        assertThat(run.getString("sandboxId")).isEqualTo("jfr-test");
        assertThat(run.getString("command")).isEqualTo("sh -c exit 4");
        assertThat(run.getString("status")).isEqualTo("exited");
        assertThat(run.getInt("exitCode")).isEqualTo(4);
        assertThat(run.getDuration()).isPositive();
    }
}
