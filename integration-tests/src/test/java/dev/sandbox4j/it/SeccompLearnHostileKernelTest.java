package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompLearner;
import dev.sandbox4j.it.SandboxCtlProcess.Result;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learn mode against a hostile program ({@code hostile/learn.c}): whatever it calls while it is learned from is in
 * the learned profile, so calls that reach past the sandbox's other walls (mount, ptrace) and a call the base allows
 * for some arguments only (personality) must be named, and each run in learn mode must say that its filter refused
 * nothing. A sandbox without a learner is not in learn mode: the same program is killed.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class SeccompLearnHostileKernelTest {

    @Test
    void whatAHostileProgramCalledWhileLearnedFromIsNamedBeforeItIsEnforced(@TempDir Path scratch) throws Exception {
        KernelTestSupport.requireFeature(
                Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc to build the attack programs");
        Path bin = HostileFixture.compileAttack(scratch, "learn");
        // Calibration: unconfined (in a mount namespace of its own, so that its mount stays there) every call works.
        String outside = HostileFixture.run(
                List.of("unshare", "--user", "--map-root-user", "--mount", "--propagation", "private", bin.toString()));
        assertThat(outside).contains("personality 0", "ptrace 0", "mount 0", "umount2 0", "unshare 0");

        SandboxBuilder enforced = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .filesystem(FilesystemView.defaults()
                        .roBind(bin.getParent(), Path.of("/attack"))
                        .build())
                .timeout(Duration.ofSeconds(30));
        try (Sandbox sandbox = Sandbox.create(enforced.build())) {
            SandboxResult r = sandbox.run(List.of("/attack/learn"));
            assertThat(r.seccompViolation())
                    .as("no learner, no learn mode: " + r)
                    .isTrue();
            assertThat(r.degradations()).isEmpty();
        }

        SeccompLearner learner = new SeccompLearner();
        try (Sandbox sandbox = Sandbox.create(enforced.seccompLearning(learner).build())) {
            SandboxResult r = sandbox.run(List.of("/attack/learn"));
            assertThat(r.stdoutText())
                    .as(r.toString())
                    .contains("personality 0", "ptrace 0")
                    .contains("unshare -1"); // the base's own refusal holds in learn mode too
            assertThat(r.degradations())
                    .as("a run whose filter refused nothing says so")
                    .anyMatch(d -> d.startsWith("seccomp: learn mode"));
        }
        assertThat(learner.syscalls()).contains("mount", "personality", "ptrace", "umount2");
        assertThat(learner.syscalls()).doesNotContain("unshare");
        assertThat(learner.dangerous()).containsExactly("mount", "ptrace", "umount2");
        assertThat(learner.widened(SeccompProfile.MINIMAL.filter())).containsExactly("personality");

        Path profile = scratch.resolve("learned.json");
        Result learn = cli(
                scratch,
                "seccomp",
                "learn",
                "-s",
                "minimal",
                "-o",
                profile.toString(),
                "--ro-bind",
                bin.getParent() + ":/attack",
                "--",
                "/attack/learn");
        System.out.printf("[measured] sandbox-ctl seccomp learn:%n%s", learn.stderr());
        assertThat(learn.status()).as(learn.stderr()).isZero();
        assertThat(learn.stderr())
                .contains("LEARN MODE, for trusted programs only")
                .contains("WARNING: the profile now allows mount, ptrace, umount2,")
                .contains("WARNING: 'minimal' allows personality with some arguments only; the profile allows them "
                        + "with any");
        assertThat(Files.readString(profile)).contains("\"ptrace\"", "\"mount\"", "\"personality\"");
    }

    /** sandbox-ctl in a JVM of its own, in {@code dir}. */
    private static Result cli(Path dir, String... args) throws Exception {
        return SandboxCtlProcess.of(args).in(dir).run();
    }
}
