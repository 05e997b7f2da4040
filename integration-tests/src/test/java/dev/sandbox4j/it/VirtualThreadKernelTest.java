package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Sandbox.run} from a virtual thread gives its carrier back while the program runs: {@link
 * VirtualThreadProbe} in a JDK 25 JVM with a single carrier and no compensating threads, recorded by JFR. The JDK
 * is the one CI installs ({@code /usr/lib/jvm/temurin-25-jdk-amd64}, or {@code SANDBOX4J_JDK25}); without it the
 * test fails under CI.
 */
class VirtualThreadKernelTest {
    private static Path jdk25() {
        String configured = System.getenv("SANDBOX4J_JDK25");
        return Path.of(configured != null ? configured : "/usr/lib/jvm/temurin-25-jdk-amd64", "bin", "java");
    }

    @Test
    void aRunOnAVirtualThreadDoesNotHoldItsCarrier(@TempDir Path dir) throws Exception {
        Path java = jdk25();
        KernelTestSupport.requireFeature(Files.isExecutable(java), "a JDK 25 at " + java);
        Path recording = dir.resolve("pinned.jfr");
        // The sandboxed program, another host uid when root runs this, looks for the flag beneath it.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process probe = new ProcessBuilder(
                        java.toString(),
                        "-Djava.io.tmpdir=" + dir,
                        "-Djdk.virtualThreadScheduler.parallelism=1",
                        "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                        "-XX:StartFlightRecording=filename=" + recording
                                + ",settings=none,+jdk.VirtualThreadPinned#enabled=true,"
                                + "+jdk.VirtualThreadPinned#threshold=0ms,+jdk.VirtualThreadPinned#stackTrace=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        VirtualThreadProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        String output;
        try (var in = probe.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(probe.waitFor(2, TimeUnit.MINUTES)).isTrue();
        System.out.println(output);
        assertThat(output)
                .as("the second virtual thread ran while the first one's program waited for it")
                .contains("STATUS EXITED seen");
        assertThat(probe.exitValue()).isZero();

        Process print = new ProcessBuilder(
                        java.getParent().resolve("jfr").toString(),
                        "print",
                        "--events",
                        "jdk.VirtualThreadPinned",
                        recording.toString())
                .redirectErrorStream(true)
                .start();
        String pinned;
        try (var in = print.getInputStream()) {
            pinned = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(print.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(print.exitValue()).as(pinned).isZero();
        System.out.println("[measured] jdk.VirtualThreadPinned events: "
                + pinned.lines()
                        .filter(l -> l.startsWith("jdk.VirtualThreadPinned"))
                        .count());
        assertThat(pinned).as("no virtual thread pinned in sandbox4j's code").doesNotContain("dev.sandbox4j");
    }

    /**
     * The setup can fail: the same two threads, the first blocking its carrier in a FIFO read, hang with one
     * carrier and no compensation (killed after 15 s, which a working run of the probe takes a fraction of).
     */
    @Test
    void aThreadThatHoldsItsCarrierHangsTheSameSetup(@TempDir Path dir) throws Exception {
        Path java = jdk25();
        KernelTestSupport.requireFeature(Files.isExecutable(java), "a JDK 25 at " + java);
        Process probe = new ProcessBuilder(
                        java.toString(),
                        "-Djava.io.tmpdir=" + dir,
                        "-Djdk.virtualThreadScheduler.parallelism=1",
                        "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        VirtualThreadProbe.class.getName(),
                        "calibrate")
                .redirectErrorStream(true)
                .start();
        try {
            assertThat(probe.waitFor(15, TimeUnit.SECONDS))
                    .as("a carrier held in a FIFO read hangs the probe")
                    .isFalse();
        } finally {
            probe.destroyForcibly();
            probe.waitFor();
            probe.getInputStream().close();
        }
    }
}
