package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireRunnable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.ProgramNotRunnableException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many mixed runs at once through one JVM: short programs, output in bulk, stdin, timeouts, memory and pids limits
 * hit, seccomp kills, setup failures, programs not found, sandboxes made and closed per run. Every result must be
 * the right one, and afterwards nothing may be left: no process (the leak check, and no marker process anywhere on
 * the host), no cgroup, no thread or descriptor of the JVM, no file of this JVM in the launcher's run directory or
 * in /tmp. Short by default (4,000 runs on 6 threads, about 30 s); {@code -Dsandbox4j.soak.runs=N} and
 * {@code -Dsandbox4j.soak.threads=N} make it longer.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SoakKernelTest {
    /** The kinds of run, each with what its result must be. */
    enum Kind {
        ECHO,
        EXIT_CODE,
        BULK_OUTPUT,
        STDIN,
        TIMEOUT,
        MEMORY_LIMIT,
        PIDS_LIMIT,
        SECCOMP_KILL,
        SETUP_FAILURE,
        NOT_FOUND,
        OWN_SANDBOX
    }

    @Test
    void thousandsOfMixedRunsAtOnceAreAllRightAndLeaveNothing() throws Exception {
        int runs = Integer.getInteger("sandbox4j.soak.runs", 4000);
        int threads = Integer.getInteger("sandbox4j.soak.threads", 6);
        String marker = "96" + ProcessHandle.current().pid() % 1000;
        SandboxConfig base = SandboxConfig.builder()
                .id("soak")
                .timeout(Duration.ofSeconds(30))
                .build();
        try (Sandbox plain = Sandbox.create(base);
                Sandbox quick = Sandbox.create(
                        SandboxConfig.builder().timeout(Duration.ofMillis(300)).build());
                Sandbox memory = Sandbox.create(SandboxConfig.builder()
                        .timeout(Duration.ofSeconds(30))
                        .memoryLimit(48L << 20)
                        .build());
                Sandbox pids = Sandbox.create(SandboxConfig.builder()
                        .timeout(Duration.ofSeconds(30))
                        .pidsLimit(8)
                        .build());
                Sandbox minimal = Sandbox.create(SandboxConfig.builder()
                        .timeout(Duration.ofSeconds(30))
                        .seccomp(SeccompProfile.MINIMAL)
                        .filesystem(FilesystemView.defaults().build())
                        .build());
                Sandbox badCwd = Sandbox.create(SandboxConfig.builder()
                        .cwd(Path.of("/nonexistent/soak"))
                        .build())) {
            requireRunnable(plain, "user namespaces (all seven namespaces for an unprivileged user)");
            Optional<Path> runDirectory = runDirectory();
            List<String> tmpBefore = ownTmpEntries();

            AtomicInteger next = new AtomicInteger();
            Map<Kind, AtomicInteger> counts = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    workers.add(pool.submit(() -> {
                        for (int i = next.getAndIncrement(); i < runs; i = next.getAndIncrement()) {
                            Kind kind = kindOf(i);
                            counts.computeIfAbsent(kind, k -> new AtomicInteger())
                                    .incrementAndGet();
                            try {
                                String problem = run(kind, i, marker, plain, quick, memory, pids, minimal, badCwd);
                                if (problem != null) {
                                    wrong.add("run " + i + " (" + kind + "): " + problem);
                                }
                            } catch (Exception e) {
                                wrong.add("run " + i + " (" + kind + "): " + e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get(30, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdown();
                assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "[soak] %d runs on %d threads in %.1f s (%.0f runs/s): %s%n",
                    runs, threads, seconds, runs / seconds, counts);
            assertThat(wrong).as("runs with a wrong result").isEmpty();

            assertThat(HostileKernelTest.awaitProcesses("sleep " + marker, false))
                    .as("no process of any run left on the host")
                    .isTrue();
            if (runDirectory.isPresent()) {
                assertThat(ownEntries(runDirectory.get()))
                        .as("this JVM's files in " + runDirectory.get())
                        .isEmpty();
            }
            assertThat(ownTmpEntries()).as("this JVM's files in /tmp").isEqualTo(tmpBefore);
        }
    }

    static Kind kindOf(int i) {
        int k = Math.floorMod(i * 7919, 100);
        if (k < 30) {
            return Kind.ECHO;
        } else if (k < 45) {
            return Kind.EXIT_CODE;
        } else if (k < 55) {
            return Kind.BULK_OUTPUT;
        } else if (k < 63) {
            return Kind.STDIN;
        } else if (k < 68) {
            return Kind.TIMEOUT;
        } else if (k < 73) {
            return Kind.MEMORY_LIMIT;
        } else if (k < 78) {
            return Kind.PIDS_LIMIT;
        } else if (k < 86) {
            return Kind.SECCOMP_KILL;
        } else if (k < 91) {
            return Kind.SETUP_FAILURE;
        } else if (k < 96) {
            return Kind.NOT_FOUND;
        }
        return Kind.OWN_SANDBOX;
    }

    /** Runs one of {@code kind}; returns what was wrong with its result, or null. */
    static String run(
            Kind kind,
            int i,
            String marker,
            Sandbox plain,
            Sandbox quick,
            Sandbox memory,
            Sandbox pids,
            Sandbox minimal,
            Sandbox badCwd)
            throws Exception {
        switch (kind) {
            case ECHO: {
                SandboxResult r = plain.run(List.of("echo", "soak-" + i));
                return expect(r, r.exitCode().orElse(-1) == 0 && r.stdoutText().equals("soak-" + i + "\n"));
            }
            case EXIT_CODE: {
                SandboxResult r = plain.run(List.of("/bin/sh", "-c", "echo e-" + i + " >&2; exit " + (i % 256)));
                return expect(
                        r, r.exitCode().orElse(-1) == i % 256 && r.stderrText().equals("e-" + i + "\n"));
            }
            case BULK_OUTPUT: {
                int size = 1000 + (i % 50) * 4000;
                SandboxResult r = plain.run(List.of("head", "-c", Integer.toString(size), "/dev/zero"));
                return expect(r, r.success() && r.stdout().length == size && !r.stdoutTruncated());
            }
            case STDIN: {
                SandboxResult r = plain.run(List.of("cat"), Input.text("in-" + i));
                return expect(r, r.success() && r.stdoutText().equals("in-" + i));
            }
            case TIMEOUT: {
                // a background sleep too: the whole tree goes with the timeout
                SandboxResult r = quick.run(List.of("/bin/sh", "-c", "sleep " + marker + " & sleep " + marker));
                return expect(
                        r,
                        r.timedOut()
                                && !r.success()
                                && r.signalName().orElse("").equals("SIGKILL"));
            }
            case MEMORY_LIMIT: {
                SandboxResult r = memory.run(List.of("python3", "-c", "b = bytearray(200 << 20)"));
                // a memory cgroup OOM-kills; RLIMIT_DATA makes the allocation fail (MemoryError, status 1)
                return expect(r, !r.success() && (r.oomKilled() || r.exitCode().orElse(-1) == 1));
            }
            case PIDS_LIMIT: {
                SandboxResult r = pids.run(List.of(
                        "/bin/sh", "-c", "for n in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep " + marker + " & done; wait"));
                return expect(r, !r.success() && !r.timedOut());
            }
            case SECCOMP_KILL: {
                SandboxResult r = minimal.run(List.of("mkdir", "/tmp/soak-" + i));
                return expect(
                        r, r.seccompViolation() && r.signalName().orElse("").equals("SIGSYS"));
            }
            case SETUP_FAILURE:
                try {
                    SandboxResult r = badCwd.run(List.of("/bin/true"));
                    return "no setup failure: " + r;
                } catch (SandboxSetupException e) {
                    return e.step().equals("chdir") && e.errnoName().equals("ENOENT") ? null : e.toString();
                }
            case NOT_FOUND:
                try {
                    SandboxResult r = plain.run(List.of("/nonexistent/soak-program-" + i));
                    return "ran: " + r;
                } catch (ProgramNotRunnableException e) {
                    return e.reason() == ProgramNotRunnableException.Reason.NOT_FOUND ? null : e.toString();
                }
            case OWN_SANDBOX:
                try (Sandbox own = Sandbox.create(
                        SandboxConfig.builder().memoryLimit(64L << 20).build())) {
                    SandboxResult r = own.run(List.of("/bin/sh", "-c", "sleep " + marker + " & echo own-" + i));
                    return expect(r, r.success() && r.stdoutText().equals("own-" + i + "\n"));
                }
            default:
                throw new AssertionError(kind);
        }
    }

    private static String expect(SandboxResult r, boolean right) {
        return right ? null : r + " stdout=" + abbreviate(r.stdoutText()) + " stderr=" + abbreviate(r.stderrText());
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** Where the JVM's launchers find their control sockets: the directory of the fork server's own socket. */
    static Optional<Path> runDirectory() {
        return ForkServerProbe.server()
                .flatMap(s -> s.info().arguments())
                .flatMap(args -> Stream.of(args)
                        .filter(a -> a.startsWith("/"))
                        .map(a -> Path.of(a).getParent())
                        .findFirst());
    }

    /** Entries of {@code dir} named after this JVM (the library puts its pid into per-JVM names). */
    static List<String> ownEntries(Path dir) throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches(".*(^|\\D)" + pid + "(\\D|$).*"))
                    .sorted()
                    .toList();
        }
    }

    static List<String> ownTmpEntries() throws IOException {
        return ownEntries(Path.of("/tmp"));
    }
}
