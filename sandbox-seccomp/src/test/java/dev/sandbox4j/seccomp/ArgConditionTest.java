package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.ArgCondition.arg;
import static dev.sandbox4j.seccomp.ArgCondition.arg32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import org.junit.jupiter.api.Test;

/**
 * Argument conditions at their edges, on both 32-bit halves — checked against literal expectations,
 * and through a compiled program, so neither the rule model nor the compiler is trusted alone.
 */
class ArgConditionTest {
    private static final long HI = 1L << 32;

    /** Runs {@code read(…, arg2 = value)} through a filter that allows read only under {@code c}. */
    private static boolean compiledAllows(ArgCondition c, long value) {
        SeccompFilter filter = SeccompFilter.builder().allowIf("read", c).build();
        BpfInterpreter interpreter = BpfInterpreter.of(filter.compile(Architecture.X86_64));
        long[] args = new long[6];
        args[c.index()] = value;
        return interpreter
                .run(SeccompData.of(Architecture.X86_64, 0, args))
                .action()
                .runsSyscall();
    }

    private static void expect(ArgCondition c, long value, boolean holds) {
        assertThat(c.test(value)).as("%s for 0x%x (model)", c, value).isEqualTo(holds);
        assertThat(compiledAllows(c, value))
                .as("%s for 0x%x (compiled)", c, value)
                .isEqualTo(holds);
    }

    @Test
    void lessThanA64BitValueLooksAtTheHighWordFirst() {
        ArgCondition c = arg(2).lt(HI + 5);
        expect(c, HI + 4, true);
        expect(c, HI + 5, false);
        expect(c, HI + 6, false);
        expect(c, 0xffffffffL, true); // high word smaller, low word larger
        expect(c, 2 * HI, false); // high word larger, low word smaller
        expect(c, 2 * HI + 4, false);
        expect(c, 0, true);
        expect(c, -1L, false); // unsigned: all ones is the largest
    }

    @Test
    void lessOrEqualGreaterAndGreaterOrEqualAtTheirEdges() {
        expect(arg(2).le(HI + 5), HI + 5, true);
        expect(arg(2).le(HI + 5), HI + 6, false);
        expect(arg(2).le(HI + 5), 2 * HI, false);
        expect(arg(2).le(HI + 5), 0xffffffffL, true);
        expect(arg(2).gt(HI + 5), HI + 5, false);
        expect(arg(2).gt(HI + 5), HI + 6, true);
        expect(arg(2).gt(HI + 5), 2 * HI, true);
        expect(arg(2).gt(HI + 5), 0xffffffffL, false);
        expect(arg(2).ge(HI + 5), HI + 5, true);
        expect(arg(2).ge(HI + 5), HI + 4, false);
        expect(arg(2).ge(HI + 5), 2 * HI, true);
        expect(arg(2).ge(0x8000000000000000L), -1L, true);
        expect(arg(2).ge(0x8000000000000000L), 0x7fffffffffffffffL, false);
    }

    @Test
    void equalityNeedsBothHalves() {
        expect(arg(0).eq(HI + 7), HI + 7, true);
        expect(arg(0).eq(HI + 7), 7, false);
        expect(arg(0).eq(HI + 7), 2 * HI + 7, false);
        expect(arg(0).eq(HI + 7), HI + 8, false);
        expect(arg(0).ne(HI + 7), HI + 7, false);
        expect(arg(0).ne(HI + 7), 7, true);
        expect(arg(0).ne(HI + 7), HI + 6, true);
    }

    @Test
    void thirtyTwoBitConditionsIgnoreTheHighWord() {
        // glibc 2.36 leaves the high half of AT_FDCWD zero, musl sign-extends: both must match.
        ArgCondition atFdcwd = arg32(0).eq(-100);
        expect(atFdcwd, 0xffffff9cL, true);
        expect(atFdcwd, -100L, true);
        expect(atFdcwd, 0xffffff9dL, false);
        expect(arg32(1).eq(0x5412), 0x5412L | HI, true);
        expect(arg32(1).lt(10), HI + 9, true);
        expect(arg32(1).lt(10), HI + 10, false);
        expect(arg32(1).gt(10), HI, false);
    }

    @Test
    void maskedComparisonsOnEitherHalf() {
        ArgCondition noNamespaces = arg32(0).maskedEq(0x7E020000L, 0);
        expect(noNamespaces, 0x01200011L, true); // fork()'s flags
        expect(noNamespaces, 0x10000000L, false); // CLONE_NEWUSER
        expect(noNamespaces, 0x7E020000L * HI, true); // high word ignored
        ArgCondition both = arg(3).maskedEq(0xff000000ffL, 0x1200000034L);
        expect(both, 0x1200000034L, true);
        expect(both, 0x12ffffff34L, true);
        expect(both, 0x1300000034L, false);
        expect(both, 0x1200000035L, false);
        ArgCondition highOnly = arg(3).maskedNe(0xf00000000L, 0x100000000L);
        expect(highOnly, 0x100000000L, false);
        expect(highOnly, 0x1ffffffffL, false);
        expect(highOnly, 0x200000000L, true);
        expect(highOnly, 0, true);
    }

    @Test
    void rejectsConditionsThatCannotBeRight() {
        assertThatThrownBy(() -> arg(6))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("6");
        assertThatThrownBy(() -> arg32(0).eq(HI))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("32 bits");
    }

    @Test
    void maskedComparisonsMaskTheValueLikeLibseccomp() {
        // (arg & 0xf0) == (0x1ff & 0xf0): the value's bits outside the mask do not take part
        ArgCondition outside = arg(0).maskedEq(0xf0, 0x1ff);
        expect(outside, 0xf0, true);
        expect(outside, 0x1f0, true);
        expect(outside, 0x0f, false);
        assertThat(outside).isEqualTo(arg(0).maskedEq(0xf0, 0xf0));
        // a mask of 0 always holds, and its negation never does
        expect(arg(1).maskedEq(0, 5), 12345, true);
        expect(arg(1).maskedNe(0, 5), 12345, false);
        expect(arg32(1).maskedEq(0, 5), -1L, true);
    }

    @Test
    void printsReadably() {
        assertThat(arg32(1).eq(0x5412)).hasToString("arg1.lo32 == 0x5412");
        assertThat(arg32(0).maskedNe(0x7E020000L, 0)).hasToString("(arg0.lo32 & 0x7e020000) != 0x0");
        assertThat(arg(2).lt(4096)).hasToString("arg2 < 0x1000");
    }
}
