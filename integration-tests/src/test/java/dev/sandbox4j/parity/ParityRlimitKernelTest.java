package dev.sandbox4j.parity;

import static dev.sandbox4j.parity.Parity.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.it.KernelTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** sandbox-rs 0.2.1's rlimit tests (crates/sandbox-cgroup/tests/rlimit.rs), in a sandbox instead of a forked child. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
public class ParityRlimitKernelTest {

    @Test
    void nofileEnforced() throws Exception {
        SandboxResult r = run(
                Parity.viewed()
                        .rlimits(RlimitConfig.builder().openFiles(8).build())
                        .build(),
                Parity.PROBE_INSIDE,
                "openmany");
        // stdin, stdout and stderr are open: five more fit under 8.
        assertThat(r.stdoutText()).isEqualTo("opened 5\n");
    }

    @Test
    void fsizeEnforced() throws Exception {
        SandboxResult r = run(
                Parity.viewed()
                        .rlimits(RlimitConfig.builder().fileSize(4096).build())
                        .build(),
                Parity.PROBE_INSIDE,
                "write",
                "/tmp/big",
                "65536");
        if (r.signal().isPresent()) {
            assertThat(r.signalName()).hasValue("SIGXFSZ");
        } else {
            assertThat(r.stdoutText()).startsWith("wrote 4096");
        }
    }

    @Test
    void emptyConfigIsANoop() throws Exception {
        SandboxResult r =
                run(Parity.viewed().rlimits(RlimitConfig.builder().build()).build(), Parity.PROBE_INSIDE, "openmany");
        assertThat(r.stdoutText()).isEqualTo("opened 20\n");
    }

    @Test
    void nofileGetrlimitMatches() throws Exception {
        SandboxResult r = run(
                Parity.viewed()
                        .rlimits(RlimitConfig.builder().openFiles(8).build())
                        .build(),
                Parity.PROBE_INSIDE,
                "nofile");
        assertThat(r.stdoutText()).isEqualTo("nofile 8 8\n");
    }
}
