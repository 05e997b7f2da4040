package dev.sandbox4j.exec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
