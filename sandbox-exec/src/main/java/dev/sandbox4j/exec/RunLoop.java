package dev.sandbox4j.exec;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every started sandbox of the JVM ({@link Sandbox#start}) from the program's exec to its reported end on
 * one thread: a selector over their control connections and a queue of their timers (timeout, kill grace,
 * CPU-time checks, output polls). A running sandbox costs a registration here, not a thread. What blocks at the
 * end (waiting for init's reaping, removing the cgroup, reading the output to its end) runs on a few finishing
 * threads, {@value #FINISHERS} at most.
 *
 * <p>The loop's thread, its selector and the finishing threads exist only while there is work (and
 * {@value OnDemandThreads#LINGER_MILLIS} ms after), so an idle JVM holds none of them.
 */
final class RunLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RunLoop.class);
    static final String THREAD_NAME = "sandbox4j-runs";
    static final String FINISHER_NAME = "sandbox4j-finish-";
    private static final int FINISHERS = 4;
    private static final RunLoop INSTANCE = new RunLoop();

    /** A run the loop drives, and what to do once its end has been reported (on a finishing thread). */
    private static final class Entry {
        final Execution execution;
        final Consumer<Throwable> ended; // told null, or why driving failed
        SelectionKey key;
        long due; // nanoTime of the next timed drive
        boolean done;

        Entry(Execution execution, Consumer<Throwable> ended) {
            this.execution = execution;
            this.ended = ended;
        }
    }

    private record Due(long at, Entry entry) {}

    private final Queue<Entry> pending = new ConcurrentLinkedQueue<>();
    private Selector selector; // guarded by this; null while no thread runs
    private final ThreadPoolExecutor finishers = OnDemandThreads.pool(FINISHER_NAME, FINISHERS);
    // the loop thread's own (handed from one loop thread to the next under this object's lock)
    private final PriorityQueue<Due> timers = new PriorityQueue<>(Comparator.comparingLong(Due::at));
    private int live;

    private RunLoop() {}

    static RunLoop get() {
        return INSTANCE;
    }

    /**
     * Drives {@code execution}, whose program has been exec'd, until its end is reported; then calls {@code ended}
     * on a finishing thread, with null or the failure that stopped the driving.
     *
     * @throws IOException when no selector can be opened (out of descriptors): the caller drives the run itself
     */
    synchronized void add(Execution execution, Consumer<Throwable> ended) throws IOException {
        if (selector == null) {
            Selector s = Selector.open();
            OnDemandThreads.start(THREAD_NAME, () -> run(s));
            selector = s;
        }
        pending.add(new Entry(execution, ended));
        selector.wakeup();
    }

    private void run(Selector selector) {
        while (true) {
            try {
                for (Entry e; (e = pending.poll()) != null; ) {
                    register(selector, e);
                }
                long timeout = OnDemandThreads.LINGER_MILLIS;
                if (live > 0) {
                    Due next = timers.peek();
                    timeout = next == null
                            ? 1000
                            : Math.max(0, TimeUnit.NANOSECONDS.toMillis(next.at() - System.nanoTime() + 999_999));
                }
                int ready = timeout == 0 ? selector.selectNow() : selector.select(timeout);
                if (live == 0 && ready == 0 && pending.isEmpty()) {
                    synchronized (this) {
                        if (pending.isEmpty()) {
                            // Under the lock that the next add() takes: the next loop thread sees this state.
                            timers.clear(); // only ended runs' records are left: hold none of them
                            this.selector = null;
                            closeQuietly(selector);
                            return;
                        }
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    drive((Entry) key.attachment());
                }
                selector.selectedKeys().clear();
                long now = System.nanoTime();
                while (!timers.isEmpty() && timers.peek().at() - now <= 0) {
                    Due d = timers.poll();
                    if (!d.entry().done && d.entry().due == d.at()) {
                        drive(d.entry());
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                // The selector itself failed (the runs' failures end their runs in drive): logged, and the loop goes
                // on, as the runs it holds have no other driver.
                LOG.error("the loop over running sandboxes failed", e);
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // not a busy loop if it fails again
            }
        }
    }

    private void register(Selector selector, Entry e) {
        try {
            e.key = e.execution.controlChannel().register(selector, SelectionKey.OP_READ, e);
        } catch (IOException | RuntimeException failure) {
            // A run aborted meanwhile (its Sandbox closed) has its channel closed: its end says why, as a result or
            // a RunAbortedException; any other failure to register is the run's failure.
            e.done = true;
            finishers.execute(() -> e.ended.accept(e.execution.hasEnded() ? null : failure));
            return;
        }
        live++;
        drive(e); // an event may have come before the registration
    }

    private void drive(Entry e) {
        if (e.done) {
            return;
        }
        long waitMillis;
        try {
            waitMillis = e.execution.drive();
        } catch (Throwable failure) {
            end(e, failure);
            return;
        }
        if (waitMillis <= 0) {
            end(e, null);
            return;
        }
        e.due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        timers.add(new Due(e.due, e));
    }

    private void end(Entry e, Throwable failure) {
        e.done = true;
        e.key.cancel(); // the finishing thread reads the channel itself, through the channel's own selector
        live--;
        finishers.execute(() -> e.ended.accept(failure));
    }

    private static void closeQuietly(Selector s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }
}
