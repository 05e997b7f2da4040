import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

/** Several threads at once: a pool, a parallel stream (the common fork-join pool) and the GC's own. */
public class Threads {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long from = i * 1_000_000L;
            parts.add(pool.submit(() -> LongStream.range(from, from + 1_000_000L).sum()));
        }
        long sum = 0;
        for (Future<Long> part : parts) {
            sum += part.get();
        }
        pool.shutdown();
        long parallel = LongStream.range(0, 8_000_000L).parallel().sum();
        System.gc();
        System.out.println(sum == parallel ? "threads agree" : "threads disagree");
    }
}
