package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks by a run of a pre-warmed {@link Sandbox} on the sandbox held for the run after it ({@code hostile/attack.c}
 * through {@link HostileFixture}): the held workload runs with the same host ids as the attacker and waits, before its
 * last steps, for the next request's program, arguments and environment. Knowing its host pid, the attacker tries to
 * signal it, trace it and read its memory, looks for a descriptor of the hand-over, and leaves a daemon behind; each
 * attack is first shown to work on the host against a process of the same uid. Without seccomp: the namespaces alone
 * must hold.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class PrewarmHostileKernelTest {
    private static HostileFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = HostileFixture.create();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (fx != null) {
            fx.close();
        }
    }

    private static SandboxConfig config() {
        return SandboxConfig.builder()
                .filesystem(FilesystemView.defaults()
                        .roBind(fx.binDir, Path.of("/attack"))
                        .bind(fx.work, Path.of("/work"))
                        .build())
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    /** The host command that runs an attack as the sandbox's host uid. */
    private static List<String> asSandboxUid(String... attack) {
        List<String> cmd = new ArrayList<>();
        if (fx.root) {
            cmd.addAll(List.of(
                    "setpriv",
                    "--reuid=" + HostileFixture.NOBODY,
                    "--regid=" + HostileFixture.NOBODY,
                    "--clear-groups"));
        }
        cmd.add(fx.bin.toString());
        cmd.addAll(List.of(attack));
        return cmd;
    }

    @Test
    void aRunCannotSignalTraceOrReadTheSandboxHeldForTheNextRun() throws Exception {
        // Calibration: a process of the sandbox's host uid is signalled, traced and read by another of that uid.
        String sleeper = Long.toString(fx.sleeperPid);
        for (String attack : List.of("signal", "ptrace", "procmem")) {
            assertThat(HostileFixture.run(asSandboxUid(attack, sleeper)))
                    .as(attack + " on the host")
                    .startsWith("ESCAPED");
        }
        assertThat(fx.sleeperAlive()).isTrue();

        Path target = fx.work.resolve("target");
        try (Sandbox sandbox = Sandbox.create(config()).prewarm(2)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 2);
            SandboxProcess attacker = sandbox.start(List.of(
                    "sh",
                    "-c",
                    "while [ ! -f /work/target ]; do sleep 0.05; done; t=$(cat /work/target); "
                            + "for a in signal ptrace procmem; do /attack/attack $a $t; done; /attack/attack fdscan; "
                            + "echo end"));
            // The attacker took one; the other waits for the next run (a replacement is made once a run ends).
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            long held = heldWorkload();
            Files.writeString(target, Long.toString(held));
            SandboxResult r = attacker.waitFor();
            System.out.printf("[measured] against held workload %d:%n%s", held, r.stdoutText());
            assertThat(r.stdoutText())
                    .as(r.toString())
                    .doesNotContain("ESCAPED")
                    .contains("REFUSED: kill", "REFUSED: ptrace", "REFUSED: no descriptor but 0, 1 and 2")
                    .endsWith("end\n");
            assertThat(ProcessHandle.of(held).map(ProcessHandle::isAlive))
                    .as("the held workload")
                    .hasValue(true);
            SandboxResult next = sandbox.run(List.of("sh", "-c", "echo served; echo /proc/[0-9]*"));
            assertThat(next.stdoutText())
                    .as("the held sandbox serves the next run, alone in it")
                    .isEqualTo("served\n/proc/1 /proc/2\n");
        } finally {
            Files.deleteIfExists(target);
        }
    }

    @Test
    void aDaemonOfAPrewarmedRunEndsWithItsRun() throws Exception {
        String marker = "901." + fx.unique;
        // Calibration: on the host the daemon outlives the program that started it.
        assertThat(HostileFixture.run(asSandboxUid("daemon", marker))).startsWith("ESCAPED");
        List<ProcessHandle> outside = HostileFixture.processesWith(marker);
        assertThat(outside).isNotEmpty();
        outside.forEach(ProcessHandle::destroyForcibly);

        try (Sandbox sandbox = Sandbox.create(config()).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult r = sandbox.run(List.of("/attack/attack", "daemon", marker));
            assertThat(r.stdoutText()).as(r.toString()).startsWith("ESCAPED: a daemon was started");
            assertThat(HostileFixture.processesWith(marker))
                    .as("the daemon, once its pre-warmed run ended")
                    .isEmpty();
        }
    }

    @Test
    void aSupervisedPrewarmedRunHoldsNoDescriptorOfTheHandOver() throws Exception {
        // Calibration: a descriptor left open across exec is found.
        assertThat(HostileFixture.run(List.of("sh", "-c", "exec 7</dev/null; exec " + fx.bin + " fdscan")))
                .startsWith("ESCAPED: /dev/null");
        // Supervised seccomp: the workload shares init's descriptor table until its execve.
        SandboxConfig supervised = config().toBuilder()
                .seccomp(dev.sandbox4j.seccomp.SeccompProfile.MINIMAL)
                .build();
        assertThat(supervised.seccompSupervised()).isTrue();
        try (Sandbox sandbox = Sandbox.create(supervised).prewarm(1)) {
            KernelTestSupport.awaitPrewarmed(sandbox, 1);
            SandboxResult r = sandbox.run(List.of("/attack/attack", "fdscan"));
            assertThat(r.stdoutText()).as(r.toString()).startsWith("REFUSED: no descriptor but 0, 1 and 2");
        }
    }

    /** The held workload: PID 2 of its namespace that has not exec'd a program yet. */
    private static long heldWorkload() throws IOException {
        List<Long> found = new ArrayList<>();
        for (ProcessHandle h : ProcessHandle.current().descendants().toList()) {
            Path proc = Path.of("/proc/" + h.pid());
            try {
                String nspid = Files.readAllLines(proc.resolve("status")).stream()
                        .filter(l -> l.startsWith("NSpid:"))
                        .findFirst()
                        .orElse("");
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                if (nspid.matches("NSpid:\\s+\\d+\\s+2") && !cmdline.startsWith("sh")) {
                    found.add(h.pid());
                }
            } catch (IOException e) {
                // ended meanwhile
            }
        }
        assertThat(found).as("one held workload").hasSize(1);
        return found.get(0);
    }
}
