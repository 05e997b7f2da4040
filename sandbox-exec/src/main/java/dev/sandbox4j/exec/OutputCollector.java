package dev.sandbox4j.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one of the workload's output pipes on its own thread into a bounded buffer. Everything is read,
 * so the workload never blocks on a full pipe; bytes beyond the limit are dropped and counted, so a
 * chatty program cannot exhaust the heap.
 */
final class OutputCollector {
    private final InputStream in;
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;
    private long dropped;

    OutputCollector(InputStream in, int limit, String threadName) {
        this.in = in;
        this.limit = limit;
        this.thread = new Thread(this::drain, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void drain() {
        byte[] chunk = new byte[16384];
        try (in) {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                synchronized (this) {
                    int keep = Math.max(0, Math.min(n, limit - kept.size()));
                    kept.write(chunk, 0, keep);
                    dropped += n - keep;
                }
            }
        } catch (IOException e) {
            // the stream was closed under us at the end of a run; what was read stays
        }
    }

    /** Waits for end-of-file, which comes once every process of the sandbox is gone. */
    boolean await(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    synchronized byte[] bytes() {
        return kept.toByteArray();
    }

    synchronized boolean truncated() {
        return dropped > 0;
    }
}
