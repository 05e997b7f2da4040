package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A supervised program refuses through USER_NOTIF, and permitted calls take exactly the path they took before. */
class ReturnReplacementTest {

    @Test
    void onlyTheRefusalChangesAndEveryPermittedCallRunsTheSameInstructions() {
        for (Architecture arch : Architecture.values()) {
            for (SeccompProfile profile : SeccompProfile.values()) {
                BpfProgram original = profile.filter().compile(arch);
                BpfProgram notifying =
                        original.withReturnReplaced(SeccompAction.KILL_PROCESS, SeccompAction.USER_NOTIF);
                assertThat(notifying.length()).isEqualTo(original.length());
                BpfInterpreter before = BpfInterpreter.of(original);
                BpfInterpreter after = BpfInterpreter.of(notifying);
                for (int nr = 0; nr <= arch.syscalls().highestNumber() + 8; nr++) {
                    for (long arg : new long[] {0, 1, 0x5412, 0x7E020000L, 0xffffffffL, -1L}) {
                        SeccompData call = SeccompData.of(arch, nr, arg, arg, arg, arg, arg, arg);
                        BpfInterpreter.Execution b = before.run(call);
                        BpfInterpreter.Execution a = after.run(call);
                        assertThat(a.instructionsExecuted()).isEqualTo(b.instructionsExecuted());
                        SeccompAction expected =
                                b.action().equals(SeccompAction.KILL_PROCESS) ? SeccompAction.USER_NOTIF : b.action();
                        assertThat(a.action())
                                .as("%s %s nr %d arg %x", arch, profile, nr, arg)
                                .isEqualTo(expected);
                    }
                }
                // the foreign-architecture and x32 kills are refusals too
                assertThat(after.run(SeccompData.of(arch, 0x40000027)).action())
                        .isEqualTo(
                                arch.hasX32Abi()
                                        ? SeccompAction.USER_NOTIF
                                        : before.run(SeccompData.of(arch, 0x40000027))
                                                .action());
                assertThat(after.run(new SeccompData(0x40000003, 20, 0)).action())
                        .isEqualTo(SeccompAction.USER_NOTIF);
            }
        }
    }

    @Test
    void anErrnoDefaultBecomesANotificationAndOtherErrnosStay() {
        SeccompFilter filter = SeccompFilter.builder()
                .defaultAction(SeccompAction.errno(1))
                .allow("read")
                .rule("write", SeccompAction.errno(13))
                .build();
        Architecture arch = Architecture.X86_64;
        BpfInterpreter after = BpfInterpreter.of(
                filter.compile(arch).withReturnReplaced(SeccompAction.errno(1), SeccompAction.USER_NOTIF));
        SyscallTable t = arch.syscalls();
        assertThat(after.run(SeccompData.of(arch, t.numberOf("mkdir"))).action())
                .isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(after.run(SeccompData.of(arch, t.numberOf("write"))).action())
                .isEqualTo(SeccompAction.errno(13));
        assertThat(after.run(SeccompData.of(arch, t.numberOf("read"))).action()).isEqualTo(SeccompAction.ALLOW);
    }
}
