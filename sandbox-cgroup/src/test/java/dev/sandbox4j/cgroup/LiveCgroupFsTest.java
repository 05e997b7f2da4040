package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cgroup file I/O ignores interrupts and leaves them pending; works on any file, so no cgroups needed. */
class LiveCgroupFsTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void anInterruptedThreadStillWritesAndReadsAndKeepsItsInterrupt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("memory.limit_in_bytes"), "");

        Thread.currentThread().interrupt();
        LiveCgroupFs.INSTANCE.write(file, "67108864");
        assertThat(Thread.currentThread().isInterrupted())
                .as("still pending after the write")
                .isTrue();
        assertThat(LiveCgroupFs.INSTANCE.read(file)).contains("67108864");
        assertThat(Thread.interrupted()).as("still pending after the read").isTrue();
    }

    @Test
    void anOperationAnInterruptCutShortIsRepeatedAndTheInterruptKept() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        String value = LiveCgroupFs.uninterruptibly(() -> {
            if (attempts.incrementAndGet() == 1) {
                Thread.currentThread().interrupt(); // what the interrupt that closed the channel leaves behind
                throw new ClosedByInterruptException();
            }
            assertThat(Thread.currentThread().isInterrupted())
                    .as("cleared for the repeat")
                    .isFalse();
            return "done";
        });

        assertThat(value).isEqualTo("done");
        assertThat(attempts).hasValue(2);
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void withoutAnInterruptNothingIsSet(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("pids.max"), "");
        LiveCgroupFs.INSTANCE.write(file, "32");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
