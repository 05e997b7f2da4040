package dev.sandbox4j.it;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;

import java.util.Arrays;
import java.util.List;

/**
 * Median latency of {@code /bin/true} through a {@link Sandbox} (all seven namespaces) against a plain
 * {@link ProcessBuilder}, interleaved rounds in one warm JVM. Not a test: run it by hand, e.g.
 * {@code java -cp <test class path> dev.sandbox4j.it.SpawnLatency 5 100}.
 */
public final class SpawnLatency {
    private SpawnLatency() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder().build())) {
            for (int i = 0; i < 50; i++) { // warm-up: JIT, launcher extraction, page cache
                sandbox.run(List.of("/bin/true"));
                new ProcessBuilder("/bin/true").start().waitFor();
            }
            long[] sandboxed = new long[rounds * runs];
            long[] plain = new long[rounds * runs];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    if (!sandbox.run(List.of("/bin/true")).success()) {
                        throw new IllegalStateException("sandboxed /bin/true failed");
                    }
                    sandboxed[r * runs + i] = System.nanoTime() - t0;
                }
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    Process p = new ProcessBuilder("/bin/true").start();
                    p.waitFor();
                    p.getInputStream().close();
                    p.getErrorStream().close();
                    p.getOutputStream().close();
                    plain[r * runs + i] = System.nanoTime() - t0;
                }
            }
            System.out.printf("mode=%s runs=%d%n", sandbox.config().mode(), rounds * runs);
            System.out.printf("sandbox /bin/true         median %.2f ms  p90 %.2f ms%n", median(sandboxed), pct(sandboxed, 0.9));
            System.out.printf("ProcessBuilder /bin/true  median %.2f ms  p90 %.2f ms%n", median(plain), pct(plain, 0.9));
            System.out.printf("sandbox /bin/true at 4 threads: %.0f runs/s%n", throughput(sandbox, 4, 400));
        }
    }

    private static double throughput(Sandbox sandbox, int threads, int total) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < total; i++) {
                all.add(pool.submit(() -> sandbox.run(List.of("/bin/true"))));
            }
            for (java.util.concurrent.Future<?> f : all) {
                f.get();
            }
            return total / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    private static double median(long[] v) {
        return pct(v, 0.5);
    }

    private static double pct(long[] v, double p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(p * (s.length - 1)))] / 1e6;
    }
}
