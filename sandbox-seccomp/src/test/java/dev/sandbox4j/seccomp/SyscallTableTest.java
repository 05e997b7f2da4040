package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SeccompException;
import org.junit.jupiter.api.Test;

class SyscallTableTest {
    private final SyscallTable x86 = SyscallTable.of(Architecture.X86_64);
    private final SyscallTable arm = SyscallTable.of(Architecture.AARCH64);

    @Test
    void holdsEverySyscallOfTheHeadersNotASubset() {
        // Linux 6.1 UAPI headers: 362 names on x86_64, 306 in the generic table as arm64 configures it.
        assertThat(x86.size()).isEqualTo(362);
        assertThat(arm.size()).isEqualTo(306);
        assertThat(x86.highestNumber()).isEqualTo(450);
        assertThat(arm.highestNumber()).isEqualTo(450);
    }

    @Test
    void mapsNamesAndNumbersBothWays() {
        assertThat(x86.numberOf("read")).isZero();
        assertThat(x86.numberOf("openat")).isEqualTo(257);
        assertThat(arm.numberOf("openat")).isEqualTo(56);
        assertThat(arm.numberOf("renameat")).isEqualTo(38);
        assertThat(x86.nameOf(60)).contains("exit");
        assertThat(arm.nameOf(93)).contains("exit");
        assertThat(x86.nameOf(400)).isEmpty();
        for (var e : x86.byNumber().entrySet()) {
            assertThat(x86.numberOf(e.getValue())).isEqualTo(e.getKey());
        }
        // Syscalls added since 5.1 share their numbers on every architecture.
        assertThat(arm.numberOf("clone3")).isEqualTo(x86.numberOf("clone3")).isEqualTo(435);
    }

    @Test
    void legacyCallsExistOnlyOnX86() {
        for (String legacy : new String[] {
            "open",
            "stat",
            "access",
            "creat",
            "fork",
            "vfork",
            "pipe",
            "dup2",
            "poll",
            "select",
            "getdents",
            "rename",
            "arch_prctl"
        }) {
            assertThat(x86.contains(legacy)).as(legacy).isTrue();
            assertThat(arm.contains(legacy)).as(legacy).isFalse();
        }
    }

    @Test
    void unknownNameIsAnErrorNamingSyscallAndArchitecture() {
        assertThatThrownBy(() -> arm.numberOf("open"))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("'open'")
                .hasMessageContaining("aarch64");
        assertThat(x86.find("no_such_call")).isEmpty();
    }

    @Test
    void architectureComesFromOsArch() {
        assertThat(Architecture.fromOsArch("amd64")).isEqualTo(Architecture.X86_64);
        assertThat(Architecture.fromOsArch("aarch64")).isEqualTo(Architecture.AARCH64);
        assertThatThrownBy(() -> Architecture.fromOsArch("riscv64"))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining("riscv64");
        assertThat(Architecture.X86_64.auditArch()).isEqualTo(0xC000003E);
        assertThat(Architecture.AARCH64.auditArch()).isEqualTo(0xC00000B7);
        assertThat(Architecture.current()).isIn((Object[]) Architecture.values());
    }
}
