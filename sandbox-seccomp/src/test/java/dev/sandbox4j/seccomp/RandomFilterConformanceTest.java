package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Filters made of random rules — every operator, both widths, values and masks with interesting high
 * and low halves, several conditions per rule, several rules per syscall, every action — compile to
 * programs that decide like the rules, on edge and random arguments. Seeded, so a failure repeats.
 */
class RandomFilterConformanceTest {
    private static final ArgCondition.Op[] OPS = ArgCondition.Op.values();
    private static final SeccompAction[] ACTIONS = {
        SeccompAction.ALLOW,
        SeccompAction.LOG,
        SeccompAction.TRAP,
        SeccompAction.KILL_THREAD,
        SeccompAction.KILL_PROCESS,
        SeccompAction.USER_NOTIF,
        SeccompAction.errno(1),
        SeccompAction.errno(13),
        SeccompAction.trace(5)
    };

    @Test
    void randomFiltersCompileToProgramsThatDecideLikeTheirRules() {
        Random random = new Random(20261129L);
        for (int round = 0; round < 60; round++) {
            Architecture arch = Architecture.values()[round % 2];
            SeccompFilter filter = randomFilter(random, arch);
            BpfInterpreter interpreter = BpfInterpreter.of(filter.compile(arch));
            List<String> mismatches = new ArrayList<>();
            List<SeccompData> probes = new ArrayList<>(Probes.all(filter, arch));
            for (String name : filter.syscalls()) {
                int nr = arch.syscalls().numberOf(name);
                for (int i = 0; i < 200; i++) {
                    long[] args = new long[6];
                    for (int a = 0; a < 6; a++) {
                        args[a] = BoundaryValues.next(random);
                    }
                    probes.add(new SeccompData(arch.auditArch(), nr, random.nextLong(), args));
                }
            }
            for (SeccompData call : probes) {
                SeccompAction expected = filter.evaluate(arch, call);
                SeccompAction actual = interpreter.run(call).action();
                if (!expected.equals(actual)) {
                    mismatches.add(call + ": rules " + expected + ", program " + actual);
                }
            }
            assertThat(mismatches)
                    .as("round %d, filter rules %s", round, filter.rules())
                    .isEmpty();
        }
    }

    private static SeccompFilter randomFilter(Random random, Architecture arch) {
        List<String> names = new ArrayList<>(arch.syscalls().names());
        SeccompFilter.Builder b = SeccompFilter.builder()
                .defaultAction(ACTIONS[random.nextInt(ACTIONS.length)])
                .unknownSyscallAction(ACTIONS[random.nextInt(ACTIONS.length)]);
        int syscalls = 1 + random.nextInt(40);
        for (int s = 0; s < syscalls; s++) {
            String name = names.get(random.nextInt(names.size()));
            int rules = 1 + random.nextInt(4);
            for (int r = 0; r < rules; r++) {
                int conditions = random.nextInt(4);
                ArgCondition[] cs = new ArgCondition[conditions];
                for (int c = 0; c < conditions; c++) {
                    cs[c] = randomCondition(random);
                }
                b.rule(name, ACTIONS[random.nextInt(ACTIONS.length)], cs);
            }
        }
        return b.build();
    }

    private static ArgCondition randomCondition(Random random) {
        boolean narrow = random.nextBoolean();
        ArgCondition.Arg arg = narrow ? ArgCondition.arg32(random.nextInt(6)) : ArgCondition.arg(random.nextInt(6));
        ArgCondition.Op op = OPS[random.nextInt(OPS.length)];
        long value = BoundaryValues.next(random);
        long mask = BoundaryValues.next(random);
        if (narrow) {
            value &= 0xffffffffL;
            mask &= 0xffffffffL;
        }
        switch (op) {
            case EQ:
                return arg.eq(value);
            case NE:
                return arg.ne(value);
            case LT:
                return arg.lt(value);
            case LE:
                return arg.le(value);
            case GT:
                return arg.gt(value);
            case GE:
                return arg.ge(value);
            case MASKED_EQ:
                return arg.maskedEq(mask, value & mask);
            case MASKED_NE:
                return arg.maskedNe(mask, value & mask);
            default:
                throw new AssertionError(op);
        }
    }
}
