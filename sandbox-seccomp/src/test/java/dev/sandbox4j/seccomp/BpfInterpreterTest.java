package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SeccompException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfInterpreterTest {
    private static final int ALLOW = SeccompAction.ALLOW.returnValue();

    private static BpfProgram program(BpfInstruction... insns) {
        return new BpfProgram(List.of(insns));
    }

    private static BpfInstruction insn(int code, int jt, int jf, int k) {
        return new BpfInstruction(code, jt, jf, k);
    }

    @Test
    void runsAluMemoryAndIndexRegisterLikeTheKernel() {
        // A = nr; M[0] = A; A = arg0.lo32; A += 5; X = A; A = M[0]; A = A * X; return A
        BpfProgram p = program(
                insn(0x20, 0, 0, 0),
                insn(0x02, 0, 0, 0),
                insn(0x20, 0, 0, 16),
                insn(0x04, 0, 0, 5),
                insn(0x07, 0, 0, 0),
                insn(0x60, 0, 0, 0),
                insn(0x2c, 0, 0, 0),
                insn(0x16, 0, 0, 0));
        BpfInterpreter.Execution e = BpfInterpreter.of(p).run(0, 3, 0, 4);
        assertThat(e.returnValue()).isEqualTo(27);
        assertThat(e.instructionsExecuted()).isEqualTo(8);
    }

    @Test
    void readsBothHalvesOfSixtyFourBitFieldsLittleEndian() {
        SeccompData d = new SeccompData(0xC000003E, 7, 0x1122334455667788L, 1, 2, 3, 4, 5, 0xaabbccdd00112233L);
        assertThat(d.word(8)).isEqualTo(0x55667788);
        assertThat(d.word(12)).isEqualTo(0x11223344);
        assertThat(d.word(56)).isEqualTo(0x00112233);
        assertThat(d.word(60)).isEqualTo(0xaabbccdd);
    }

    @Test
    void refusesWhatTheKernelRefuses() {
        BpfInstruction ret = insn(0x06, 0, 0, ALLOW);
        assertRefused(program(insn(0x20, 0, 0, 0)), "return");
        assertRefused(program(insn(0x20, 0, 0, 2), ret), "aligned");
        assertRefused(program(insn(0x20, 0, 0, 64), ret), "aligned");
        assertRefused(program(insn(0x28, 0, 0, 0), ret), "32-bit"); // BPF_H load
        assertRefused(program(insn(0x15, 1, 0, 0), ret), "beyond");
        assertRefused(program(insn(0x05, 0, 0, 1), ret), "beyond");
        assertRefused(program(insn(0x60, 0, 0, 0), ret), "M[0]");
        assertRefused(program(insn(0x34, 0, 0, 0), ret), "zero");
        assertRefused(program(insn(0x60, 0, 0, 16), ret), "range");
        assertRefused(program(insn(0x8c, 0, 0, 0), ret), "ALU"); // neg x does not exist
        List<BpfInstruction> tooLong = new ArrayList<>();
        for (int i = 0; i < BpfProgram.MAX_INSTRUCTIONS; i++) {
            tooLong.add(insn(0x00, 0, 0, 0));
        }
        tooLong.add(ret);
        assertRefused(new BpfProgram(tooLong), "4096");
    }

    @Test
    void memoryStoredOnOnlyOnePathIsRefused() {
        // if nr == 0 store M[0]; then read M[0] on both paths
        BpfProgram p = program(
                insn(0x20, 0, 0, 0),
                insn(0x15, 0, 1, 0),
                insn(0x02, 0, 0, 0),
                insn(0x60, 0, 0, 0),
                insn(0x16, 0, 0, 0));
        assertRefused(p, "M[0]");
    }

    private static void assertRefused(BpfProgram p, String reason) {
        assertThatThrownBy(() -> BpfInterpreter.of(p))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void programBytesAreTheKernelsSockFilterArray() {
        BpfProgram p = SeccompProfile.ESSENTIAL.filter().compile(Architecture.X86_64);
        byte[] bytes = p.toBytes();
        assertThat(bytes).hasSize(p.length() * 8);
        // ld [4]: code 0x0020, jt 0, jf 0, k 4 — little-endian
        assertThat(java.util.Arrays.copyOf(bytes, 8)).containsExactly(0x20, 0, 0, 0, 4, 0, 0, 0);
        // jeq #AUDIT_ARCH_X86_64, +1, +0
        assertThat(java.util.Arrays.copyOfRange(bytes, 8, 16)).containsExactly(0x15, 0, 1, 0, 0x3e, 0, 0, (byte) 0xc0);
        assertThat(BpfProgram.fromBytes(bytes)).isEqualTo(p);
        assertThatThrownBy(() -> BpfProgram.fromBytes(new byte[7])).isInstanceOf(SeccompException.class);
    }

    @Test
    void disassemblyNamesFieldsActionsAndTargets() {
        String text =
                SeccompProfile.MINIMAL.filter().compile(Architecture.X86_64).disassemble();
        assertThat(text)
                .contains("0: ld [4]  ; arch")
                .contains("ret KILL_PROCESS")
                .contains("ret ERRNO(1) EPERM")
                .contains("; arg1.lo32")
                .contains("jeq #0x5412");
    }
}
