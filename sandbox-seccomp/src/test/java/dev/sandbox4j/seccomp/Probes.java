package dev.sandbox4j.seccomp;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The calls worth asking a filter about: every number of the table, the numbers around and beyond it,
 * x32 and foreign-architecture calls, and for each syscall with argument conditions, argument values at
 * and next to every edge of every condition on both 32-bit halves.
 */
final class Probes {
    private Probes() {}

    /** Numbers outside the table: gaps, just above it, the x32 boundary, the top of the range. */
    static Set<Integer> numbersBeyondTable(Architecture arch) {
        SyscallTable table = arch.syscalls();
        Set<Integer> numbers = new LinkedHashSet<>();
        for (int nr = 0; nr <= table.highestNumber() + 2; nr++) {
            if (table.nameOf(nr).isEmpty()) {
                numbers.add(nr);
            }
        }
        numbers.add(0x3fffffff);
        numbers.add(0x40000000);
        numbers.add(0x7fffffff);
        numbers.add(0x80000000);
        numbers.add(0xc0000000);
        numbers.add(-2);
        numbers.add(-1);
        for (int nr : table.byNumber().keySet()) {
            numbers.add(nr | Architecture.X32_SYSCALL_BIT);
        }
        return numbers;
    }

    /** Argument values at and around the edges of {@code c}, on both halves of the register. */
    static Set<Long> edgeValues(ArgCondition c) {
        Set<Long> values = new LinkedHashSet<>();
        long v = c.value();
        long m = c.mask();
        long[] bases = {v, m, v | ~m, v & m, 0, -1L};
        for (long base : bases) {
            for (long delta : new long[] {0, 1, -1, 1L << 32, -(1L << 32), (1L << 32) + 1, (1L << 32) - 1}) {
                values.add(base + delta);
            }
            values.add(base ^ 0xffffffff00000000L);
            values.add(base & 0xffffffffL);
            values.add(base | 0xffffffff00000000L);
            values.add((long) (int) base);
        }
        return values;
    }

    /**
     * Argument vectors for one syscall's rules: each conditioned argument run over its edge values with
     * the other arguments at 0, and once with every conditioned argument at its rule's value together
     * (so that rules with several conditions are also seen matching).
     */
    static List<long[]> argumentVectors(List<SyscallRule> rules) {
        List<long[]> vectors = new ArrayList<>();
        vectors.add(new long[ArgCondition.ARGUMENTS]);
        for (SyscallRule rule : rules) {
            long[] all = new long[ArgCondition.ARGUMENTS];
            for (ArgCondition c : rule.conditions()) {
                all[c.index()] = c.value();
                for (long value : edgeValues(c)) {
                    long[] args = new long[ArgCondition.ARGUMENTS];
                    args[c.index()] = value;
                    vectors.add(args);
                }
            }
            vectors.add(all);
        }
        return vectors;
    }

    /** Every probe for a filter on an architecture, native and foreign. */
    static List<SeccompData> all(SeccompFilter filter, Architecture arch) {
        List<SeccompData> probes = new ArrayList<>();
        SyscallTable table = arch.syscalls();
        for (var e : table.byNumber().entrySet()) {
            for (long[] args : argumentVectors(filter.rulesFor(e.getValue()))) {
                probes.add(new SeccompData(arch.auditArch(), e.getKey(), 0x7fff_1234_5678L, args));
            }
        }
        for (int nr : numbersBeyondTable(arch)) {
            probes.add(SeccompData.of(arch, nr));
        }
        int[] foreign = {
            0x40000003 /* i386 */,
            0x40000028 /* arm */,
            0,
            -1,
            arch == Architecture.X86_64 ? Architecture.AARCH64.auditArch() : Architecture.X86_64.auditArch()
        };
        for (int auditArch : foreign) {
            for (int nr : new int[] {0, 1, 3, 56, 57, 60, 63, 93, 94, 221, 231, 257}) {
                probes.add(new SeccompData(auditArch, nr, 0));
            }
        }
        return probes;
    }
}
