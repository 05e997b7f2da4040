package dev.sandbox4j.seccomp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How many BPF instructions the kernel runs per permitted syscall under each profile — with our range
 * tree, and with a linear chain of the same rules (one {@code jeq} per syscall in number order, the shape
 * of seccompiler and of libseccomp's default) for comparison. Deterministic: counted by the interpreter.
 * Run {@link #main} to print the table that goes into the README.
 */
final class InstructionCounts {
    private InstructionCounts() {}

    record Stats(int length, int min, int median, int max, double mean) {
        static Stats of(int length, List<Integer> counts) {
            List<Integer> sorted = new ArrayList<>(counts);
            Collections.sort(sorted);
            double mean = sorted.stream().mapToInt(Integer::intValue).average().orElse(0);
            return new Stats(length, sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), mean);
        }
    }

    /** Counts for every permitted syscall of {@code profile}, called with all arguments 0. */
    static Stats tree(SeccompProfile profile, Architecture arch) {
        BpfProgram program = profile.filter().compile(arch);
        return Stats.of(program.length(), counts(program, profile, arch));
    }

    static Stats linear(SeccompProfile profile, Architecture arch) {
        BpfProgram program = linearChain(profile.filter(), arch);
        return Stats.of(program.length(), counts(program, profile, arch));
    }

    private static List<Integer> counts(BpfProgram program, SeccompProfile profile, Architecture arch) {
        BpfInterpreter interpreter = BpfInterpreter.of(program);
        List<Integer> counts = new ArrayList<>();
        for (String name : profile.permittedSyscalls(arch)) {
            counts.add(interpreter
                    .run(SeccompData.of(arch, arch.syscalls().numberOf(name)))
                    .instructionsExecuted());
        }
        return counts;
    }

    /**
     * The same decisions as a chain: arch check, x32 check, then for each syscall with rules a
     * {@code jeq nr} skipping over that syscall's leaf code, then the default.
     */
    static BpfProgram linearChain(SeccompFilter filter, Architecture arch) {
        List<BpfInstruction> out = new ArrayList<>();
        out.add(BpfInstruction.stmt(Bpf.LD_W_ABS, SeccompData.OFFSET_ARCH));
        out.add(BpfInstruction.jump(Bpf.JMP_JEQ_K, arch.auditArch(), 1, 0));
        out.add(BpfInstruction.stmt(Bpf.RET_K, SeccompAction.KILL_PROCESS.returnValue()));
        out.add(BpfInstruction.stmt(Bpf.LD_W_ABS, SeccompData.OFFSET_NR));
        if (arch.hasX32Abi()) {
            out.add(BpfInstruction.jump(Bpf.JMP_JGE_K, Architecture.X32_SYSCALL_BIT, 0, 1));
            out.add(BpfInstruction.stmt(Bpf.RET_K, SeccompAction.KILL_PROCESS.returnValue()));
        }
        for (Map.Entry<Integer, String> e : arch.syscalls().byNumber().entrySet()) {
            if (filter.rulesFor(e.getValue()).isEmpty()) {
                continue;
            }
            List<BpfInstruction> leaf =
                    new BpfCompiler.Leaf(e.getValue(), filter.decisionFor(e.getValue(), e.getKey())).code();
            out.add(BpfInstruction.jump(Bpf.JMP_JEQ_K, e.getKey(), 0, leaf.size()));
            out.addAll(leaf);
        }
        out.add(BpfInstruction.stmt(Bpf.RET_K, filter.defaultAction().returnValue()));
        return new BpfProgram(out);
    }

    static String table(Architecture arch) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("BPF instructions executed per permitted syscall (%s, arguments 0)%n", arch));
        s.append(String.format("| profile | permitted | program length | tree min / median / max (mean) "
                + "| linear chain length | linear min / median / max (mean) |%n"));
        s.append("|---|---:|---:|---|---:|---|\n");
        for (SeccompProfile p : SeccompProfile.values()) {
            Stats t = tree(p, arch);
            Stats l = linear(p, arch);
            s.append(String.format(
                    "| %s | %d | %d | %d / %d / %d (%.1f) | %d | %d / %d / %d (%.1f) |%n",
                    p.cliName(),
                    p.permittedSyscalls(arch).size(),
                    t.length(),
                    t.min(),
                    t.median(),
                    t.max(),
                    t.mean(),
                    l.length(),
                    l.min(),
                    l.median(),
                    l.max(),
                    l.mean()));
        }
        return s.toString();
    }

    public static void main(String[] args) {
        for (Architecture arch : Architecture.values()) {
            System.out.println(table(arch));
        }
    }
}
