package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The caller's end of Output.pipe(): everything kept after the writer ended, bounded, discarded on close. */
class PipedOutputTest {

    @Test
    void whatTheWriterWroteBeforeItEndedIsReadAfterwards() throws Exception {
        PipedInputStream source = new PipedInputStream(1 << 16);
        PipedOutputStream writer = new PipedOutputStream(source);
        PipedOutput out = PipedOutput.start(new PipedOutputs(), source, 4 << 20, "test-pump");
        byte[] data = new byte[3 << 20];
        Arrays.fill(data, (byte) 'x');
        writer.write(data); // 3 MiB through a 64 KiB pipe: only possible because the pump keeps reading
        writer.close();
        assertThat(out.readAllBytes()).isEqualTo(data);
        assertThat(out.read()).isEqualTo(-1);
        out.close();
    }

    @Test
    void aFullBufferMakesTheWriterWaitUntilTheReaderReads() throws Exception {
        PipedInputStream source = new PipedInputStream(1024);
        PipedOutputStream writer = new PipedOutputStream(source);
        PipedOutput out = PipedOutput.start(new PipedOutputs(), source, 4096, "test-pump");
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try {
                writer.write(new byte[1 << 20]);
                writer.close();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(written).as("held back by the bound").isNotDone();
        assertThat(out.available()).isBetween(1, 4096 + (64 << 10));
        assertThat(out.readAllBytes()).hasSize(1 << 20);
        written.get(10, TimeUnit.SECONDS);
        out.close();
    }

    @Test
    void closeDiscardsWhatIsUnreadAndLaterReadsFail() throws Exception {
        PipedInputStream source = new PipedInputStream(1024);
        PipedOutputStream writer = new PipedOutputStream(source);
        PipedOutput out = PipedOutput.start(new PipedOutputs(), source, 1 << 20, "test-pump");
        writer.write("unread".getBytes());
        out.close();
        assertThatThrownBy(out::read).isInstanceOf(IOException.class).hasMessage("Stream closed");
        writer.close();
    }

    @Test
    void chunksOfBothStreamsAreTakenInTheOrderTheyArrived() throws Exception {
        PipedOutputs both = new PipedOutputs();
        PipedInputStream outSource = new PipedInputStream(1024);
        PipedInputStream errSource = new PipedInputStream(1024);
        PipedOutputStream outWriter = new PipedOutputStream(outSource);
        PipedOutputStream errWriter = new PipedOutputStream(errSource);
        PipedOutput out = PipedOutput.start(both, outSource, 1 << 20, "test-out");
        PipedOutput err = PipedOutput.start(both, errSource, 1 << 20, "test-err");
        both.stdout(out);
        both.stderr(err);
        String[] writes = {"e1", "o1", "e2", "e3", "o2"};
        int outBytes = 0;
        int errBytes = 0;
        for (String w : writes) {
            boolean toOut = w.startsWith("o");
            (toOut ? outWriter : errWriter).write(w.getBytes());
            (toOut ? outWriter : errWriter).flush();
            outBytes += toOut ? 2 : 0;
            errBytes += toOut ? 0 : 2;
            awaitQueued(out, outBytes, err, errBytes);
        }
        outWriter.close();
        errWriter.close();
        StringBuilder order = new StringBuilder();
        synchronized (both) {
            for (PipedOutput next; (next = both.oldest()) != null; ) {
                order.append(new String(next.takeChunk())).append(next == out ? "(out) " : "(err) ");
            }
        }
        assertThat(order.toString()).isEqualTo("e1(err) o1(out) e2(err) e3(err) o2(out) ");
        both.takeForEvents();
        assertThatThrownBy(out::read).hasMessageContaining("events()");
        out.close();
        err.close();
    }

    @Test
    void eventsAreRefusedOnceAStreamWasReadDirectly() throws Exception {
        PipedOutputs both = new PipedOutputs();
        PipedInputStream source = new PipedInputStream(1024);
        PipedOutputStream writer = new PipedOutputStream(source);
        PipedOutput out = PipedOutput.start(both, source, 1 << 20, "test-out");
        both.stdout(out);
        writer.write('x');
        writer.close();
        assertThat(out.read()).isEqualTo('x');
        assertThatThrownBy(both::takeForEvents).isInstanceOf(IllegalStateException.class);
        out.close();
    }

    /** Waits until the pump has queued what was just written, so that the next write arrives after it. */
    private static void awaitQueued(PipedOutput out, int outBytes, PipedOutput err, int errBytes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (out.available() == outBytes && err.available() == errBytes) {
                return;
            }
            assertThat(System.nanoTime()).as("queued in time").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    /** A pipe as the fork-server path makes one: a non-blocking read descriptor, and a stream to write to it. */
    private static int[] nonBlockingPipe() throws IOException {
        int[] p = new int[2];
        assertThat(LibC.libc().pipe2(p, LibC.Const.O_CLOEXEC)).isZero();
        int read = LibC.libc().open("/proc/self/fd/" + p[0], LibC.Const.O_RDONLY | 04000 | LibC.Const.O_CLOEXEC, 0);
        LibC.libc().close(p[0]);
        return new int[] {read, p[1]};
    }

    private static java.io.OutputStream writerOf(int fd) throws IOException {
        java.io.OutputStream out = new java.io.FileOutputStream("/proc/self/fd/" + fd);
        LibC.libc().close(fd);
        return out;
    }

    @Test
    void aWatchedPipeIsReadByTheOutputLoopBoundedAndWithoutLoss() throws Exception {
        int[] p = nonBlockingPipe();
        java.io.OutputStream writer = writerOf(p[1]);
        PipedOutput out = PipedOutput.watched(new PipedOutputs(), p[0], 100_000);
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >> 12));
        }
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try (writer) {
                writer.write(data);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        assertThat(written).as("held back by the bound").isNotDone();
        assertThat(out.available()).as("what the loop read while nobody read").isBetween(100_000, 100_000 + (16 << 10));
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[7_000];
        for (int n; (n = out.read(buffer)) >= 0; ) {
            got.write(buffer, 0, n);
        }
        assertThat(got.toByteArray()).isEqualTo(data);
        written.get(10, TimeUnit.SECONDS);
        out.close();
    }

    @Test
    void closingAWatchedPipeReleasesItAndTheWriterGetsEpipe() throws Exception {
        int[] p = nonBlockingPipe();
        java.io.OutputStream writer = writerOf(p[1]);
        PipedOutput out = PipedOutput.watched(new PipedOutputs(), p[0], 1 << 20);
        writer.write("unread".getBytes());
        out.close();
        assertThatThrownBy(out::read).isInstanceOf(IOException.class).hasMessage("Stream closed");
        assertThatThrownBy(() -> writer.write(new byte[1])).as("no reader left").isInstanceOf(IOException.class);
        writer.close();
    }
}
