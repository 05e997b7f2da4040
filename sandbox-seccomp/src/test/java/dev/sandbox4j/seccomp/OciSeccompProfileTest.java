package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.Architecture.X86_64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SeccompException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OciSeccompProfileTest {
    private static OciSeccompProfile parse(String json) {
        return OciSeccompProfile.parse(json.replace('\'', '"'), "test.json", X86_64, "6.1.0-13-amd64");
    }

    private static SeccompAction decide(SeccompFilter f, String syscall, long... args) {
        SeccompData call = SeccompData.of(X86_64, X86_64.syscalls().numberOf(syscall), args);
        SeccompAction compiled = BpfInterpreter.of(f.compile(X86_64)).run(call).action();
        assertThat(compiled).isEqualTo(f.evaluate(X86_64, call));
        return compiled;
    }

    @Test
    void readsActionsErrnosAndEveryComparison() {
        SeccompFilter f = parse("""
                {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,
                 'syscalls': [
                  {'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},
                  {'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 0},
                  {'names': ['kill'], 'action': 'SCMP_ACT_KILL'},
                  {'names': ['tkill'], 'action': 'SCMP_ACT_KILL_PROCESS'},
                  {'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO'},
                  {'names': ['lseek'], 'action': 'SCMP_ACT_ALLOW', 'args': [
                     {'index': 2, 'value': 1, 'op': 'SCMP_CMP_LE'}, {'index': 1, 'value': 18446744073709551615,
                      'valueTwo': 0, 'op': 'SCMP_CMP_NE'}]},
                  {'names': ['clone'], 'action': 'SCMP_ACT_ALLOW', 'args': [
                     {'index': 0, 'value': 2114060288, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},
                  {'names': ['dup'], 'action': 'SCMP_ACT_TRAP', 'args': [{'index': 0, 'value': 5, 'op': 'SCMP_CMP_GT'}]},
                  {'names': ['dup'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 3, 'op': 'SCMP_CMP_GE'}]},
                  {'names': ['dup'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 2, 'op': 'SCMP_CMP_LT'}]},
                  {'names': ['dup'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 2, 'op': 'SCMP_CMP_EQ'}]}
                 ]}""").filter();
        assertThat(decide(f, "read")).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "openat")).isEqualTo(SeccompAction.errno(38));
        assertThat(decide(f, "getpid")).isEqualTo(SeccompAction.errno(0));
        assertThat(decide(f, "kill")).isEqualTo(SeccompAction.KILL_THREAD); // libseccomp's SCMP_ACT_KILL
        assertThat(decide(f, "tkill")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(f, "mkdir")).isEqualTo(SeccompAction.errno(1)); // runc's EPERM without errnoRet
        assertThat(decide(f, "lseek", 0, 5, 1)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "lseek", 0, -1, 1)).isEqualTo(SeccompAction.errno(38));
        assertThat(decide(f, "lseek", 0, 5, 2)).isEqualTo(SeccompAction.errno(38));
        assertThat(decide(f, "clone", 0x11)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "clone", 0x10000000)).isEqualTo(SeccompAction.errno(38));
        assertThat(decide(f, "dup", 6)).isEqualTo(SeccompAction.TRAP);
        assertThat(decide(f, "dup", 4)).isEqualTo(SeccompAction.LOG);
        assertThat(decide(f, "dup", 1)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "dup", 2)).isEqualTo(SeccompAction.ALLOW);
        // Numbers the table does not name get the default action, as in libseccomp.
        assertThat(f.unknownSyscallAction()).isEqualTo(SeccompAction.errno(38));
    }

    @Test
    void anUnconditionalRuleReplacesTheSyscallsConditionalRulesAsInLibseccomp() {
        // sandbox4j's own rules would keep ERRNO for TIOCSTI beside allow("ioctl"); libseccomp (and so a
        // container runtime) allows every ioctl, and so does the import.
        OciSeccompProfile p = parse("""
                {'defaultAction': 'SCMP_ACT_KILL_PROCESS', 'syscalls': [
                  {'names': ['ioctl'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1,
                   'args': [{'index': 1, 'value': 21522, 'op': 'SCMP_CMP_EQ'}]},
                  {'names': ['ioctl'], 'action': 'SCMP_ACT_ALLOW'},
                  {'names': ['ioctl'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 5}]}""");
        assertThat(decide(p.filter(), "ioctl", 0, 21522)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(p.filter(), "ioctl", 0, 1)).isEqualTo(SeccompAction.ALLOW);
        assertThat(p.notes()).anyMatch(n -> n.contains("ioctl") && n.contains("$.syscalls[1]"));
    }

    @Test
    void severalConditionsOnOneArgumentAreSeparateRulesAsRuncAddsThem() {
        SeccompFilter f = parse("""
                {'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [
                  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': [
                    {'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ'}, {'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}
                """).filter();
        assertThat(decide(f, "personality", 0)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "personality", 8)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "personality", 9)).isEqualTo(SeccompAction.errno(1));
    }

    @Test
    void includesAndExcludesAreEvaluatedForNoCapabilitiesThisArchitectureAndTheKernel() {
        OciSeccompProfile p = parse("""
                {'defaultAction': 'SCMP_ACT_ERRNO', 'archMap': [{'architecture': 'SCMP_ARCH_X86_64',
                   'subArchitectures': ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']}],
                 'syscalls': [
                  {'names': ['chroot'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'caps': ['CAP_SYS_CHROOT']}},
                  {'names': ['acct'], 'action': 'SCMP_ACT_KILL_PROCESS', 'excludes': {'caps': ['CAP_SYS_PACCT']}},
                  {'names': ['arch_prctl'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'arches': ['amd64', 'x32']}},
                  {'names': ['getcpu'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'arches': ['arm64']}},
                  {'names': ['gettid'], 'action': 'SCMP_ACT_ALLOW', 'excludes': {'arches': ['amd64']}},
                  {'names': ['getpid'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'minKernel': '6.1'}},
                  {'names': ['getppid'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'minKernel': '6.2'}},
                  {'names': ['getuid'], 'action': 'SCMP_ACT_ALLOW', 'excludes': {'minKernel': '5.4'}},
                  {'names': ['arm_fadvise64_64', 'no_such_call', 'read'], 'action': 'SCMP_ACT_ALLOW'}]}""");
        SeccompFilter f = p.filter();
        assertThat(decide(f, "chroot")).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(f, "acct")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(f, "arch_prctl")).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "getcpu")).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(f, "gettid")).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(f, "getpid")).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(f, "getppid")).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(f, "getuid")).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(f, "read")).isEqualTo(SeccompAction.ALLOW);
        assertThat(p.notes())
                .anyMatch(n -> n.contains("arm_fadvise64_64, no_such_call"))
                .anyMatch(n -> n.contains("SCMP_ARCH_X32, SCMP_ARCH_X86 are killed"));
        // An i386 call is killed, not decided by the rules.
        assertThat(f.evaluate(X86_64, new SeccompData(0x40000003, 0, 0, new long[6])))
                .isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void refusesWhatItCannotHonourNamingThePathAndValue() {
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_TRACE'}]}",
                "$.syscalls[0].action 'SCMP_ACT_TRACE' is not supported");
        assertRefused("{'defaultAction': 'SCMP_ACT_NOTIFY'}", "$.defaultAction 'SCMP_ACT_NOTIFY' is not supported");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'listenerPath': '/run/agent.sock'}",
                "$.listenerPath is \"/run/agent.sock\"");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'flags': ['SECCOMP_FILTER_FLAG_SPEC_ALLOW']}",
                "$.flags[0] 'SECCOMP_FILTER_FLAG_SPEC_ALLOW' is not supported");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRett': 1}", "$.defaultErrnoRett is not a field");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW',"
                        + " 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}",
                "$.syscalls[0].args[0].index 6 is not");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW',"
                        + " 'args': [{'index': 0, 'value': -1, 'op': 'SCMP_CMP_EQ'}]}]}",
                "$.syscalls[0].args[0].value is -1");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW',"
                        + " 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_MASKED_NE'}]}]}",
                "$.syscalls[0].args[0].op 'SCMP_CMP_MASKED_NE' is not a comparison");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_KILL',"
                        + " 'errnoRet': 1}]}",
                "$.syscalls[0].errnoRet is set but the action is SCMP_ACT_KILL");
        assertRefused(
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                        + "{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}]},"
                        + "{'names': ['read'], 'action': 'SCMP_ACT_TRAP', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}",
                "$.syscalls[1] gives read TRAP under the same argument conditions as $.syscalls[0]");
        assertRefused("{'defaultAction': 'SCMP_ACT_ERRNO',\n 'syscalls': [,]}", "not valid JSON: line 2, column 15");
        assertRefused("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultAction': 'SCMP_ACT_ALLOW'}", "duplicate key");
        assertRefused("{'syscalls': []}", "$ has no defaultAction");
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("seccomp profile test.json: ")
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @EnumSource(SeccompProfile.class)
    void everyBuiltInProfileExportsToAFileThatReadsBackToTheSameDecisions(SeccompProfile profile) {
        SeccompFilter filter = profile.filter();
        for (Architecture arch : Architecture.values()) {
            String json = OciSeccompProfile.toJson(filter, arch);
            assertThat(json).contains(arch == X86_64 ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_AARCH64");
            SeccompFilter back =
                    OciSeccompProfile.parse(json, "export", arch, "6.1").filter();
            for (String name : arch.syscalls().names()) {
                java.util.Set<ArgCondition> conds = new java.util.LinkedHashSet<>();
                filter.rulesFor(name).forEach(r -> conds.addAll(r.conditions()));
                for (long[] args : OciExport.probes(conds)) {
                    SeccompData call = SeccompData.of(arch, arch.syscalls().numberOf(name), args);
                    assertThat(back.evaluate(arch, call))
                            .as("%s %s %s", arch, name, java.util.Arrays.toString(args))
                            .isEqualTo(filter.evaluate(arch, call));
                }
            }
            assertThat(back.permittedSyscalls(arch)).isEqualTo(filter.permittedSyscalls(arch));
        }
    }

    @Test
    void exportKeepsAStrongerConditionalRuleBesideAnUnconditionalOne() {
        SeccompFilter f = SeccompFilter.builder()
                .allow("ioctl")
                .rule("ioctl", SeccompAction.errno(1), ArgCondition.arg(1).eq(0x5412))
                .build();
        String json = OciSeccompProfile.toJson(f, X86_64);
        assertThat(json).contains("\"SCMP_CMP_GE\"");
        SeccompFilter back =
                OciSeccompProfile.parse(json, "export", X86_64, "6.1").filter();
        assertThat(decide(back, "ioctl", 0, 0x5412)).isEqualTo(SeccompAction.errno(1));
        assertThat(decide(back, "ioctl", 0, 0x5413)).isEqualTo(SeccompAction.ALLOW);
    }

    @Test
    void exportRefusesWhatTheFormatCannotSay() {
        SeccompFilter f = SeccompFilter.builder()
                .allowIf("read", ArgCondition.arg32(0).lt(3))
                .build();
        assertThatThrownBy(() -> OciSeccompProfile.toJson(f, X86_64))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("cannot write syscall read");
        SeccompFilter n = SeccompFilter.builder().rule(460, SeccompAction.ALLOW).build();
        assertThatThrownBy(() -> OciSeccompProfile.toJson(n, X86_64)).hasMessageContaining("number 460");
    }
}
