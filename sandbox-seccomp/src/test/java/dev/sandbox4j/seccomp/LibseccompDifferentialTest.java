package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sandbox4j against libseccomp itself (Debian's python3-seccomp): random rule sets — overlapping ranges,
 * every comparison libseccomp has, masked comparisons with value bits outside the mask, 32/64-bit edges,
 * the 32-bit forms, syscall numbers outside the table, several actions, unconditional rules — are compiled
 * by both, and both programs (run by {@link BpfInterpreter}) and {@link SeccompFilter#evaluate} must decide
 * every probe alike.
 *
 * <p>libseccomp 2.5.4 itself answers some rule sets differently depending on the order the rules were
 * added (its tree insertion stops at the first smaller node, and a false-branch action was updated on the
 * wrong branch until upstream commit 5404f5c). Each rule set is therefore also compiled with the rules added
 * in other orders; a probe on which those libseccomp programs disagree among themselves has no single
 * libseccomp meaning and is counted, not compared. Rule sets libseccomp refuses in any of those orders (two
 * rules with the same conditions and different actions, a rule ending where another goes on with another
 * action: in the order it accepts, it silently drops one of them) are counted too, as are probes whose answer
 * in libseccomp's program is the action of no rule that holds, or whose path runs through an instruction
 * libseccomp miscompiled (see {@link Provenance}).
 *
 * <p>Seeded: {@code -Dlibseccomp.seed=N} repeats a run; a failure prints the seed and the rule set. CI
 * installs python3-seccomp, so there a missing module fails the build instead of skipping.
 */
class LibseccompDifferentialTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final long SEED = Long.getLong("libseccomp.seed", 20261206L);
    private static final int RULE_SETS = Integer.getInteger("libseccomp.ruleSets", 600);
    private static final int PROBES_PER_SYSCALL = 300;
    private static final int ORDERS = 4;
    private static final String[] OPS = {"EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ"};
    private static final SeccompAction[] ACTIONS = {
        SeccompAction.ALLOW,
        SeccompAction.LOG,
        SeccompAction.TRAP,
        SeccompAction.KILL_THREAD,
        SeccompAction.KILL_PROCESS,
        SeccompAction.errno(0),
        SeccompAction.errno(1),
        SeccompAction.errno(13),
        SeccompAction.trace(7)
    };

    private static Path script;

    @BeforeAll
    static void findLibseccomp() throws Exception {
        String missing = null;
        if (!new File(PYTHON).canExecute()) {
            missing = PYTHON + " is not installed";
        } else {
            Process p = new ProcessBuilder(PYTHON, "-c", "import seccomp")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                missing = "python3-seccomp is not installed (" + out.trim() + ")";
            }
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(missing + "; CI must install the Debian package 'python3-seccomp'");
            }
            Assumptions.abort(missing + " (apt-get install python3-seccomp); differential test skipped outside CI");
        }
        script = Files.createTempFile("libseccomp-compile", ".py");
        try (InputStream in = LibseccompDifferentialTest.class.getResourceAsStream("/libseccomp-compile.py")) {
            Files.write(script, in.readAllBytes());
        }
        script.toFile().deleteOnExit();
    }

    /** One rule as both sides spell it. */
    record Rule(int nr, String name, SeccompAction action, List<Cond> conds) {
        String libseccomp() {
            StringBuilder s = new StringBuilder("rule ")
                    .append(Integer.toHexString(nr))
                    .append(' ')
                    .append(Integer.toHexString(action.returnValue()));
            for (Cond c : conds) {
                s.append(' ')
                        .append(c.arg)
                        .append(' ')
                        .append(c.op)
                        .append(' ')
                        .append(Long.toHexString(c.mask))
                        .append(' ')
                        .append(Long.toHexString(c.datum));
            }
            return s.append('\n').toString();
        }

        void addTo(SeccompFilter.Builder b) {
            ArgCondition[] cs = conds.stream().map(Cond::ours).toArray(ArgCondition[]::new);
            if (name != null) {
                b.rule(name, action, cs);
            } else {
                b.rule(nr, action, cs);
            }
        }
    }

    /** A libseccomp comparison; {@code narrow} ones are written with sandbox4j's {@code arg32}. */
    record Cond(int arg, String op, long mask, long datum, boolean narrow) {
        ArgCondition ours() {
            ArgCondition.Arg a = narrow ? ArgCondition.arg32(arg) : ArgCondition.arg(arg);
            switch (op) {
                case "EQ":
                    return a.eq(datum);
                case "NE":
                    return a.ne(datum);
                case "LT":
                    return a.lt(datum);
                case "LE":
                    return a.le(datum);
                case "GT":
                    return a.gt(datum);
                case "GE":
                    return a.ge(datum);
                case "MASKED_EQ":
                    return narrow ? a.maskedEq(mask & 0xffffffffL, datum & 0xffffffffL) : a.maskedEq(mask, datum);
                default:
                    throw new AssertionError(op);
            }
        }
    }

    record RuleSet(int id, SeccompAction defaultAction, List<Rule> rules) {
        SeccompFilter filter() {
            SeccompFilter.Builder b =
                    SeccompFilter.builder().defaultAction(defaultAction).unknownSyscallAction(defaultAction);
            rules.forEach(r -> r.addTo(b));
            return b.build();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("default " + defaultAction + "\n");
            rules.forEach(r -> s.append("  ")
                    .append(r.name != null ? r.name : "#" + r.nr)
                    .append(" → ")
                    .append(r.action)
                    .append(" if ")
                    .append(r.conds)
                    .append('\n'));
            return s.toString();
        }
    }

    @Test
    void decidesEveryProbeLikeLibseccomp() throws Exception {
        Architecture arch = Architecture.current();
        Random random = new Random(SEED);
        List<RuleSet> sets = new ArrayList<>();
        sets.add(issue19Example(arch));
        for (int i = 1; i < RULE_SETS; i++) {
            sets.add(randomRuleSet(i, random, arch));
        }
        // Each set in ORDERS orders of adding: as generated, reversed, and shuffled.
        StringBuilder input = new StringBuilder();
        for (RuleSet set : sets) {
            for (int o = 0; o < ORDERS; o++) {
                List<Rule> order = new ArrayList<>(set.rules);
                if (o == 1) {
                    Collections.reverse(order);
                } else if (o > 1) {
                    Collections.shuffle(order, random);
                }
                input.append("filter ")
                        .append(set.id)
                        .append('.')
                        .append(o)
                        .append(' ')
                        .append(Integer.toHexString(set.defaultAction.returnValue()))
                        .append('\n');
                order.forEach(r -> input.append(r.libseccomp()));
                input.append("end\n");
            }
        }
        String dump = System.getProperty("libseccomp.dump");
        if (dump != null) {
            Files.writeString(Path.of(dump), input);
        }
        Map<String, String> compiled = runLibseccomp(input.toString());

        long compared = 0;
        long orderDependent = 0;
        long unjustified = 0;
        long miscompiled = 0;
        int refused = 0;
        List<String> disagreements = new ArrayList<>();
        for (RuleSet set : sets) {
            List<BpfInterpreter> theirs = new ArrayList<>();
            BpfProgram firstProgram = null;
            for (int o = 0; o < ORDERS; o++) {
                String result = compiled.get(set.id + "." + o);
                assertThat(result).as("libseccomp's answer for set %d", set.id).isNotNull();
                if (result.startsWith("ok ")) {
                    BpfProgram program = BpfProgram.fromBytes(HexFormat.of().parseHex(result.substring(3)));
                    firstProgram = firstProgram == null ? program : firstProgram;
                    theirs.add(BpfInterpreter.of(program));
                }
            }
            if (theirs.size() < ORDERS) {
                // Refused in some order: then libseccomp kept the set in another order only by dropping a rule
                // that conflicted (a longer rule under a shorter one with another action), so no meaning to copy.
                refused++;
                continue;
            }
            SeccompFilter filter = set.filter();
            BpfInterpreter ours = BpfInterpreter.of(filter.compile(arch));
            List<SeccompData> calls = probes(set, arch, random);
            Set<SeccompData> miscompiledPaths = Provenance.pathsThroughMixedComparisons(firstProgram, calls);
            for (SeccompData call : calls) {
                if (miscompiledPaths.contains(call)) {
                    miscompiled++;
                    continue;
                }
                SeccompAction rules = filter.evaluate(arch, call);
                SeccompAction program = ours.run(call).action();
                SeccompAction libseccomp = theirs.get(0).run(call).action();
                boolean ambiguous = false;
                for (BpfInterpreter other : theirs.subList(1, theirs.size())) {
                    ambiguous |= !other.run(call).action().equals(libseccomp);
                }
                if (ambiguous) {
                    orderDependent++;
                    continue;
                }
                if (!program.equals(rules)) {
                    disagreements.add("seed " + SEED + ", set " + set.id + ", " + call + ": sandbox4j rules " + rules
                            + ", its program " + program + "\n" + set);
                }
                if (!justified(set, call, libseccomp)) {
                    unjustified++;
                    continue;
                }
                compared++;
                if (!rules.equals(libseccomp)) {
                    disagreements.add("seed " + SEED + ", set " + set.id + ", " + call + ": libseccomp " + libseccomp
                            + ", sandbox4j rules " + rules + ", program " + program + "\n" + set);
                }
            }
        }
        System.out.printf(
                "libseccomp differential (seed %d): %d rule sets, %d refused by libseccomp in some order, %d decisions "
                        + "compared, %d disagreements; not compared: %d probes where libseccomp's answer depends on the "
                        + "order rules were added, %d where it is the action of no rule that holds, %d whose path in libseccomp's "
                        + "program compares a word other than the one the instruction was generated for%n",
                SEED, sets.size(), refused, compared, disagreements.size(), orderDependent, unjustified, miscompiled);
        assertThat(disagreements)
                .as("first of %d disagreements", disagreements.size())
                .satisfiesAnyOf(d -> assertThat(d).isEmpty(), d -> fail(d.get(0)));
        assertThat(refused).as("rule sets libseccomp refused").isLessThan(sets.size() / 3);
        assertThat(compared).as("decisions compared").isGreaterThan(100_000L);
        assertThat(orderDependent + unjustified + miscompiled)
                .as("probes not compared")
                .isLessThan(compared / 10);
    }

    /**
     * Whether libseccomp's answer is one the rules allow: the action of a rule whose conditions all hold, or
     * the default when none holds. libseccomp 2.5.4 sometimes answers otherwise — its tree shares subtrees
     * between rules and a later rule can change a path of an earlier one, or drop a rule whose shorter
     * neighbour does not hold — and such an answer is its defect, not a meaning to copy.
     */
    private static boolean justified(RuleSet set, SeccompData call, SeccompAction answer) {
        boolean anyHolds = false;
        for (Rule r : set.rules) {
            if (r.nr != call.nr()) {
                continue;
            }
            boolean holds = r.conds.stream().allMatch(c -> c.ours().test(call.arg(c.arg)));
            if (holds) {
                anyHolds = true;
                if (r.action.equals(answer)) {
                    return true;
                }
            }
        }
        return !anyHolds && answer.equals(set.defaultAction);
    }

    /**
     * Finds libseccomp's accumulator slips: its code generator omits a load when the block before already
     * left the right word in A, and sometimes reaches such a block from a path that left another word
     * there (then e.g. arg1's low word is compared as if it were its high word). A correct program compares
     * each jump instruction against one word, whichever way it is reached; a call whose path runs through an
     * instruction that can be reached holding different words is not compared.
     */
    static final class Provenance {
        static Set<SeccompData> pathsThroughMixedComparisons(BpfProgram program, List<SeccompData> calls) {
            List<BpfInstruction> code = program.instructions();
            // What A may hold at each instruction, over every path of the program: (offset << 32 | mask).
            List<Set<Long>> holds = new ArrayList<>();
            for (int pc = 0; pc < code.size(); pc++) {
                holds.add(new java.util.HashSet<>());
            }
            holds.get(0).add(-1L);
            for (int pc = 0; pc < code.size(); pc++) {
                BpfInstruction insn = code.get(pc);
                int c = insn.code();
                Set<Long> out = new java.util.HashSet<>();
                for (long x : holds.get(pc)) {
                    out.add(
                            c == Bpf.LD_W_ABS
                                    ? (long) insn.k() << 32 | 0xffffffffL
                                    : c == Bpf.ALU_AND_K ? (x & ~0xffffffffL) | (x & insn.k() & 0xffffffffL) : x);
                }
                if (c == Bpf.RET_K) {
                    continue;
                }
                if (c == Bpf.JMP_JA) {
                    holds.get(pc + 1 + insn.k()).addAll(out);
                } else if (c == Bpf.JMP_JEQ_K || c == Bpf.JMP_JGT_K || c == Bpf.JMP_JGE_K) {
                    holds.get(pc + 1 + insn.jt()).addAll(out);
                    holds.get(pc + 1 + insn.jf()).addAll(out);
                } else {
                    holds.get(pc + 1).addAll(out);
                }
            }
            Set<SeccompData> flagged = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (SeccompData call : calls) {
                int pc = 0;
                int a = 0;
                while (true) {
                    BpfInstruction insn = code.get(pc);
                    int c = insn.code();
                    if (c == Bpf.LD_W_ABS) {
                        a = call.word(insn.k());
                        pc++;
                    } else if (c == Bpf.ALU_AND_K) {
                        a &= insn.k();
                        pc++;
                    } else if (c == Bpf.JMP_JA) {
                        pc += 1 + insn.k();
                    } else if (c == Bpf.RET_K) {
                        break;
                    } else {
                        if (holds.get(pc).size() > 1) {
                            flagged.add(call);
                            break;
                        }
                        boolean taken = switch (c) {
                            case Bpf.JMP_JEQ_K -> a == insn.k();
                            case Bpf.JMP_JGT_K -> Integer.compareUnsigned(a, insn.k()) > 0;
                            case Bpf.JMP_JGE_K -> Integer.compareUnsigned(a, insn.k()) >= 0;
                            default -> throw new AssertionError("unexpected opcode " + c);
                        };
                        pc += 1 + (taken ? insn.jt() : insn.jf());
                    }
                }
            }
            return flagged;
        }
    }

    /** Issue 19, from libseccomp's tests: read ALLOW if a2 <= 64, ERRNO(5 + i) if a2 > 128 << i. */
    private static RuleSet issue19Example(Architecture arch) {
        List<Rule> rules = new ArrayList<>();
        int nr = arch.syscalls().numberOf("read");
        rules.add(new Rule(nr, "read", SeccompAction.ALLOW, List.of(new Cond(2, "LE", -1, 64, false))));
        for (int i = 0; i < 8; i++) {
            rules.add(
                    new Rule(nr, "read", SeccompAction.errno(5 + i), List.of(new Cond(2, "GT", -1, 128L << i, false))));
        }
        return new RuleSet(0, SeccompAction.KILL_THREAD, rules);
    }

    private static RuleSet randomRuleSet(int id, Random random, Architecture arch) {
        SeccompAction defaultAction = ACTIONS[random.nextInt(ACTIONS.length)];
        // a few values per argument, shared by the rules, so that ranges nest and overlap
        long[][] pool = new long[6][];
        for (int a = 0; a < 6; a++) {
            pool[a] = new long[2 + random.nextInt(3)];
            for (int v = 0; v < pool[a].length; v++) {
                pool[a][v] = BoundaryValues.next(random);
            }
        }
        List<Rule> rules = new ArrayList<>();
        int syscalls = 1 + random.nextInt(3);
        List<String> names = new ArrayList<>(arch.syscalls().names());
        for (int s = 0; s < syscalls; s++) {
            int nr;
            String name;
            if (random.nextInt(4) == 0) {
                nr = arch.syscalls().highestNumber() + 1 + random.nextInt(2000); // a number the table lacks
                name = null;
            } else {
                name = names.get(random.nextInt(names.size()));
                nr = arch.syscalls().numberOf(name);
                if (random.nextInt(3) == 0) {
                    name = null; // the same syscall, given by number
                }
            }
            int count = 1 + random.nextInt(6);
            SeccompAction strongest = null;
            for (int r = 0; r < count; r++) {
                SeccompAction action = otherThan(defaultAction, random);
                int argCount = 1 + random.nextInt(2 + random.nextInt(2));
                Set<Integer> args = new LinkedHashSet<>();
                while (args.size() < argCount) {
                    args.add(random.nextInt(random.nextInt(4) == 0 ? 6 : 3)); // mostly the same few arguments
                }
                List<Cond> conds = new ArrayList<>();
                for (int a : args) {
                    String op = OPS[random.nextInt(OPS.length)];
                    long datum = pool[a][random.nextInt(pool[a].length)];
                    long mask = op.equals("MASKED_EQ") ? BoundaryValues.next(random) : -1L;
                    if (random.nextInt(5) == 0) {
                        datum &= 0xffffffffL; // libseccomp's SCMP_Ax_32 form: the value cast to 32 bits
                    }
                    boolean narrow = (op.equals("EQ") || op.equals("MASKED_EQ")) && random.nextInt(5) == 0;
                    if (narrow) {
                        // sandbox4j's arg32 equality is libseccomp's MASKED_EQ with a 32-bit mask
                        mask = op.equals("EQ") ? 0xffffffffL : mask & 0xffffffffL;
                        op = "MASKED_EQ";
                    }
                    conds.add(new Cond(a, op, mask, datum, narrow));
                }
                if (conds.stream().allMatch(c -> c.op.equals("MASKED_EQ") && c.mask == 0)) {
                    // Only always-true tests: an unconditional rule, which libseccomp lets replace every other
                    // rule of the syscall (a deliberate difference, covered below with a strongest action).
                    conds.add(new Cond(5, "NE", -1L, pool[5][0], false));
                }
                rules.add(new Rule(nr, name, action, conds));
                strongest = strongest == null ? action : SeccompFilter.stronger(strongest, action);
            }
            // An unconditional rule at least as strong as the conditional ones: there libseccomp (which lets
            // it replace them) and sandbox4j (where the stronger wins) agree.
            if (random.nextInt(5) == 0) {
                for (SeccompAction a : ACTIONS) {
                    if (a.precedence() >= strongest.precedence() && !a.equals(defaultAction)) {
                        rules.add(random.nextInt(rules.size() + 1), new Rule(nr, name, a, List.of()));
                        break;
                    }
                }
            }
        }
        return new RuleSet(id, defaultAction, rules);
    }

    /** libseccomp refuses a rule whose action is the default action. */
    private static SeccompAction otherThan(SeccompAction defaultAction, Random random) {
        while (true) {
            SeccompAction a = ACTIONS[random.nextInt(ACTIONS.length)];
            if (!a.equals(defaultAction)) {
                return a;
            }
        }
    }

    /** Calls of each syscall of the set: every rule value, one off, with either half changed, and mixes. */
    private static List<SeccompData> probes(RuleSet set, Architecture arch, Random random) {
        Map<Integer, List<List<Long>>> candidates = new HashMap<>();
        for (Rule r : set.rules) {
            List<List<Long>> perArg = candidates.computeIfAbsent(r.nr, n -> {
                List<List<Long>> l = new ArrayList<>();
                for (int a = 0; a < 6; a++) {
                    l.add(new ArrayList<>(List.of(0L, -1L)));
                }
                return l;
            });
            for (Cond c : r.conds) {
                List<Long> values = perArg.get(c.arg);
                long v = c.datum;
                Collections.addAll(
                        values,
                        v,
                        v - 1,
                        v + 1,
                        v ^ (1L << 32),
                        v & 0xffffffffL,
                        v | 0xffffffff00000000L,
                        v ^ ~c.mask,
                        v & c.mask,
                        (v & c.mask) ^ (c.mask & -c.mask));
            }
        }
        List<SeccompData> out = new ArrayList<>();
        for (Map.Entry<Integer, List<List<Long>>> e : candidates.entrySet()) {
            for (int p = 0; p < PROBES_PER_SYSCALL; p++) {
                long[] args = new long[6];
                for (int a = 0; a < 6; a++) {
                    List<Long> values = e.getValue().get(a);
                    args[a] = random.nextInt(10) == 0 ? random.nextLong() : values.get(random.nextInt(values.size()));
                }
                out.add(new SeccompData(arch.auditArch(), e.getKey(), 0, args));
            }
        }
        return out;
    }

    private static Map<String, String> runLibseccomp(String input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, script.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Thread writer = new Thread(() -> {
            try (var stdin = p.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the reader below reports a short answer
            }
        });
        writer.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        writer.join();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("libseccomp-compile.py did not finish");
        }
        assertThat(p.exitValue()).as("libseccomp-compile.py exit status").isZero();
        Map<String, String> results = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(" ", 2);
            if (fields.length == 2) {
                results.put(fields[0], fields[1]);
            }
        }
        return results;
    }
}
