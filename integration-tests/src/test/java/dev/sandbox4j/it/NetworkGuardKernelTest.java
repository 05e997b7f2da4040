package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Network;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompLearner;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What no network namespace separates, with {@code hostile/vsock.c}: vsock (a listener on the machine's vsock port,
 * taken from the host; the hypervisor at CID 2) and io_uring, whose {@code IORING_OP_SOCKET} makes a vsock socket
 * without a {@code socket()} call. Shown to work on the host first, then refused in every sandbox with a network of
 * its own, whatever its seccomp filter: none, {@code unrestricted}, one that allows {@code socket} and io_uring, and
 * learn mode, and in a pre-warmed sandbox. With the host's network they stay open, as documented.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class NetworkGuardKernelTest {
    /** What a guarded sandbox answers: the kernel's own answer for a missing family, and for a missing io_uring. */
    private static final String REFUSED = "vsock:%d refused EAFNOSUPPORT\n"
            + "socket-bad-type EAFNOSUPPORT\n"
            + "socketpair-bad-type EAFNOSUPPORT\n"
            + "io_uring_setup refused ENOSYS";

    private static final boolean VSOCK_HERE = Files.exists(Path.of("/dev/vsock"));

    @Test
    void vsockAndIoUringAreRefusedWithANetworkOfItsOwnWhateverTheFilter(@TempDir Path scratch) throws Exception {
        KernelTestSupport.requireFeature(
                Network.userModeAvailability().startsWith("yes"),
                "user-mode networking (" + Network.userModeAvailability() + ")");
        Path bin = HostileFixture.compileAttack(scratch, "vsock");
        int port = 47000 + (int) (ProcessHandle.current().pid() % 10_000) * 2;

        // Calibration. The kernel answers a socket of no such type with EINVAL before it looks at the family, with
        // or without vsock, so EAFNOSUPPORT for it inside can only be a seccomp filter's. On a machine with vsock
        // (this one, /dev/vsock) the caller listens on a vsock port, once through socket() and once through a ring.
        String outside = HostileFixture.run(List.of(bin.toString(), Integer.toString(port)));
        assertThat(outside).contains("socket-bad-type EINVAL", "socketpair-bad-type EINVAL", "io_uring_setup reached");
        if (VSOCK_HERE) {
            assertThat(outside)
                    .contains("vsock:" + port + " reached listening", "io_uring:" + (port + 1) + " reached listening");
        }

        SeccompFilter opensSockets = SeccompProfile.NETWORK.filter().toBuilder()
                .remove("socket")
                .remove("io_uring_setup")
                .remove("io_uring_enter")
                .remove("io_uring_register")
                .allow("socket", "socketpair", "io_uring_setup", "io_uring_enter", "io_uring_register")
                .build();
        // Learn mode lets through what this filter refuses: brk (every dynamically linked program's first call after
        // execve, here to show that the run was learned from), socket and io_uring.
        SeccompFilter learnsSockets = SeccompProfile.NETWORK.filter().toBuilder()
                .remove("brk")
                .remove("socket")
                .remove("io_uring_setup")
                .remove("io_uring_enter")
                .remove("io_uring_register")
                .build();
        SeccompLearner learner = new SeccompLearner();
        Map<String, Supplier<SandboxBuilder>> filters = new LinkedHashMap<>();
        filters.put("no filter", SandboxConfig::builder);
        filters.put("unrestricted", () -> SandboxConfig.builder().seccomp(SeccompProfile.UNRESTRICTED));
        filters.put(
                "a filter allowing socket and io_uring",
                () -> SandboxConfig.builder().seccomp(opensSockets));
        filters.put(
                "learn mode",
                () -> SandboxConfig.builder().seccomp(learnsSockets).seccompLearning(learner));
        int run = 1;
        for (Map.Entry<String, Supplier<SandboxBuilder>> filter : filters.entrySet()) {
            for (Network network : List.of(Network.none(), Network.user())) {
                int p = port + 2 * run++;
                SandboxResult r = run(filter.getValue().get().network(network), bin, p);
                assertThat(r.stdoutText().strip())
                        .as(filter.getKey() + ", " + network + ": " + r)
                        .isEqualTo(String.format(REFUSED, p));
                assertThat(r.seccompViolation())
                        .as("the guard's refusals are answers, not violations: " + r)
                        .isFalse();
            }
        }
        assertThat(learner.syscalls())
                .as("refused before learn mode could let them through")
                .contains("brk")
                .doesNotContain("socket", "socketpair", "io_uring_setup");

        // A pre-warmed sandbox gets its plan ahead of the run, the same plan.
        int warm = port + 2 * run++;
        try (Sandbox sandbox =
                Sandbox.create(view(SandboxConfig.builder(), bin)).prewarm(1)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sandbox.prewarmed() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(sandbox.prewarmed()).as("a sandbox made ahead").isEqualTo(1);
            SandboxResult r = sandbox.run(List.of("/attack/vsock", Integer.toString(warm)));
            assertThat(r.stdoutText().strip()).as("pre-warmed: " + r).isEqualTo(String.format(REFUSED, warm));
        }

        // The host's network: nothing to keep apart, so nothing refused (documented).
        int p = port + 2 * run;
        SandboxResult shared = run(SandboxConfig.builder().network(Network.host()), bin, p);
        assertThat(shared.stdoutText())
                .as(shared.toString())
                .contains("socket-bad-type EINVAL", "socketpair-bad-type EINVAL", "io_uring_setup reached");
        if (VSOCK_HERE) {
            assertThat(shared.stdoutText())
                    .contains("vsock:" + p + " reached listening", "io_uring:" + (p + 1) + " reached listening");
        }
    }

    private static SandboxConfig view(SandboxBuilder b, Path bin) {
        return b.filesystem(FilesystemView.defaults()
                        .roBind(bin.getParent(), Path.of("/attack"))
                        .build())
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    private static SandboxResult run(SandboxBuilder b, Path bin, int port) throws Exception {
        try (Sandbox sandbox = Sandbox.create(view(b, bin))) {
            SandboxResult r = sandbox.run(List.of("/attack/vsock", Integer.toString(port)));
            assertThat(r.exitCode()).as(r.toString()).hasValue(0);
            return r;
        }
    }
}
