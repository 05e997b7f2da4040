package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.SeccompException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a {@link SeccompFilter} as an OCI/Docker profile that libseccomp compiles to the same decisions.
 *
 * <p>Per syscall the filter's decision (its conditional rules in libseccomp's order, and what happens when none
 * holds) is written as rules libseccomp keeps: an unconditional rule alone where there are no conditions; the
 * conditional rules, followed by the "otherwise" action under {@code arg0 >= 0} (always true, and tried last in
 * libseccomp's order) where that differs from the default — libseccomp would let a plain unconditional rule
 * replace the conditional ones. 32-bit and negated comparisons libseccomp cannot spell are written through
 * their complement: "R unless (x &amp; m) == v" becomes "otherwise-action if (x &amp; m) == v", then R. Every
 * export is read back and compared call by call; a syscall whose rules cannot be written is refused by name.
 */
final class OciExport {
    private static final long LOW32 = 0xffffffffL;

    private OciExport() {}

    static String toJson(SeccompFilter filter, Architecture arch) {
        SeccompAction def = filter.defaultAction();
        for (int nr : filter.syscallNumbers()) {
            if (arch.syscalls().nameOf(nr).isEmpty()) {
                throw new SeccompException("cannot write the rules for syscall number " + nr + " as an OCI profile: "
                        + "the format names syscalls, and " + arch + "'s table has no name for " + nr);
            }
        }
        Map<SeccompAction, List<String>> plain = new LinkedHashMap<>();
        List<String> entries = new ArrayList<>();
        for (String name : arch.syscalls().names()) {
            SeccompFilter.Decision d = filter.decisionFor(name, arch.syscalls().numberOf(name));
            if (d.conditionalRules().isEmpty()) {
                if (!d.otherwise().equals(def)) {
                    plain.computeIfAbsent(d.otherwise(), a -> new ArrayList<>()).add(name);
                }
                continue;
            }
            entries.addAll(conditionalEntries(name, d, def));
        }
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"defaultAction\": ").append(Json.quote(actionName(def))).append(",\n");
        if (def.kind() == SeccompAction.Kind.ERRNO) {
            json.append("  \"defaultErrnoRet\": ").append(def.data()).append(",\n");
        }
        json.append("  \"architectures\": [")
                .append(Json.quote(OciSeccompProfile.scmpArch(arch)))
                .append("],\n");
        json.append("  \"syscalls\": [");
        List<String> all = new ArrayList<>();
        plain.forEach((action, names) -> all.add(entry(names, action, List.of())));
        all.addAll(entries);
        for (int i = 0; i < all.size(); i++) {
            json.append(i == 0 ? "\n" : ",\n").append(all.get(i));
        }
        json.append(all.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        String out = json.toString();
        verify(filter, arch, out);
        return out;
    }

    private static List<String> conditionalEntries(String name, SeccompFilter.Decision d, SeccompAction def) {
        List<SyscallRule> rules = d.conditionalRules();
        SeccompAction otherwise = d.otherwise();
        List<String> out = new ArrayList<>();
        boolean spellable = rules.stream()
                .allMatch(r -> r.conditions().stream().allMatch(c -> spelled(c) != null)
                        && r.conditions().stream()
                                        .map(ArgCondition::index)
                                        .distinct()
                                        .count()
                                == r.conditions().size());
        if (spellable) {
            for (SyscallRule r : rules) {
                if (r.action().equals(def)) {
                    throw cannot(
                            name,
                            "its rule '" + r + "' has the default action, which libseccomp refuses "
                                    + "in a rule (runc skips it), so it would no longer stop the rules after it");
                }
                List<String[]> args = new ArrayList<>();
                for (ArgCondition c : r.conditions()) {
                    args.add(spelled(c));
                }
                out.add(entry(List.of(name), r.action(), args));
            }
            if (!otherwise.equals(def)) {
                out.add(entry(List.of(name), otherwise, List.<String[]>of(alwaysLast())));
            }
            return out;
        }
        // One rule of negated comparisons: R unless one of them fails to hold.
        if (rules.size() == 1 && rules.get(0).conditions().stream().allMatch(c -> complement(c) != null)) {
            SyscallRule r = rules.get(0);
            if (otherwise.equals(def)) {
                throw cannot(
                        name,
                        "'" + r + "' can only be written through its complement, whose action would "
                                + "be the default " + def + ", which libseccomp refuses in a rule");
            }
            for (ArgCondition c : r.conditions()) {
                out.add(entry(List.of(name), otherwise, List.<String[]>of(complement(c))));
            }
            if (!r.action().equals(def)) {
                out.add(entry(List.of(name), r.action(), List.<String[]>of(alwaysLast())));
            }
            return out;
        }
        throw cannot(
                name,
                "its rules " + rules + " use comparisons libseccomp has no spelling for (32-bit "
                        + "< <= > >=, != on 32 bits or under a mask, mixed with other rules)");
    }

    private static SeccompException cannot(String name, String why) {
        return new SeccompException("cannot write syscall " + name + " as an OCI profile: " + why);
    }

    /** {@code arg0 >= 0}: always true, and tried after every other rule of the syscall. */
    private static String[] alwaysLast() {
        return new String[] {"0", "0", "0", "SCMP_CMP_GE"};
    }

    /** index, value, valueTwo, op of a condition libseccomp can spell, else null. */
    private static String[] spelled(ArgCondition c) {
        String i = Integer.toString(c.index());
        if (c.width() == ArgCondition.Width.BITS64) {
            return switch (c.op()) {
                case EQ -> arg(i, c.value(), 0, "SCMP_CMP_EQ");
                case NE -> arg(i, c.value(), 0, "SCMP_CMP_NE");
                case LT -> arg(i, c.value(), 0, "SCMP_CMP_LT");
                case LE -> arg(i, c.value(), 0, "SCMP_CMP_LE");
                case GT -> arg(i, c.value(), 0, "SCMP_CMP_GT");
                case GE -> arg(i, c.value(), 0, "SCMP_CMP_GE");
                case MASKED_EQ -> arg(i, c.mask(), c.value(), "SCMP_CMP_MASKED_EQ");
                case MASKED_NE -> null;
            };
        }
        return switch (c.op()) {
            case EQ, MASKED_EQ -> arg(i, c.mask(), c.value(), "SCMP_CMP_MASKED_EQ");
            default -> null;
        };
    }

    /** The MASKED_EQ that holds exactly when {@code c} (a != on some bits) does not, else null. */
    private static String[] complement(ArgCondition c) {
        String i = Integer.toString(c.index());
        boolean ne = c.op() == ArgCondition.Op.MASKED_NE
                || (c.op() == ArgCondition.Op.NE && c.width() == ArgCondition.Width.BITS32);
        if (ne) {
            return arg(i, c.mask(), c.value(), "SCMP_CMP_MASKED_EQ");
        }
        if (c.op() == ArgCondition.Op.NE) {
            return arg(i, c.value(), 0, "SCMP_CMP_EQ");
        }
        return null;
    }

    private static String[] arg(String index, long value, long valueTwo, String op) {
        return new String[] {index, Long.toUnsignedString(value), Long.toUnsignedString(valueTwo), op};
    }

    private static String entry(List<String> names, SeccompAction action, List<String[]> args) {
        StringBuilder sb = new StringBuilder("    {\n      \"names\": [");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(i > 0 && i % 6 == 0 ? "\n        " : "")
                    .append(Json.quote(names.get(i)));
        }
        sb.append("],\n      \"action\": ").append(Json.quote(actionName(action)));
        if (action.kind() == SeccompAction.Kind.ERRNO) {
            sb.append(",\n      \"errnoRet\": ").append(action.data());
        }
        if (!args.isEmpty()) {
            sb.append(",\n      \"args\": [");
            for (int i = 0; i < args.size(); i++) {
                String[] a = args.get(i);
                sb.append(i == 0 ? "\n" : ",\n")
                        .append("        {\"index\": ")
                        .append(a[0])
                        .append(", \"value\": ")
                        .append(a[1])
                        .append(", \"valueTwo\": ")
                        .append(a[2])
                        .append(", \"op\": ")
                        .append(Json.quote(a[3]))
                        .append('}');
            }
            sb.append("\n      ]");
        }
        return sb.append("\n    }").toString();
    }

    static String actionName(SeccompAction a) {
        return switch (a.kind()) {
            case KILL_PROCESS -> "SCMP_ACT_KILL_PROCESS";
            case KILL_THREAD -> "SCMP_ACT_KILL_THREAD";
            case TRAP -> "SCMP_ACT_TRAP";
            case ERRNO -> "SCMP_ACT_ERRNO";
            case LOG -> "SCMP_ACT_LOG";
            case ALLOW -> "SCMP_ACT_ALLOW";
            case USER_NOTIF, TRACE ->
                throw new SeccompException("cannot write " + a + " as an OCI profile action: "
                        + "it needs an agent or tracer outside the sandbox");
        };
    }

    /** Reads the export back and checks that every syscall decides every probe as the filter does. */
    private static void verify(SeccompFilter filter, Architecture arch, String json) {
        SeccompFilter back =
                OciSeccompProfile.parse(json, "the export", arch, "999.0").filter();
        for (String name : arch.syscalls().names()) {
            int nr = arch.syscalls().numberOf(name);
            Set<ArgCondition> conds = new LinkedHashSet<>();
            filter.rulesFor(name).forEach(r -> conds.addAll(r.conditions()));
            back.rulesFor(name).forEach(r -> conds.addAll(r.conditions()));
            for (long[] args : probes(conds)) {
                SeccompData call = SeccompData.of(arch, nr, args);
                SeccompAction want = filter.evaluate(arch, call);
                SeccompAction got = back.evaluate(arch, call);
                if (!want.equals(got)) {
                    throw cannot(
                            name,
                            "libseccomp would answer " + got + " where this filter answers " + want + " (arguments "
                                    + java.util.Arrays.toString(args) + ")");
                }
            }
        }
    }

    /** Argument vectors at every edge of the conditions: each value, one off, masks, either half flipped. */
    static List<long[]> probes(Set<ArgCondition> conds) {
        List<long[]> out = new ArrayList<>();
        out.add(new long[6]);
        out.add(new long[] {-1, -1, -1, -1, -1, -1});
        if (conds.isEmpty()) {
            return out;
        }
        List<TreeSet<Long>> values = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            TreeSet<Long> v = new TreeSet<>(List.of(0L, -1L, LOW32, 1L << 32));
            values.add(v);
        }
        for (ArgCondition c : conds) {
            TreeSet<Long> v = values.get(c.index());
            long x = c.value();
            for (long y : new long[] {
                x, x - 1, x + 1, x | ~c.mask(), x ^ (1L << 32), x | (LOW32 << 32), x & LOW32, c.mask(), ~c.mask() & x
            }) {
                v.add(y);
            }
        }
        for (int i = 0; i < 6; i++) {
            for (long x : values.get(i)) {
                for (long base : new long[] {0, -1}) {
                    long[] a = new long[6];
                    java.util.Arrays.fill(a, base);
                    a[i] = x;
                    out.add(a);
                }
            }
        }
        // Pairs of arguments some rule tests together.
        Set<Integer> used = new TreeSet<>();
        conds.forEach(c -> used.add(c.index()));
        List<Integer> idx = new ArrayList<>(used);
        for (int p = 0; p < idx.size(); p++) {
            for (int q = p + 1; q < idx.size(); q++) {
                for (long x : values.get(idx.get(p))) {
                    for (long y : values.get(idx.get(q))) {
                        long[] a = new long[6];
                        a[idx.get(p)] = x;
                        a[idx.get(q)] = y;
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }
}
