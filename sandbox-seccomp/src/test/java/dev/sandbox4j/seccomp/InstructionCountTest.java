package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The dispatch really is a balanced search: its cost grows with the logarithm of the rule count. */
class InstructionCountTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void treeCostIsLogarithmicAndBeatsTheLinearChain(Architecture arch) {
        for (SeccompProfile p : SeccompProfile.values()) {
            int ranges = BpfCompiler.ranges(p.filter(), arch).size();
            int depth = 32 - Integer.numberOfLeadingZeros(ranges - 1); // ceil(log2(ranges))
            InstructionCounts.Stats tree = InstructionCounts.tree(p, arch);
            // prologue (ld arch, jeq, ld nr) + one jge per level + the leaf (ret, or a few rules for
            // the argument-checked syscalls: at most ioctl's 7 instructions)
            assertThat(tree.max()).as("%s: %d ranges", p, ranges).isLessThanOrEqualTo(3 + depth + 7);
            if (p != SeccompProfile.UNRESTRICTED) {
                InstructionCounts.Stats linear = InstructionCounts.linear(p, arch);
                assertThat(tree.mean()).as(p.name()).isLessThan(linear.mean() / 2);
                assertThat(tree.max()).as(p.name()).isLessThan(linear.max());
            }
        }
        System.out.println(InstructionCounts.table(arch));
    }
}
