package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.Architecture.AARCH64;
import static dev.sandbox4j.seccomp.Architecture.X86_64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SeccompException;
import org.junit.jupiter.api.Test;

class SeccompFilterTest {
    private static SeccompAction decide(SeccompFilter filter, Architecture arch, String syscall, long... args) {
        SeccompData call = SeccompData.of(arch, arch.syscalls().numberOf(syscall), args);
        SeccompAction compiled =
                BpfInterpreter.of(filter.compile(arch)).run(call).action();
        assertThat(compiled).as("compiled vs rules for %s", syscall).isEqualTo(filter.evaluate(arch, call));
        return compiled;
    }

    @Test
    void emptyFilterKillsEverything() {
        SeccompFilter f = SeccompFilter.builder().build();
        assertThat(f.defaultAction()).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(f, X86_64, "exit_group")).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void blockBeatsAllowWhateverTheOrder() {
        SeccompFilter a =
                SeccompFilter.builder().allow("read", "write").block("write").build();
        SeccompFilter b =
                SeccompFilter.builder().block("write").allow("read", "write").build();
        assertThat(decide(a, X86_64, "write")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(b, X86_64, "write")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(a, X86_64, "read")).isEqualTo(SeccompAction.ALLOW);
        SeccompFilter fromProfile = SeccompFilter.fromProfile(SeccompProfile.MINIMAL).toBuilder()
                .block("write")
                .build();
        assertThat(decide(fromProfile, X86_64, "write")).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void blockUsesTheDefaultActionUnlessThatLetsCallsRun() {
        SeccompFilter errno = SeccompFilter.builder()
                .defaultAction(SeccompAction.errno(1))
                .allow("read")
                .block("read")
                .build();
        assertThat(decide(errno, X86_64, "read")).isEqualTo(SeccompAction.errno(1));
        SeccompFilter allowAll = SeccompFilter.builder()
                .defaultAction(SeccompAction.ALLOW)
                .block("ptrace")
                .build();
        assertThat(decide(allowAll, X86_64, "ptrace")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(allowAll, X86_64, "mount")).isEqualTo(SeccompAction.ALLOW);
    }

    @Test
    void conditionalRulesAreTriedInLibseccompsOrder() {
        SeccompFilter f = SeccompFilter.builder()
                .allow("openat")
                .rule("openat", SeccompAction.errno(13), ArgCondition.arg32(2).maskedNe(3, 0)) // O_WRONLY|O_RDWR
                .rule("openat", SeccompAction.errno(30), ArgCondition.arg32(2).maskedEq(3, 1))
                .rule("openat", SeccompAction.LOG, ArgCondition.arg(0).eq(7))
                .build();
        // arg2 before arg0; of the two masked tests on arg2 the larger value (1) first
        assertThat(decide(f, X86_64, "openat", 7, 0, 0)).isEqualTo(SeccompAction.LOG);
        assertThat(decide(f, X86_64, "openat", 7, 0, 1)).isEqualTo(SeccompAction.errno(30));
        assertThat(decide(f, X86_64, "openat", 0, 0, 2)).isEqualTo(SeccompAction.errno(13));
        assertThat(decide(f, X86_64, "openat", 0, 0, 0)).isEqualTo(SeccompAction.ALLOW);
    }

    /** Issue 19's example, from libseccomp's own regression tests: nested ranges, the narrowest first. */
    @Test
    void nestedRangesPickTheNarrowestWhateverTheOrderAdded() {
        for (boolean reversed : new boolean[] {false, true}) {
            SeccompFilter.Builder b = SeccompFilter.builder();
            java.util.List<Runnable> adds = new java.util.ArrayList<>();
            adds.add(() -> b.allowIf("read", ArgCondition.arg(2).le(64)));
            for (int i = 0; i < 8; i++) {
                int errno = 5 + i;
                long above = 128L << i;
                adds.add(() -> b.rule(
                        "read", SeccompAction.errno(errno), ArgCondition.arg(2).gt(above)));
            }
            if (reversed) {
                java.util.Collections.reverse(adds);
            }
            adds.forEach(Runnable::run);
            SeccompFilter f = b.build();
            assertThat(decide(f, X86_64, "read", 0, 0, 300)).isEqualTo(SeccompAction.errno(6));
            assertThat(decide(f, X86_64, "read", 0, 0, 64)).isEqualTo(SeccompAction.ALLOW);
            assertThat(decide(f, X86_64, "read", 0, 0, 100)).isEqualTo(SeccompAction.KILL_PROCESS);
            assertThat(decide(f, X86_64, "read", 0, 0, 16385)).isEqualTo(SeccompAction.errno(12));
            assertThat(decide(f, X86_64, "read", 0, 0, 1L << 40)).isEqualTo(SeccompAction.errno(12));
        }
    }

    @Test
    void differentKindsOfActionFollowTheSameOrder() {
        SeccompFilter f = SeccompFilter.builder()
                .rule("read", SeccompAction.TRAP, ArgCondition.arg(0).gt(10))
                .allowIf("read", ArgCondition.arg(0).lt(20))
                .build();
        assertThat(decide(f, X86_64, "read", 15)).isEqualTo(SeccompAction.ALLOW); // "<" before ">"
        assertThat(decide(f, X86_64, "read", 25)).isEqualTo(SeccompAction.TRAP);
        // a stronger unconditional rule still wins: block beats allow
        SeccompFilter blocked = f.toBuilder().block("read").build();
        assertThat(decide(blocked, X86_64, "read", 15)).isEqualTo(SeccompAction.KILL_PROCESS);
        // same conditions, different actions (libseccomp refuses these): the strongest
        SeccompFilter same = SeccompFilter.builder()
                .allowIf("read", ArgCondition.arg(0).eq(1))
                .rule("read", SeccompAction.errno(1), ArgCondition.arg(0).eq(1))
                .build();
        assertThat(decide(same, X86_64, "read", 1)).isEqualTo(SeccompAction.errno(1));
    }

    @Test
    void rulesCanNameSyscallsByNumber() {
        SeccompFilter f = SeccompFilter.builder()
                .allow("read")
                .rule(1000, SeccompAction.errno(0)) // newer than the table
                .rule(0, SeccompAction.errno(5), ArgCondition.arg(0).eq(7)) // read on x86_64
                .build();
        SeccompData unknown = SeccompData.of(X86_64, 1000);
        assertThat(BpfInterpreter.of(f.compile(X86_64)).run(unknown).action()).isEqualTo(SeccompAction.errno(0));
        assertThat(f.evaluate(X86_64, unknown)).isEqualTo(SeccompAction.errno(0));
        assertThat(decide(f, X86_64, "read", 7)).isEqualTo(SeccompAction.errno(5)); // joins read's rules
        assertThat(decide(f, X86_64, "read", 8)).isEqualTo(SeccompAction.ALLOW);
        SeccompData next = SeccompData.of(X86_64, 1001);
        assertThat(BpfInterpreter.of(f.compile(X86_64)).run(next).action()).isEqualTo(SeccompAction.errno(38));
        assertThat(f.rulesFor("#1000")).hasSize(1);
        assertThatThrownBy(() -> SeccompFilter.builder().rule(0x40000000, SeccompAction.ALLOW))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("0x3fffffff");
    }

    @Test
    void everyDefaultActionCompiles() {
        for (SeccompAction action : new SeccompAction[] {
            SeccompAction.KILL_PROCESS,
            SeccompAction.KILL_THREAD,
            SeccompAction.TRAP,
            SeccompAction.errno(1),
            SeccompAction.LOG,
            SeccompAction.USER_NOTIF,
            SeccompAction.ALLOW
        }) {
            SeccompFilter f =
                    SeccompFilter.builder().defaultAction(action).allow("read").build();
            assertThat(decide(f, X86_64, "write")).isEqualTo(action);
            assertThat(decide(f, AARCH64, "write")).isEqualTo(action);
        }
    }

    @Test
    void numbersNewerThanTheTableGetTheUnknownSyscallAction() {
        SeccompFilter f = SeccompFilter.builder().allow("read").build();
        BpfInterpreter interpreter = BpfInterpreter.of(f.compile(X86_64));
        // 451 = cachestat (Linux 6.5), 462 = mseal (6.10): newer than the 6.1 table.
        assertThat(interpreter.run(X86_64.auditArch(), 462, 0).action()).isEqualTo(SeccompAction.errno(38));
        assertThat(interpreter.run(X86_64.auditArch(), 400, 0).action()).isEqualTo(SeccompAction.errno(38));
        SeccompFilter killUnknown =
                f.toBuilder().unknownSyscallAction(SeccompAction.KILL_PROCESS).build();
        assertThat(BpfInterpreter.of(killUnknown.compile(X86_64))
                        .run(X86_64.auditArch(), 462, 0)
                        .action())
                .isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void unknownNamesAreErrorsNamingSyscallAndArchitectures() {
        assertThatThrownBy(() -> SeccompFilter.builder().allow("opne"))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("'opne'")
                .hasMessageContaining("x86_64")
                .hasMessageContaining("aarch64");
        assertThatThrownBy(() -> SeccompFilter.builder().block("waitpid"))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("'waitpid'");
    }

    @Test
    void namesOfTheOtherArchitectureAreSkippedWhereTheyCannotBeCalled() {
        SeccompFilter f = SeccompFilter.builder().allow("open", "openat").build();
        assertThat(f.permittedSyscalls(AARCH64)).containsExactly("openat");
        assertThat(f.permittedSyscalls(X86_64)).containsExactly("open", "openat");
        assertThat(decide(f, AARCH64, "openat")).isEqualTo(SeccompAction.ALLOW);
    }

    @Test
    void toBuilderRoundTripsAndRemoveForgetsRules() {
        SeccompFilter minimal = SeccompProfile.MINIMAL.filter();
        assertThat(minimal.toBuilder().build()).isEqualTo(minimal).hasSameHashCodeAs(minimal);
        SeccompFilter noIoctl = minimal.toBuilder().remove("ioctl").build();
        assertThat(noIoctl.rulesFor("ioctl")).isEmpty();
        assertThat(decide(noIoctl, X86_64, "ioctl", 1, 0x5401)).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(minimal.rulesFor("ioctl")).hasSize(3);
    }

    @Test
    void largeSubtreesAreJumpedOverWithJa() {
        SeccompFilter.Builder b = SeccompFilter.builder();
        for (String name : X86_64.syscalls().names()) {
            b.allowIf(name, ArgCondition.arg(1).lt(name.length() + (1L << 32)));
        }
        SeccompFilter filter = b.build();
        BpfProgram program = filter.compile(X86_64);
        assertThat(program.instructions()).anyMatch(i -> i.code() == Bpf.JMP_JA);
        BpfInterpreter interpreter = BpfInterpreter.of(program);
        for (SeccompData call : Probes.all(filter, X86_64)) {
            assertThat(interpreter.run(call).action()).as("%s", call).isEqualTo(filter.evaluate(X86_64, call));
        }
    }

    @Test
    void programsOverTheKernelLimitAreRejectedClearly() {
        SeccompFilter.Builder b = SeccompFilter.builder();
        for (String name : X86_64.syscalls().names()) {
            for (int i = 0; i < 3; i++) {
                b.allowIf(name, ArgCondition.arg(i).eq(i + 1L << 32 | i));
            }
        }
        assertThatThrownBy(() -> b.build().compile(X86_64))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("4096")
                .hasMessageContaining("x86_64");
    }

    @Test
    void actionsValidateAndPrint() {
        assertThatThrownBy(() -> SeccompAction.errno(-1)).isInstanceOf(InvalidConfigException.class);
        assertThat(SeccompAction.errno(0).returnValue()).isEqualTo(0x00050000); // "succeeds" without running
        assertThat(SeccompAction.parse("ERRNO(0)")).isEqualTo(SeccompAction.errno(0));
        assertThatThrownBy(() -> SeccompAction.errno(4096)).isInstanceOf(InvalidConfigException.class);
        assertThat(SeccompAction.errno(1).returnValue()).isEqualTo(0x00050001);
        assertThat(SeccompAction.KILL_PROCESS.returnValue()).isEqualTo(0x80000000);
        assertThat(SeccompAction.fromReturnValue(0x00051388)).isEqualTo(SeccompAction.errno(4095)); // capped
        assertThat(SeccompAction.fromReturnValue(0x12340000)).isEqualTo(SeccompAction.KILL_PROCESS); // unknown
        assertThat(SeccompAction.parse("errno(13)")).isEqualTo(SeccompAction.errno(13));
        assertThat(SeccompAction.parse("kill_thread")).isEqualTo(SeccompAction.KILL_THREAD);
        assertThat(SeccompAction.errno(1).describe()).isEqualTo("ERRNO(1) EPERM");
        assertThat(SeccompAction.KILL_PROCESS.precedence()).isGreaterThan(SeccompAction.KILL_THREAD.precedence());
        assertThat(SeccompAction.LOG.precedence()).isGreaterThan(SeccompAction.ALLOW.precedence());
    }
}
