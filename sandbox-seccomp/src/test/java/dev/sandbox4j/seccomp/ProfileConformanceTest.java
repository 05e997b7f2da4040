package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every profile, on both architectures, for every syscall of the table (with argument values at
 * every edge of its rules), every number outside the table, every x32 number and foreign architectures:
 * the compiled program, run by the interpreter, decides exactly as the profile's rules do.
 */
class ProfileConformanceTest {

    static List<Arguments> profilesAndArchitectures() {
        List<Arguments> list = new ArrayList<>();
        for (SeccompProfile p : SeccompProfile.values()) {
            for (Architecture a : Architecture.values()) {
                list.add(Arguments.of(p, a));
            }
        }
        return list;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("profilesAndArchitectures")
    void compiledProgramDecidesEveryCallAsTheRulesDo(SeccompProfile profile, Architecture arch) {
        SeccompFilter filter = profile.filter();
        BpfInterpreter interpreter = BpfInterpreter.of(filter.compile(arch));
        List<String> mismatches = new ArrayList<>();
        List<SeccompData> probes = Probes.all(filter, arch);
        for (SeccompData call : probes) {
            SeccompAction expected = filter.evaluate(arch, call);
            SeccompAction actual = interpreter.run(call).action();
            if (!expected.equals(actual)) {
                mismatches.add(call + ": rules say " + expected + ", program says " + actual);
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(probes.size()).isGreaterThan(arch.syscalls().size());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("profilesAndArchitectures")
    void foreignArchitecturesAndX32AreKilled(SeccompProfile profile, Architecture arch) {
        BpfInterpreter interpreter = BpfInterpreter.of(profile.filter().compile(arch));
        int read = arch.syscalls().numberOf("read");
        int other = arch == Architecture.X86_64 ? Architecture.AARCH64.auditArch() : Architecture.X86_64.auditArch();
        for (int foreign : new int[] {0x40000003, 0x40000028, other}) {
            assertThat(interpreter.run(foreign, read, 0).action()).isEqualTo(SeccompAction.KILL_PROCESS);
        }
        assertThat(interpreter.run(arch.auditArch(), read, 0).action().runsSyscall())
                .isTrue();
        if (arch == Architecture.X86_64) {
            for (int nr : arch.syscalls().byNumber().keySet()) {
                assertThat(interpreter
                                .run(arch.auditArch(), nr | Architecture.X32_SYSCALL_BIT, 0)
                                .action())
                        .as("x32 number of %s", arch.syscalls().nameOf(nr).orElseThrow())
                        .isEqualTo(SeccompAction.KILL_PROCESS);
            }
            // x32 numbers outside 512..547 and the legacy 512..547 x32 range itself
            assertThat(interpreter.run(arch.auditArch(), 0x40000000 | 520, 0).action())
                    .isEqualTo(SeccompAction.KILL_PROCESS);
        }
    }
}
