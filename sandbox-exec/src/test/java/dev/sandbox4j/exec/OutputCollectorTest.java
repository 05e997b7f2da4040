package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A polled collector reads a short run's output without a thread, and hands a long or talkative one to the JVM's
 * one output loop: no thread per pipe, however many runs go on.
 */
class OutputCollectorTest {
    private static final int O_NONBLOCK = 04000;

    /** A pipe as the fork-server path makes one: a non-blocking read descriptor, and a stream to write to it. */
    private record Pipe(int readFd, OutputStream out) {
        static Pipe open() throws IOException {
            int[] p = new int[2];
            assertThat(LibC.libc().pipe2(p, LibC.Const.O_CLOEXEC)).isZero();
            int read = LibC.libc()
                    .open("/proc/self/fd/" + p[0], LibC.Const.O_RDONLY | O_NONBLOCK | LibC.Const.O_CLOEXEC, 0);
            OutputStream out = new FileOutputStream("/proc/self/fd/" + p[1]);
            LibC.libc().close(p[0]);
            LibC.libc().close(p[1]);
            return new Pipe(read, out);
        }
    }

    private static boolean threadRuns(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void aShortRunIsReadByPollsAndALongOneIsReadByTheOutputLoop() throws Exception {
        Pipe pipe = Pipe.open();
        OutputCollector collector = OutputCollector.polled(pipe.readFd(), 1 << 20, "collector-test-long");
        pipe.out().write("hello".getBytes(StandardCharsets.US_ASCII));
        collector.poll();
        assertThat(collector.bytes()).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(threadRuns("collector-test-long"))
                .as("a reader thread after one early poll")
                .isFalse();

        Thread.sleep(80); // past the time a run's output is polled at most
        collector.poll();
        assertThat(threadRuns("collector-test-long"))
                .as("a reader thread of its own")
                .isFalse();
        assertThat(threadRuns(OutputLoop.THREAD_NAME))
                .as("the output loop once the run goes on")
                .isTrue();
        assertThat(collector.nextPollDelayMillis()).as("no more polls").isZero();
        pipe.out().write(new byte[200_000]); // more than a pipe holds: only a reader lets this return
        pipe.out().close();
        assertThat(collector.await(5_000)).isTrue();
        assertThat(collector.bytes()).hasSize(5 + 200_000);
        assertThat(collector.truncated()).isFalse();
    }

    @Test
    void aPollThatFindsMuchHandsTheRestToTheOutputLoop() throws Exception {
        Pipe pipe = Pipe.open();
        OutputCollector collector = OutputCollector.polled(pipe.readFd(), 100_000, "collector-test-much");
        pipe.out().write(new byte[20_000]);
        collector.poll();
        assertThat(threadRuns("collector-test-much")).isFalse();
        assertThat(threadRuns(OutputLoop.THREAD_NAME)).isTrue();
        pipe.out().write(new byte[200_000]);
        pipe.out().close();
        assertThat(collector.await(5_000)).isTrue();
        assertThat(collector.bytes()).as("kept up to the limit").hasSize(100_000);
        assertThat(collector.truncated()).isTrue();
    }

    @Test
    void aQuietPipeThatEndsNeedsNoThreadAtAll() throws Exception {
        Pipe pipe = Pipe.open();
        OutputCollector collector = OutputCollector.polled(pipe.readFd(), 1 << 20, "collector-test-quiet");
        pipe.out().write("bye\n".getBytes(StandardCharsets.US_ASCII));
        pipe.out().close();
        assertThat(collector.await(5_000)).isTrue();
        assertThat(threadRuns("collector-test-quiet")).isFalse();
        assertThat(collector.bytes()).asString(StandardCharsets.US_ASCII).isEqualTo("bye\n");
    }

    @Test
    void manyLongRunsShareOneThreadWhichEndsWithTheLast() throws Exception {
        int before = Thread.activeCount();
        java.util.List<Pipe> pipes = new java.util.ArrayList<>();
        java.util.List<OutputCollector> collectors = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Pipe pipe = Pipe.open();
            pipes.add(pipe);
            OutputCollector c = OutputCollector.polled(pipe.readFd(), 1 << 20, "collector-test-many-" + i);
            collectors.add(c);
            pipe.out().write(new byte[20_000]);
            c.poll();
        }
        assertThat(Thread.activeCount() - before).as("threads for 300 pipes").isLessThanOrEqualTo(1);
        for (Pipe pipe : pipes) {
            pipe.out().write(new byte[100_000]); // beyond a pipe's 64 KiB: returns only because the loop reads
            pipe.out().close();
        }
        for (OutputCollector c : collectors) {
            assertThat(c.await(5_000)).isTrue();
            assertThat(c.bytes()).hasSize(120_000);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((OutputLoop.get().running() || threadRuns(OutputLoop.THREAD_NAME)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(OutputLoop.get().running())
                .as("the loop after its last pipe")
                .isFalse();
        assertThat(threadRuns(OutputLoop.THREAD_NAME)).isFalse();
    }
}
