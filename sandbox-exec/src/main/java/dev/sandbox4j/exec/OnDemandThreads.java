package dev.sandbox4j.exec;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide threads that serve every sandbox ({@link RunLoop}'s loop and finishing threads, {@link OutputLoop})
 * exist only while there is work: each is started by the first piece of work and ends once it has found none for
 * {@value #LINGER_MILLIS} ms, so that runs one after another do not start a thread each and an idle JVM holds none.
 * What counts as work, and what a loop lets go of when it ends, is each loop's own.
 */
final class OnDemandThreads {
    // Short: a JVM's exit waits for threads in native code (HotSpot, up to 300 ms), and an idle loop waits there.
    static final int LINGER_MILLIS = 20;

    private OnDemandThreads() {}

    /** Starts {@code loop} on a daemon thread named {@code name}; the loop returns once idle for the linger. */
    static Thread start(String name, Runnable loop) {
        Thread t = new Thread(loop, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Up to {@code size} daemon threads named {@code prefix}1, 2, …, each ending once idle for the linger. */
    static ThreadPoolExecutor pool(String prefix, int size) {
        AtomicInteger number = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                size, size, LINGER_MILLIS, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, prefix + number.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
