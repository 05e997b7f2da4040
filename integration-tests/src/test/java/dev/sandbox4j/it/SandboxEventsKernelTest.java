package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.RunAbortedException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxEvent;
import dev.sandbox4j.exec.SandboxEvents;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link SandboxEvents}: a started program's piped output and exit as one ordered sequence, against the real kernel. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SandboxEventsKernelTest {
    private static SandboxBuilder piped() {
        return SandboxConfig.builder()
                .stdout(Output.pipe())
                .stderr(Output.pipe())
                .timeout(Duration.ofSeconds(60));
    }

    private static void line(OutputStream stdin) throws Exception {
        stdin.write('\n');
        stdin.flush();
    }

    @Test
    void stdoutAndStderrChunksComeInTheOrderTheProgramWroteThemThenTheExit() throws Exception {
        // Each write waits for a line on stdin, sent only once the previous chunk was taken: the order is the
        // program's.
        String script = "echo o1; read x; echo e1 >&2; read x; echo e2 >&2; read x; echo o2; read x; exit 7";
        try (Sandbox sandbox = Sandbox.create(piped().stdin(Input.pipe()).build())) {
            try (SandboxProcess p = sandbox.start(List.of("/bin/bash", "-c", script))) {
                SandboxEvents events = p.events();
                OutputStream stdin = p.stdin();
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    seen.add(describe(events.take()));
                    line(stdin);
                }
                SandboxEvent last = events.take();
                assertThat(seen).containsExactly("out:o1\n", "err:e1\n", "err:e2\n", "out:o2\n");
                assertThat(last).isInstanceOf(SandboxEvent.Exit.class);
                assertThat(((SandboxEvent.Exit) last).result().exitCode()).hasValue(7);
                assertThatThrownBy(events::take).isInstanceOf(NoSuchElementException.class);
            }
        }
    }

    @Test
    void aLauncherPerRunGivesTheSameEvents() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().forkServer(false).build());
                SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 4"))) {
            Drained d = drain(p.events());
            assertThat(d.out.toString(StandardCharsets.UTF_8)).isEqualTo("out\n");
            assertThat(d.err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
            assertThat(d.exit.exitCode()).hasValue(4);
        }
    }

    @Test
    void afterTheExitPollRefusesToo() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().build());
                SandboxProcess p = sandbox.start(List.of("/bin/true"))) {
            SandboxEvents events = p.events();
            assertThat(events.take()).isInstanceOf(SandboxEvent.Exit.class);
            assertThatThrownBy(events::poll).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void pollDoesNotWaitAndFindsTheChunkOnceWritten() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().stdin(Input.pipe()).build());
                SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "read x; echo \"got $x\""))) {
            SandboxEvents events = p.events();
            long before = System.nanoTime();
            assertThat(events.poll())
                    .as("the program writes nothing before its input")
                    .isEmpty();
            assertThat(System.nanoTime() - before)
                    .as("poll() returned without waiting for the program")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
            try (OutputStream stdin = p.stdin()) {
                stdin.write("hi\n".getBytes(StandardCharsets.UTF_8));
            }
            SandboxEvent e = events.poll(Duration.ofSeconds(30)).orElseThrow();
            assertThat(describe(e)).isEqualTo("out:got hi\n");
            SandboxEvent exit = events.poll(Duration.ofSeconds(30)).orElseThrow();
            assertThat(((SandboxEvent.Exit) exit).result().exitCode()).hasValue(0);
        }
    }

    @Test
    void everyByteOfBothStreamsArrivesBeforeTheExitWhenTakenOnlyAfterTheProgramEnded() throws Exception {
        String script = "i=0; while [ $i -lt 5000 ]; do echo \"o$i\"; echo \"e$i\" >&2; i=$((i+1)); done";
        try (Sandbox sandbox = Sandbox.create(piped().build());
                SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", script))) {
            SandboxEvents events = p.events();
            assertThat(p.waitFor().exitCode()).hasValue(0);
            Drained d = drain(events);
            assertThat(d.out.toString(StandardCharsets.UTF_8).lines().toList())
                    .hasSize(5000)
                    .startsWith("o0")
                    .endsWith("o4999");
            assertThat(d.err.toString(StandardCharsets.UTF_8).lines().toList())
                    .hasSize(5000)
                    .startsWith("e0")
                    .endsWith("e4999");
            assertThat(d.exit.exitCode()).hasValue(0);
        }
    }

    @Test
    void aSlowConsumerMakesTheProgramWaitAndLosesNothing() throws Exception {
        int size = 4 << 20;
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                        .stdout(Output.pipe(64 << 10))
                        .stderr(Output.pipe(64 << 10))
                        .timeout(Duration.ofSeconds(60))
                        .build());
                SandboxProcess p = sandbox.start(List.of(
                        "/bin/sh",
                        "-c",
                        "head -c " + size + " /dev/zero | tr '\\0' x; head -c 100000 /dev/zero | tr '\\0' y >&2"))) {
            SandboxEvents events = p.events();
            // 64 KiB held per stream and a pipe's worth in the kernel: 4 MiB cannot be written before events are taken.
            assertThat(p.waitFor(Duration.ofMillis(500)))
                    .as("the program waits for its consumer")
                    .isEmpty();
            long out = 0;
            long err = 0;
            long outBeforeErr = -1;
            int chunks = 0;
            while (true) {
                SandboxEvent e = events.take();
                if (e instanceof SandboxEvent.Stdout s) {
                    out += s.bytes().length;
                } else if (e instanceof SandboxEvent.Stderr s) {
                    if (outBeforeErr < 0) {
                        outBeforeErr = out;
                    }
                    err += s.bytes().length;
                } else {
                    assertThat(((SandboxEvent.Exit) e).result().exitCode()).hasValue(0);
                    break;
                }
                if (++chunks % 16 == 0) {
                    Thread.sleep(1);
                }
            }
            assertThat(out).isEqualTo(size);
            assertThat(err).isEqualTo(100000);
            // Events come in the order sandbox4j reads the pipes. The program writes stderr only after all of
            // stdout, but the last of stdout may still wait in its kernel pipe (64 KiB) and in the stream's
            // buffer (64 KiB) while stderr, which nothing holds back, is read.
            assertThat(outBeforeErr)
                    .as("stdout taken before the first stderr chunk")
                    .isGreaterThanOrEqualTo(size - (128L << 10));
        }
    }

    @Test
    void aCallbackSeesEveryEventInOrderOnItsOwnThread() throws Exception {
        List<SandboxEvent> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (Sandbox sandbox = Sandbox.create(piped().build());
                SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo one; echo two >&2; exit 3"))) {
            SandboxResult r = p.events()
                    .deliverTo(e -> {
                        seen.add(e);
                        threads.add(Thread.currentThread().getName());
                    })
                    .get(60, TimeUnit.SECONDS);
            assertThat(r.exitCode()).hasValue(3);
            assertThat(seen.get(seen.size() - 1)).isInstanceOf(SandboxEvent.Exit.class);
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            for (SandboxEvent e : seen) {
                if (e instanceof SandboxEvent.Stdout s) {
                    out.append(s.text());
                } else if (e instanceof SandboxEvent.Stderr s) {
                    err.append(s.text());
                }
            }
            assertThat(out).hasToString("one\n");
            assertThat(err).hasToString("two\n");
            assertThat(threads)
                    .allSatisfy(t -> assertThat(t).startsWith("sandbox4j-").endsWith("-events"));
            p.events().close();
        }
    }

    @Test
    void aCallbackThatThrowsEndsTheProgram() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().build());
                SandboxProcess p = sandbox.start(List.of("yes"))) {
            var done = p.events().deliverTo(e -> {
                throw new IllegalStateException("consumer gave up");
            });
            assertThatThrownBy(() -> done.get(60, TimeUnit.SECONDS)).hasRootCauseMessage("consumer gave up");
            SandboxResult r = p.waitFor(Duration.ofSeconds(30)).orElseThrow();
            assertThat(r.signalName()).hasValue("SIGKILL");
            p.events().close();
        }
    }

    @Test
    void aCapturedStreamComesInTheExitsResultWithinItsLimit() throws Exception {
        try (Sandbox sandbox = Sandbox.create(SandboxConfig.builder()
                        .stdout(Output.pipe())
                        .stderr(Output.capture(10))
                        .timeout(Duration.ofSeconds(60))
                        .build());
                SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo visible; echo 0123456789abcdef >&2"))) {
            Drained d = drain(p.events());
            assertThat(d.out.toString(StandardCharsets.UTF_8)).isEqualTo("visible\n");
            assertThat(d.err.size()).as("no stderr chunks: it is captured").isZero();
            assertThat(d.exit.stderrText()).isEqualTo("0123456789");
            assertThat(d.exit.stderrTruncated()).isTrue();
        }
    }

    @Test
    void streamsAndEventsAreOneOrTheOther() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().build())) {
            try (SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo a"))) {
                p.events();
                assertThatThrownBy(() -> p.stdout().read()).hasMessageContaining("events()");
            }
            try (SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo a"))) {
                assertThat(p.stdout().read()).isEqualTo('a');
                assertThatThrownBy(p::events)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("read directly");
            }
        }
    }

    @Test
    void closingTheEventsEndsTheProgramAndItsThreads() throws Exception {
        try (Sandbox sandbox = Sandbox.create(piped().build())) {
            SandboxProcess p = sandbox.start(List.of("yes"));
            SandboxEvents events = p.events();
            assertThat(events.take()).isInstanceOf(SandboxEvent.Stdout.class);
            events.close();
            assertThat(p.isAlive()).isFalse();
            assertThat(p.waitFor().signalName()).hasValue("SIGKILL");
        }
    }

    @Test
    void aRunEndedBySandbox4jItselfThrowsInPlaceOfTheExitAfterItsOutput() throws Exception {
        Sandbox sandbox = Sandbox.create(piped().build());
        SandboxProcess p = sandbox.start(List.of("/bin/sh", "-c", "echo before; exec sleep 60"));
        try {
            SandboxEvents events = p.events();
            assertThat(describe(events.take())).isEqualTo("out:before\n");
            sandbox.close();
            assertThatThrownBy(events::take).isInstanceOf(RunAbortedException.class);
        } finally {
            p.close();
            sandbox.close();
        }
    }

    private record Drained(ByteArrayOutputStream out, ByteArrayOutputStream err, SandboxResult exit) {}

    private static Drained drain(SandboxEvents events) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        while (true) {
            SandboxEvent e = events.take();
            if (e instanceof SandboxEvent.Stdout s) {
                out.write(s.bytes());
            } else if (e instanceof SandboxEvent.Stderr s) {
                err.write(s.bytes());
            } else {
                return new Drained(out, err, ((SandboxEvent.Exit) e).result());
            }
        }
    }

    private static String describe(SandboxEvent e) {
        if (e instanceof SandboxEvent.Stdout s) {
            return "out:" + s.text();
        }
        if (e instanceof SandboxEvent.Stderr s) {
            return "err:" + s.text();
        }
        return "exit:" + ((SandboxEvent.Exit) e).result().exitCode();
    }
}
