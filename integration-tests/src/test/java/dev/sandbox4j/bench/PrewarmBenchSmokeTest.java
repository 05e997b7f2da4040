package dev.sandbox4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The pre-warmed sandbox harness with a handful of runs, so that it cannot rot between full runs: prints the
 * figures and checks only that every table was filled. Nothing is timed against a threshold.
 */
class PrewarmBenchSmokeTest {

    @Test
    void everyTableIsFilled() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrewarmBench.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 2);
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(report);
        assertThat(report)
                .contains("| (a) ProcessBuilder, no isolation | ")
                .contains("| (b) sandbox4j cold")
                .contains("| (w) as (b), pre-warmed: prewarm(2) | ")
                .contains("Load average")
                .contains("| 1 thread | / (a) | 4 threads | / (a) | 16 threads | / (a) |")
                .containsPattern("\\| workload: chdir[^|]*\\| \\d+ \\| \\d+ \\| \\d+ \\|")
                .doesNotContain("NaN")
                .doesNotContain("Infinity");
    }
}
