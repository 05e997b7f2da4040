package dev.sandbox4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs variants side by side so that whatever the machine does meanwhile (other builds, frequency changes,
 * a kernel worker) falls on all of them alike: one run of each in turn, never a block of one then a block
 * of another. The order rotates from one turn to the next, so no variant always follows the same one (a
 * variant that leaves work to a kernel worker would otherwise always tax the same neighbour).
 */
final class Interleaved {
    private Interleaved() {}

    /** Latency of each variant, in milliseconds per run; also one summary per round, for ratio ranges. */
    record Latency(Map<String, Samples> all, List<Map<String, Samples>> rounds) {}

    static Latency latency(List<Variant> variants, int warmup, int rounds, int runsPerRound) throws Exception {
        for (int i = 0; i < warmup; i++) {
            for (Variant v : variants) {
                v.run();
            }
        }
        Map<String, Samples> all = samplesFor(variants);
        List<Map<String, Samples>> perRound = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Map<String, Samples> round = samplesFor(variants);
            for (int i = 0; i < runsPerRound; i++) {
                for (Variant v : rotated(variants, r * runsPerRound + i)) {
                    long t0 = System.nanoTime();
                    v.run();
                    double ms = (System.nanoTime() - t0) / 1e6;
                    all.get(v.key()).add(ms);
                    round.get(v.key()).add(ms);
                }
            }
            perRound.add(round);
        }
        return new Latency(all, perRound);
    }

    /**
     * Runs per second of each variant with {@code threads} callers at once, each measurement {@code runs}
     * runs long; one measurement per variant per round.
     */
    static Map<String, Samples> throughput(List<Variant> variants, int threads, int rounds, int runs) throws Exception {
        Map<String, Samples> result = samplesFor(variants);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int r = 0; r < rounds; r++) {
                for (Variant v : rotated(variants, r)) {
                    result.get(v.key()).add(runsPerSecond(pool, v, threads, runs));
                }
            }
        } finally {
            pool.shutdown();
        }
        return result;
    }

    private static double runsPerSecond(ExecutorService pool, Variant v, int threads, int runs) throws Exception {
        AtomicInteger left = new AtomicInteger(runs);
        List<Future<?>> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    v.run();
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        return runs / ((System.nanoTime() - t0) / 1e9);
    }

    static <T> List<T> rotated(List<T> items, int by) {
        List<T> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(items.get((i + by) % items.size()));
        }
        return out;
    }

    private static Map<String, Samples> samplesFor(List<Variant> variants) {
        Map<String, Samples> m = new LinkedHashMap<>();
        for (Variant v : variants) {
            m.put(v.key(), new Samples());
        }
        return m;
    }
}
