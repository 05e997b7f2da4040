package dev.sandbox4j.seccomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Program sizes against libseccomp's for the same rules: prints, per built-in profile and for a seeded
 * 200-rule filter, sandbox4j's program length and the rules in the format of {@code libseccomp-compile.py},
 * so that {@code SizeComparisonTest} (or a shell) can have libseccomp compile them.
 *
 * <p>"The same rules": every rule becomes one libseccomp rule with the same syscall, action and conditions
 * ({@code arg32} equality as MASKED_EQ with a 32-bit mask; sandbox4j's masked inequality, which libseccomp
 * lacks, as MASKED_EQ — the same code). A syscall with both an unconditional and conditional rules keeps
 * only its conditional rules on the libseccomp side, which would otherwise drop them: that makes
 * libseccomp's program smaller, never larger, so the comparison favours libseccomp.
 */
final class SizeComparison {
    private SizeComparison() {}

    record Case(String name, SeccompFilter filter) {}

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (SeccompProfile p : SeccompProfile.values()) {
            out.add(new Case(p.cliName(), p.filter()));
        }
        out.add(new Case("200-rules", twoHundredRules(Architecture.current())));
        return out;
    }

    /**
     * 200 rules, seeded: 100 syscalls allowed outright, others with one to three rules of one or two
     * conditions each (every operator, small and 64-bit values), actions ALLOW, ERRNO, TRAP and LOG.
     */
    static SeccompFilter twoHundredRules(Architecture arch) {
        Random random = new Random(200);
        List<String> names = new ArrayList<>(arch.syscalls().names());
        java.util.Collections.shuffle(names, random);
        SeccompFilter.Builder b = SeccompFilter.builder();
        int rules = 0;
        int i = 0;
        for (; i < 100; i++) {
            b.allow(names.get(i));
            rules++;
        }
        SeccompAction[] actions = {
            SeccompAction.ALLOW, SeccompAction.errno(1), SeccompAction.errno(13), SeccompAction.TRAP, SeccompAction.LOG
        };
        while (rules < 200) {
            String name = names.get(i++);
            int n = Math.min(1 + random.nextInt(3), 200 - rules);
            for (int r = 0; r < n; r++) {
                int conds = 1 + random.nextInt(2);
                ArgCondition[] cs = new ArgCondition[conds];
                for (int c = 0; c < conds; c++) {
                    long v = random.nextBoolean() ? random.nextInt(4096) : random.nextLong();
                    // each rule of a syscall starts on its own argument: rules libseccomp accepts
                    ArgCondition.Arg arg = ArgCondition.arg(c == 0 ? r : 3 + random.nextInt(3));
                    cs[c] = switch (random.nextInt(7)) {
                        case 0 -> arg.eq(v);
                        case 1 -> arg.ne(v);
                        case 2 -> arg.lt(v);
                        case 3 -> arg.le(v);
                        case 4 -> arg.gt(v);
                        case 5 -> arg.ge(v);
                        default -> arg.maskedEq(random.nextInt(0x10000), v);
                    };
                }
                b.rule(name, actions[random.nextInt(actions.length)], cs);
                rules++;
            }
        }
        return b.build();
    }

    /** The filter in libseccomp-compile.py's format (default action, one line per rule), for {@code arch}. */
    static String libseccompSpec(String key, SeccompFilter filter, Architecture arch, int optimize) {
        StringBuilder s = new StringBuilder("filter " + key + " "
                + Integer.toHexString(filter.defaultAction().returnValue()) + " " + optimize + "\n");
        for (String name : filter.syscalls()) {
            if (!arch.syscalls().contains(name)) {
                continue;
            }
            int nr = arch.syscalls().numberOf(name);
            List<SyscallRule> rules = filter.rulesFor(name);
            boolean conditional = rules.stream().anyMatch(SyscallRule::isConditional);
            for (SyscallRule r : rules) {
                if (conditional && !r.isConditional()) {
                    continue;
                }
                if (r.action().equals(filter.defaultAction())) {
                    continue; // libseccomp refuses these; they change nothing
                }
                s.append("rule ")
                        .append(Integer.toHexString(nr))
                        .append(' ')
                        .append(Integer.toHexString(r.action().returnValue()));
                java.util.Set<Integer> seen = new java.util.HashSet<>();
                for (ArgCondition c : r.conditions()) {
                    if (!seen.add(c.index())) {
                        continue; // libseccomp takes one condition per argument
                    }
                    boolean masked = c.op().name().startsWith("MASKED") || c.width() == ArgCondition.Width.BITS32;
                    String op = masked ? "MASKED_EQ" : c.op().name();
                    s.append(' ')
                            .append(c.index())
                            .append(' ')
                            .append(op)
                            .append(' ')
                            .append(Long.toHexString(c.mask()))
                            .append(' ')
                            .append(Long.toHexString(c.value()));
                }
                s.append('\n');
            }
        }
        return s.append("end\n").toString();
    }
}
