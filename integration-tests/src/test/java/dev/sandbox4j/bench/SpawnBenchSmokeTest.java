package dev.sandbox4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs every benchmark with a handful of iterations, so that the harness cannot rot between full runs:
 * prints the figures and checks only that each measurement produced some. Nothing here is timed against
 * a threshold — a shared CI machine makes any speed assertion flaky.
 */
class SpawnBenchSmokeTest {

    @Test
    void everyMeasurementProducesFigures() throws Exception {
        SpawnBench.Results r = SpawnBench.measure(SpawnBench.Settings.smoke(), System.out);
        System.out.println(Report.markdown(r));

        // Under CI=true every variant must be measurable (CI runs as root with bwrap and gcc installed);
        // elsewhere a missing tool is reported in the figures instead.
        if (ci()) {
            assertThat(r.unavailable).as("variants that could not be measured").isEmpty();
        }
        List<String> spawnKeys = List.of("a", "b", "c", "d", "p", "bd");
        for (String key : spawnKeys) {
            if (isUnavailable(r, key)) {
                continue;
            }
            assertThat(r.latency.all().get(key).summary().plausible())
                    .as("latency of " + key)
                    .isTrue();
            for (Map<String, Samples> byVariant : r.throughput.values()) {
                assertThat(byVariant.get(key).summary().plausible())
                        .as("throughput of " + key)
                        .isTrue();
            }
        }
        assertThat(r.throughput).containsOnlyKeys(1, 2, 4);
        assertThat(r.stages.get("b")).isNotEmpty();
        r.stages
                .values()
                .forEach(stages -> stages.forEach(
                        (stage, s) -> assertThat(s.summary().count()).as(stage).isPositive()));
        assertThat(r.stages.get("b").get("total").summary().plausible()).isTrue();
        assertThat(r.cli.get("hello").summary().plausible()).as("JVM floor").isTrue();
        if (!isUnavailable(r, "cli")) {
            assertThat(r.cli.get("cli").summary().plausible()).as("sandbox-ctl").isTrue();
        }
        assertThat(r.bpf)
                .isNotEmpty()
                .allSatisfy(row -> assertThat(row.median()).isPositive());
        assertThat(r.getppidInstructions).isPositive();
        if (!isUnavailable(r, "loop")) {
            r.syscallLoop.forEach(
                    (key, s) -> assertThat(s.summary().plausible()).as(key).isTrue());
        }
    }

    private static boolean isUnavailable(SpawnBench.Results r, String key) {
        return r.unavailable.stream().anyMatch(u -> u.key().equals(key));
    }

    private static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
