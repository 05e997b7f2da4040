package dev.sandbox4j.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcFilesTest {

    @Test
    void readsAnIntegerSysctlWhole() throws IOException, InterruptedException {
        // Regression: Files.readString returned only the first digit of such files.
        Path pidMax = Path.of("/proc/sys/kernel/pid_max");
        Process cat = new ProcessBuilder("cat", pidMax.toString()).start();
        String expected = new String(cat.getInputStream().readAllBytes()).strip();
        cat.waitFor();

        assertThat(ProcFiles.read(pidMax)).contains(expected);
        assertThat(expected).hasSizeGreaterThan(1);
    }

    @Test
    void missingFileIsEmptyNotAnError() {
        assertThat(ProcFiles.read(Path.of("/proc/sys/no/such/file"))).isEmpty();
    }
}
