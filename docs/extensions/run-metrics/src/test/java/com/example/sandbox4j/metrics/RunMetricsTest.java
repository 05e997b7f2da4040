package com.example.sandbox4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.exec.RunListener.Run;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The export's format without a kernel: cumulative buckets, sums and a run that ended without a verdict. */
class RunMetricsTest {
    private static final Run RUN = new Run("judge", 1, List.of("true"));

    @Test
    void histogramBucketsAreCumulativeAndEndAtInfinity() {
        RunMetrics metrics = new RunMetrics("t");
        metrics.programStarted(RUN, Duration.ofMillis(3));
        metrics.programStarted(RUN, Duration.ofMillis(40));
        metrics.programStarted(RUN, Duration.ofSeconds(120));

        String text = metrics.scrape();
        assertThat(text)
                .contains("# TYPE t_sandbox_program_start_seconds histogram\n")
                .contains("t_sandbox_program_start_seconds_bucket{le=\"0.002\"} 0\n")
                .contains("t_sandbox_program_start_seconds_bucket{le=\"0.005\"} 1\n")
                .contains("t_sandbox_program_start_seconds_bucket{le=\"0.05\"} 2\n")
                .contains("t_sandbox_program_start_seconds_bucket{le=\"60.0\"} 2\n")
                .contains("t_sandbox_program_start_seconds_bucket{le=\"+Inf\"} 3\n")
                .contains("t_sandbox_program_start_seconds_sum 120.043\n")
                .contains("t_sandbox_program_start_seconds_count 3\n");
    }

    @Test
    void aRunWithoutVerdictIsCountedApartAndLeavesFlight() {
        RunMetrics metrics = new RunMetrics("t");
        metrics.runStarted(RUN);
        assertThat(metrics.inFlight()).isEqualTo(1);
        metrics.runFailed(RUN, Duration.ofMillis(1), new InterruptedException());
        assertThat(metrics.inFlight()).isZero();
        assertThat(metrics.scrape()).contains("t_sandbox_runs_unjudged_total 1\n");
    }

    @Test
    void aPrefixThatIsNoMetricNameIsRefusedNamingIt() {
        assertThatThrownBy(() -> new RunMetrics("my-service"))
                .hasMessageContaining("'my-service'")
                .hasMessageContaining("not a Prometheus name");
    }
}
