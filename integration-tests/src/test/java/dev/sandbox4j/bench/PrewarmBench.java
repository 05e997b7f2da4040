package dev.sandbox4j.bench;

import dev.sandbox4j.exec.RunListener;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pre-warmed sandboxes ({@link Sandbox#prewarm(int)}) against a cold sandbox of the same configuration and an
 * unsandboxed ProcessBuilder, in one JVM, interleaved: p50/p90/p99 of /bin/true one at a time, what each stage of a
 * pre-warmed run costs, and runs per second at 1, 4 and 16 threads. Prints Markdown; asserts nothing about time.
 *
 * <pre>
 *   java -cp integration-tests/target/test-classes:$(cat integration-tests/target/bench.classpath) \
 *       dev.sandbox4j.bench.PrewarmBench [--smoke] [--pool N] [--write BENCHMARKS.md]
 * </pre>
 *
 * {@code --write FILE} also puts the figures between the pre-warm markers of that file ({@code ./benchmarks.sh} does,
 * after the main table).
 */
public final class PrewarmBench {
    static final int[] THREADS = {1, 4, 16};
    static final String BEGIN =
            "<!-- prewarm-bench:begin (written by ./benchmarks.sh; edits inside are overwritten) -->";
    static final String END = "<!-- prewarm-bench:end -->";

    private PrewarmBench() {}

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        int poolSize = 8;
        java.nio.file.Path write = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--smoke")) {
                smoke = true;
            } else if (args[i].equals("--pool") && i + 1 < args.length) {
                poolSize = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--write") && i + 1 < args.length) {
                write = java.nio.file.Path.of(args[++i]);
            } else {
                System.err.println("usage: PrewarmBench [--smoke] [--pool N] [--write FILE]");
                System.exit(2);
            }
        }
        java.io.ByteArrayOutputStream figures = new java.io.ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(figures, true, java.nio.charset.StandardCharsets.UTF_8)) {
            run(out, smoke, poolSize);
        }
        String markdown = figures.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.out.print(markdown);
        if (write != null) {
            writeInto(write, markdown);
            System.err.println("pre-warmed figures written to " + write);
        }
    }

    /** Replaces what lies between the markers of {@code file}; refuses a file without them. */
    static void writeInto(java.nio.file.Path file, String markdown) throws java.io.IOException {
        String text = java.nio.file.Files.readString(file);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalStateException(file + " has no " + BEGIN + " ... " + END + " section");
        }
        java.nio.file.Files.writeString(
                file, text.substring(0, b + BEGIN.length()) + "\n\n" + markdown.strip() + "\n\n" + text.substring(e));
    }

    /** The stages of one pre-warmed run, in microseconds, as its RunListener hears them. */
    private static final class StageListener implements RunListener {
        final Map<String, Samples> stages = new LinkedHashMap<>();
        private volatile long requested;
        private volatile long planSent;
        private volatile long started;
        private volatile long ended;
        volatile boolean recording;

        StageListener() {
            for (String s : List.of(STAGE_REST, STAGE_EXEC, STAGE_RUN, STAGE_COLLECT)) {
                stages.put(s, new Samples());
            }
        }

        @Override
        public void planSent(Run run, Duration sinceStart) {
            planSent = System.nanoTime();
        }

        @Override
        public void programStarted(Run run, Duration sinceStart) {
            started = System.nanoTime();
        }

        @Override
        public void programEnded(Run run, Duration sinceStart) {
            ended = System.nanoTime();
        }

        void before() {
            requested = System.nanoTime();
        }

        void after() {
            if (recording) {
                long done = System.nanoTime();
                stages.get(STAGE_REST).add((planSent - requested) / 1e3);
                stages.get(STAGE_EXEC).add((started - planSent) / 1e3);
                stages.get(STAGE_RUN).add((ended - started) / 1e3);
                stages.get(STAGE_COLLECT).add((done - ended) / 1e3);
            }
        }
    }

    static final String STAGE_REST =
            "request checked, program resolved, a held sandbox taken, the rest written to its pipe";
    static final String STAGE_EXEC = "workload: chdir, no_new_privs, Landlock, close fds, seccomp, execve; EXEC_OK";
    static final String STAGE_RUN = "/bin/true runs; init reaps and reports";
    static final String STAGE_COLLECT = "result collection (cgroup figures, INIT_REAPED, cgroup removal, output)";

    static void run(PrintStream out, boolean smoke, int poolSize) throws Exception {
        int warmup = smoke ? 2 : 30;
        int rounds = smoke ? 2 : 10;
        int perRound = smoke ? 3 : 40;
        int throughputRuns = smoke ? 8 : 200;
        int throughputRounds = smoke ? 1 : 3;
        String loadBefore = SpawnBench.Machine.loadAverage();
        long t0 = System.nanoTime();
        SandboxConfig full = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .memoryLimit(SpawnBench.MEMORY_LIMIT)
                .pidsLimit(SpawnBench.PIDS_LIMIT)
                .timeout(Duration.ofSeconds(30))
                .cwd(Path.of("/"))
                .build();
        StageListener stages = new StageListener();
        AtomicInteger emptyTakes = new AtomicInteger();
        Map<String, String> labels = new LinkedHashMap<>();
        Interleaved.Latency latency;
        Map<Integer, Map<String, Samples>> throughput = new LinkedHashMap<>();
        // (w) has no listener, like (b): a listener makes every run look at its cgroup's OOM counter. The stages are
        // timed in a pass of their own, on a pool with one.
        try (Sandbox cold = Sandbox.create(full);
                Sandbox warm = Sandbox.create(full).prewarm(poolSize);
                Sandbox staged = Sandbox.create(full, stages).prewarm(poolSize)) {
            List<Variant> variants = new ArrayList<>();
            variants.add(variant(
                    labels, "a", "(a) ProcessBuilder, no isolation", () -> SpawnBench.processBuilder(SpawnBench.TRUE)));
            variants.add(variant(
                    labels,
                    "b",
                    "(b) sandbox4j cold: 7 namespaces, MINIMAL seccomp, memory and pids limits",
                    () -> SpawnBench.sandboxed(cold, SpawnBench.TRUE)));
            variants.add(variant(labels, "w", "(w) as (b), pre-warmed: prewarm(" + poolSize + ")", () -> {
                if (warm.prewarmed() == 0) {
                    emptyTakes.incrementAndGet(); // this run is made cold
                }
                SpawnBench.sandboxed(warm, SpawnBench.TRUE);
            }));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((warm.prewarmed() < poolSize || staged.prewarmed() < poolSize) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            latency = Interleaved.latency(variants, warmup, 0, 0); // warm-up only
            emptyTakes.set(0);
            latency = Interleaved.latency(variants, 0, rounds, perRound);
            int latencyEmpty = emptyTakes.getAndSet(0);
            // Stages: one at a time, each after ProcessBuilder's run as in the latency rounds.
            stages.recording = true;
            for (int i = 0; i < rounds * perRound / 2; i++) {
                SpawnBench.processBuilder(SpawnBench.TRUE);
                stages.before();
                SpawnBench.sandboxed(staged, SpawnBench.TRUE);
                stages.after();
            }
            stages.recording = false;
            System.gc();
            Map<Integer, Integer> empty = new LinkedHashMap<>();
            for (int threads : THREADS) {
                throughput.put(threads, Interleaved.throughput(variants, threads, throughputRounds, throughputRuns));
                empty.put(threads, emptyTakes.getAndSet(0));
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            report(
                    out,
                    smoke,
                    poolSize,
                    labels,
                    latency,
                    stages,
                    latencyEmpty,
                    throughput,
                    empty,
                    throughputRuns,
                    throughputRounds,
                    loadBefore,
                    SpawnBench.Machine.loadAverage(),
                    elapsed,
                    full);
        }
    }

    private static Variant variant(Map<String, String> labels, String key, String label, Variant.Task task) {
        labels.put(key, label);
        return new Variant(key, label, task);
    }

    private static void report(
            PrintStream out,
            boolean smoke,
            int poolSize,
            Map<String, String> labels,
            Interleaved.Latency latency,
            StageListener stages,
            int latencyEmpty,
            Map<Integer, Map<String, Samples>> throughput,
            Map<Integer, Integer> empty,
            int throughputRuns,
            int throughputRounds,
            String loadBefore,
            String loadAfter,
            Duration elapsed,
            SandboxConfig config) {
        out.printf(
                "Measured %s UTC in %d s, %s mode, %s settings: `./benchmarks.sh --prewarm%s`.%n%n",
                java.time.LocalDateTime.now(java.time.ZoneOffset.UTC)
                        .withNano(0)
                        .toString()
                        .replace('T', ' '),
                elapsed.toSeconds(),
                config.mode(),
                smoke ? "smoke (too few runs to quote)" : "full",
                smoke ? " --smoke" : "");
        out.printf(
                "Load average (1/5/15 min) %s before, %s after, on %d cores: ratios are against (a) measured "
                        + "in the same rounds.%n%n",
                loadBefore, loadAfter, Runtime.getRuntime().availableProcessors());
        out.println("#### Latency of `/bin/true`, one at a time, interleaved (ms)");
        out.println();
        out.println("| variant | p50 | p90 | p99 | max | p50 / (a) | p99 / (a) | runs |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        Samples a = latency.all().get("a");
        for (Map.Entry<String, Samples> e : latency.all().entrySet()) {
            Samples s = e.getValue();
            out.printf(
                    "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d |%n",
                    labels.get(e.getKey()),
                    s.quantile(0.5),
                    s.quantile(0.9),
                    s.quantile(0.99),
                    s.summary().max(),
                    s.quantile(0.5) / a.quantile(0.5),
                    s.quantile(0.99) / a.quantile(0.99),
                    s.size());
        }
        out.printf(
                "%n%d of the %d runs of (w) found no sandbox held and were made cold.%n%n",
                latencyEmpty, latency.all().get("w").size());
        out.println("#### Where a pre-warmed run's time goes (µs: p50, p90, p99)");
        out.println();
        out.printf(
                "%d runs of a second `prewarm(%d)` sandbox with a `RunListener` (which also makes each run read "
                        + "its cgroup's OOM counter once, in the second stage), each after a ProcessBuilder run.%n%n",
                stages.stages.values().iterator().next().size(), poolSize);
        out.println("| stage | p50 | p90 | p99 |");
        out.println("|---|---:|---:|---:|");
        for (Map.Entry<String, Samples> e : stages.stages.entrySet()) {
            Samples s = e.getValue();
            if (!s.isEmpty()) {
                out.printf(
                        "| %s | %.0f | %.0f | %.0f |%n",
                        e.getKey(), s.quantile(0.5), s.quantile(0.9), s.quantile(0.99));
            }
        }
        out.println();
        out.printf(
                "#### Throughput of `/bin/true` (runs per second, median of %d × %d runs)%n%n",
                throughputRounds, throughputRuns);
        StringBuilder head = new StringBuilder("| variant |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int t : THREADS) {
            head.append(' ').append(t).append(t == 1 ? " thread | / (a) |" : " threads | / (a) |");
            rule.append("---:|---:|");
        }
        out.println(head);
        out.println(rule);
        for (String key : labels.keySet()) {
            StringBuilder row = new StringBuilder("| ").append(labels.get(key)).append(" |");
            for (int t : THREADS) {
                double v = throughput.get(t).get(key).summary().median();
                double base = throughput.get(t).get("a").summary().median();
                row.append(String.format(" %.0f | %.2f |", v, v / base));
            }
            out.println(row);
        }
        out.println();
        StringBuilder cold = new StringBuilder("Runs of (w) made cold because none was held:");
        for (int t : THREADS) {
            cold.append(String.format(" %d at %d thread%s;", empty.get(t), t, t == 1 ? "" : "s"));
        }
        out.println(cold.substring(0, cold.length() - 1) + " (of " + throughputRounds * throughputRuns
                + " each; the pool makes up to min(" + poolSize + ", 2 × cores) at once).");
        out.println();
        out.println("#### Against the targets of issue 15 (ratios of (w) to (a), same rounds)");
        out.println();
        out.println("| target | (w) | met |");
        out.println("|---|---:|---|");
        Samples w = latency.all().get("w");
        double p50 = w.quantile(0.5) / a.quantile(0.5);
        double p99 = w.quantile(0.99) / a.quantile(0.99);
        double four = throughput.get(4).get("w").summary().median()
                / throughput.get(4).get("a").summary().median();
        out.printf(
                "| p50 ≤ 1.0 × ProcessBuilder's (moonshot 0.7) | %.2f | %s |%n",
                p50, p50 <= 0.7 ? "yes, moonshot too" : p50 <= 1.0 ? "yes (not the moonshot)" : "no");
        out.printf("| p99 ≤ 2 × ProcessBuilder's | %.2f | %s |%n", p99, p99 <= 2.0 ? "yes" : "no");
        out.printf("| 4-thread throughput ≥ ProcessBuilder's | %.2f | %s |%n", four, four >= 1.0 ? "yes" : "no");
    }
}
