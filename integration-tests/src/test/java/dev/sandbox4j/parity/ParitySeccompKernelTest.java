package dev.sandbox4j.parity;

import static dev.sandbox4j.parity.Parity.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.it.KernelTestSupport;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * sandbox-rs 0.2.1's seccomp tests (crates/sandbox-seccomp/tests/seccomp.rs). Upstream installed the filter in a
 * forked child of the test; here the probe program makes the same calls in a sandbox with the profile.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
public class ParitySeccompKernelTest {
    private static SandboxResult probeUnder(SeccompProfile profile, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Parity.PROBE_INSIDE;
        System.arraycopy(args, 0, command, 1, args.length);
        return run(Parity.viewed().seccomp(profile).build(), command);
    }

    /**
     * Divergence: below NETWORK, socket() is answered with EACCES on purpose instead of killing (glibc's NSS then
     * falls back to files); not counted as a violation.
     */
    @Test
    void minimalAnswersSocketWithEaccesInsteadOfKilling() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.MINIMAL, "socket");
        assertThat(r.stdoutText()).isEqualTo("socket: EACCES\n");
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.seccompViolation()).isFalse();
    }

    @Test
    void minimalAllowsBasicIo() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.MINIMAL, "io");
        assertThat(r.stdoutText()).isEqualTo("io: ok\n");
        assertThat(r.exitCode()).hasValue(0);
    }

    @Test
    void blockingASpecificSyscallKillsWithSigsys() throws Exception {
        SeccompFilter filter = SeccompFilter.fromProfile(SeccompProfile.MINIMAL).toBuilder()
                .block("getpid")
                .build();
        SandboxResult r = run(Parity.viewed().seccomp(filter).build(), Parity.PROBE_INSIDE, "getpid");
        assertThat(r.signalName()).hasValue("SIGSYS");
        assertThat(r.seccompViolation()).isTrue();
        assertThat(r.blockedSyscall()).hasValue("getpid");
    }

    @Test
    void networkAllowsSocket() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.NETWORK, "socket");
        assertThat(r.stdoutText()).isEqualTo("socket: ok\n");
        assertThat(r.exitCode()).hasValue(0);
    }

    @Test
    void essentialAllowsBootstrap() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.ESSENTIAL, "io");
        assertThat(r.stdoutText()).isEqualTo("io: ok\n");
        assertThat(r.exitCode()).hasValue(0);
    }

    @Test
    void essentialBlocksSocket() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.ESSENTIAL, "socket");
        assertThat(r.signalName()).hasValue("SIGSYS");
        assertThat(r.blockedSyscall()).hasValue("socket");
    }

    @Test
    void networkIncludesMkdirFromIoHeavy() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.NETWORK, "mkdir", "/tmp/made");
        assertThat(r.stdoutText()).isEqualTo("mkdir: ok\n");
        assertThat(r.signal()).isEmpty();
    }

    @Test
    void allProfilesLoadSuccessfully() throws Exception {
        for (SeccompProfile p : SeccompProfile.values()) {
            SandboxResult r = probeUnder(p, "io");
            assertThat(r.exitCode()).as(p.name()).hasValue(0);
        }
    }

    @Test
    void minimalAllowsRuntimeEssentials() throws Exception {
        SandboxResult r = probeUnder(SeccompProfile.MINIMAL, "runtime");
        assertThat(r.stdoutText()).isEqualTo("runtime: ok\n");
        assertThat(r.exitCode()).hasValue(0);
    }
}
