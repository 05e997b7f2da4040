package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.ArgCondition;
import dev.sandbox4j.seccomp.BpfInterpreter;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompData;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SeccompSupervisionTest {
    private static final Architecture X86 = Architecture.X86_64;

    @AfterEach
    void switchBack() {
        System.clearProperty(SeccompSupervision.SWITCH);
    }

    private static LauncherEvent.Violation call(boolean workload, boolean killed, int arch, int nr, long... args) {
        long[] six = new long[6];
        System.arraycopy(args, 0, six, 0, args.length);
        return new LauncherEvent.Violation(workload, killed, 1234, nr, arch, 0x401000, six);
    }

    @Test
    void killingProfilesAreSupervisedWithAKillAndTheirRefusalNotifies() {
        SeccompSupervision s = SeccompSupervision.decide(SeccompProfile.MINIMAL.filter(), X86, true)
                .orElseThrow();
        assertThat(s.response()).isZero();
        BpfProgram compiled = SeccompProfile.MINIMAL.filter().compile(X86);
        BpfInterpreter notifying = BpfInterpreter.of(s.program(compiled));
        assertThat(notifying
                        .run(SeccompData.of(X86, X86.syscalls().numberOf("mkdir")))
                        .action())
                .isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(notifying
                        .run(SeccompData.of(X86, X86.syscalls().numberOf("clone3")))
                        .action())
                .as("a deliberate answer stays the kernel's")
                .isEqualTo(SeccompAction.errno(38));
        assertThat(notifying
                        .run(SeccompData.of(X86, X86.syscalls().numberOf("getppid")))
                        .action())
                .isEqualTo(SeccompAction.ALLOW);
    }

    @Test
    void learnModeLetsTheRefusalsRunAndRecordsThemByName() {
        SeccompSupervision s = SeccompSupervision.decide(SeccompProfile.MINIMAL.filter(), X86, true)
                .orElseThrow()
                .learning();
        assertThat(s.response()).isEqualTo(Wire.NOTIFY_CONTINUE);
        SeccompLearner learner = new SeccompLearner();
        long[] none = new long[6];
        learner.record(new LauncherEvent.Learned(1, X86.syscalls().numberOf("mkdir"), X86.auditArch(), 0, none));
        learner.record(new LauncherEvent.Learned(1, X86.syscalls().numberOf("unlink"), X86.auditArch(), 0, none));
        learner.record(new LauncherEvent.Learned(1, 5, 0x40000003, 0, none)); // i386: killed, never let through
        assertThat(learner.syscalls()).containsExactly("mkdir", "unlink");
        SeccompFilter learned = learner.learnedFilter(SeccompProfile.MINIMAL.filter());
        assertThat(learned.evaluate(X86, SeccompData.of(X86, X86.syscalls().numberOf("mkdir"))))
                .isEqualTo(SeccompAction.ALLOW);
        assertThat(learned.evaluate(X86, SeccompData.of(X86, X86.syscalls().numberOf("rmdir"))))
                .isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void learningWithoutAFilterOrWhereNothingCanBeSupervisedIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SandboxConfig.builder()
                        .seccompLearning(new SeccompLearner())
                        .build())
                .hasMessageContaining("needs a seccomp filter");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SandboxConfig.builder()
                        .seccomp(SeccompProfile.UNRESTRICTED)
                        .seccompLearning(new SeccompLearner())
                        .build())
                .hasMessageContaining("a filter whose default action");
    }

    @Test
    void anErrnoDefaultIsAnsweredWithThatErrno() {
        SeccompFilter eperm = SeccompProfile.MINIMAL.filter().toBuilder()
                .defaultAction(SeccompAction.errno(1))
                .build();
        assertThat(SeccompSupervision.decide(eperm, X86, true).orElseThrow().response())
                .isEqualTo(1);
    }

    @Test
    void whatCannotBeSupervisedKeepsTheKernelsRefusal() {
        assertThat(SeccompSupervision.decide(SeccompProfile.MINIMAL.filter(), X86, false))
                .as("no user_notif")
                .isEmpty();
        assertThat(SeccompSupervision.decide(SeccompProfile.UNRESTRICTED.filter(), X86, true))
                .as("refuses nothing")
                .isEmpty();
        assertThat(SeccompSupervision.decide(
                        SeccompFilter.builder()
                                .defaultAction(SeccompAction.TRAP)
                                .allow("execve", "write", "exit_group")
                                .build(),
                        X86,
                        true))
                .as("a trap a handler may catch")
                .isEmpty();
        assertThat(SeccompSupervision.decide(
                        SeccompFilter.builder().allow("execve", "exit_group").build(), X86, true))
                .as("the failure path's write would wait for a listener not handed over yet")
                .isEmpty();
        assertThat(SeccompSupervision.decide(
                        SeccompProfile.MINIMAL.filter().toBuilder()
                                .remove("write")
                                .allowIf("write", ArgCondition.arg32(0).le(2))
                                .build(),
                        X86,
                        true))
                .as("a conditional write")
                .isEmpty();
        System.setProperty(SeccompSupervision.SWITCH, "false");
        assertThat(SeccompSupervision.decide(SeccompProfile.MINIMAL.filter(), X86, true))
                .as("the switch")
                .isEmpty();
    }

    @Test
    void describesTheCallInTheFiltersTerms() {
        SeccompSupervision s = SeccompSupervision.decide(SeccompProfile.MINIMAL.filter(), X86, true)
                .orElseThrow();
        SeccompViolation mkdir =
                s.describe(call(true, true, X86.auditArch(), X86.syscalls().numberOf("mkdir"), 7));
        assertThat(mkdir.syscall()).isEqualTo("mkdir");
        assertThat(mkdir.arch()).isEqualTo("x86_64");
        assertThat(mkdir.arguments()).isEmpty();
        assertThat(mkdir.action()).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(mkdir.programProcess()).isTrue();
        assertThat(mkdir.permittedBy()).hasValue(SeccompProfile.IO_HEAVY);

        SeccompViolation personality =
                s.describe(call(false, true, X86.auditArch(), X86.syscalls().numberOf("personality"), 0x0040000));
        assertThat(personality.arguments()).containsExactly(java.util.Map.entry(0, 0x0040000L));
        assertThat(personality.permittedBy()).hasValue(SeccompProfile.UNRESTRICTED);
        assertThat(personality.programProcess()).isFalse();

        SeccompViolation x32 = s.describe(call(true, true, X86.auditArch(), 0x40000000 | 39));
        assertThat(x32.syscall()).isEqualTo("x32 getpid");
        assertThat(x32.permittedBy()).isEmpty();
        SeccompViolation i386 = s.describe(call(true, true, 0x40000003, 20));
        assertThat(i386.syscall()).isEqualTo("syscall 20 of arch 0x40000003");
        assertThat(i386.arch()).isEqualTo("0x40000003");
        assertThat(i386.permittedBy()).isEmpty();
    }
}
