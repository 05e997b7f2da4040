package dev.sandbox4j.it;

import dev.sandbox4j.exec.RunListener;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Run by {@link VirtualThreadKernelTest} in a JVM of 21 or later with one carrier thread and no compensation
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1}), under a JFR
 * recording of {@code jdk.VirtualThreadPinned}. Two virtual threads: one runs a sandboxed program that waits for a
 * file, the other creates the file once the program has started. Only if the first one's {@code run()} gives the
 * carrier back while it waits can the second one ever run; otherwise the program times out. Prints
 * {@code STATUS <status> <stdout>}; the JFR file is the first argument.
 */
public final class VirtualThreadProbe {
    private VirtualThreadProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("sandbox4j-vt");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path flag = dir.resolve("flag");
        CountDownLatch started = new CountDownLatch(1);
        RunListener listener = new RunListener() {
            @Override
            public void programStarted(Run run, Duration sinceStart) {
                started.countDown();
            }
        };
        // Java 21 API through its Java 17 type: this class is compiled for 17.
        ExecutorService virtual = (ExecutorService)
                Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        if (args.length > 0 && args[0].equals("calibrate")) {
            // The same two threads, the first blocking its carrier in a read of a FIFO (file I/O, which a single
            // carrier without compensation cannot work around): this must hang, or the setup proves nothing.
            Path fifo = dir.resolve("fifo");
            new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
            CountDownLatch reading = new CountDownLatch(1);
            Future<Integer> blocked = virtual.submit(() -> {
                reading.countDown();
                try (var in = Files.newInputStream(fifo)) {
                    return in.read();
                }
            });
            Future<Object> writer = virtual.submit(() -> {
                reading.await();
                Files.write(fifo, new byte[] {1});
                return null;
            });
            blocked.get();
            writer.get();
            System.out.println("CALIBRATION did not hang");
            return;
        }
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(Duration.ofSeconds(20)).build(), listener)) {
            Future<SandboxResult> waiting = virtual.submit(() -> sandbox.run(RunRequest.builder(
                            List.of("sh", "-c", "while [ ! -e " + flag + " ]; do sleep 0.02; done; echo seen"))
                    .build()));
            Future<Object> creating = virtual.submit(() -> {
                started.await();
                Files.createFile(flag);
                return null;
            });
            SandboxResult r = waiting.get();
            creating.get();
            System.out.println("STATUS " + r.status() + " " + r.stdoutText().strip());
        } finally {
            virtual.shutdown();
            Files.deleteIfExists(flag);
            Files.deleteIfExists(dir);
        }
    }
}
