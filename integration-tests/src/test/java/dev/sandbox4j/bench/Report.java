package dev.sandbox4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Renders {@link SpawnBench.Results} as Markdown, and puts it into {@code BENCHMARKS.md} between two marker
 * comments so that the hand-written analysis around the figures survives a rerun.
 */
final class Report {
    static final String BEGIN = "<!-- figures:begin (written by ./benchmarks.sh; edits inside are overwritten) -->";
    static final String END = "<!-- figures:end -->";

    /** Targets of issue 7: ratio key → the largest value that meets it. */
    static final Map<String, Double> TARGETS = Map.of("b/a", 2.0, "b/d", 0.7, "cli/hello", 1.5);

    private Report() {}

    static String markdown(SpawnBench.Results r) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                "Measured %s UTC, %s settings, in %.0f s: `./benchmarks.sh`%s.%n%n",
                r.started.toString().substring(0, 16).replace('T', ' '),
                r.settings.name(),
                r.elapsed.toMillis() / 1e3,
                r.settings.name().equals("smoke") ? " (smoke run: too few runs to quote)" : ""));
        md.append(String.format(
                "Machine: %d cores (%s), kernel %s, %s; sandbox mode %s. "
                        + "Load average (1/5/15 min) %s before, %s after.%n%n",
                r.machine.cores(),
                r.machine.cpu(),
                r.machine.kernel(),
                r.machine.java(),
                r.mode,
                r.loadBefore,
                r.loadAfter));
        md.append("Settings: ").append(r.settings.describe()).append(".\n\n");
        md.append("Limits of (b): ").append(SpawnBench.limits(r.mode)).append(".\n\n");
        for (Variant.Unavailable u : r.unavailable) {
            md.append(String.format("Not measured: %s: %s.%n%n", u.label(), u.reason()));
        }

        md.append("### 1. Latency of `/bin/true` from a warm JVM (ms per run, one at a time)\n\n");
        md.append("| variant | median | min – max | p90 | p99 | runs |\n|---|---:|---:|---:|---:|---:|\n");
        r.latency.all().forEach((key, s) -> {
            Samples.Summary sum = s.summary();
            md.append(String.format(
                    "| %s | %.2f | %.2f – %.2f | %.2f | %.2f | %d |%n",
                    r.labels.get(key), sum.median(), sum.min(), sum.max(), sum.p90(), s.quantile(0.99), sum.count()));
        });
        md.append("\nPre-warmed sandboxes (issue 15: p50/p90/p99 with a pool, its stages, 1/4/16 threads) are measured "
                + "by the same run's `PrewarmBench`, in \"Pre-warmed sandboxes\" below.\n");

        md.append("\n### Ratios against the targets (same run, interleaved)\n\n");
        md.append("Ratio of medians over all runs; in brackets the range of the per-round ratios.\n\n");
        md.append("| ratio | value | per-round range | target | verdict |\n|---|---:|---:|---:|---|\n");
        ratio(md, r, "(b)/(a): sandbox4j vs unsandboxed", "b", "a", "b/a");
        ratio(md, r, "(b)/(d): sandbox4j vs bubblewrap", "b", "d", "b/d");
        ratio(md, r, "(c)/(a): seccomp-only sandbox vs unsandboxed", "c", "a", null);
        ratio(md, r, "(d)/(a): bubblewrap vs unsandboxed", "d", "a", null);
        ratio(md, r, "(a)/(p): ProcessBuilder vs posix_spawn, both unsandboxed", "a", "p", null);
        ratio(md, r, "(b₁)/(a): launcher per run vs unsandboxed", "bd", "a", null);
        ratio(md, r, "(b)/(b₁): fork server vs launcher per run", "b", "bd", null);
        cliRatio(md, r, "CLI / JVM floor (`java Hello`)", "hello", "cli/hello");
        cliRatio(md, r, "CLI / `java Hello` with the CLI's JVM options", "hello-tuned", null);

        md.append("\n### 2. Throughput of `/bin/true` (runs per second: median, min – max over rounds)\n\n");
        md.append("| variant |");
        r.throughput.keySet().forEach(c -> md.append(" ").append(c).append(c == 1 ? " thread |" : " threads |"));
        md.append("\n|---|");
        r.throughput.keySet().forEach(c -> md.append("---:|"));
        md.append("\n");
        for (String key : r.latency.all().keySet()) {
            md.append("| ").append(r.labels.get(key)).append(" |");
            for (Map<String, Samples> byVariant : r.throughput.values()) {
                Samples.Summary s = byVariant.get(key).summary();
                md.append(String.format(" %.0f (%.0f – %.0f) |", s.median(), s.min(), s.max()));
            }
            md.append("\n");
        }

        md.append("\n### 3. Where the time of a sandboxed run goes (µs, median and min – max)\n\n");
        md.append("Stages timed inside the real launch path (`StagedRun` drives `Planner` and `Execution` as "
                + "`Sandbox.run` does). (c) differs from (b) in its namespaces (UTS alone, no user "
                + "namespace, so no id maps) and in having no memory or pids limit (its cgroup is created all the "
                + "same), so the difference column is mostly what the namespaces cost.\n\n");
        Map<String, Samples> b = r.stages.get("b");
        Map<String, Samples> c = r.stages.get("c");
        Map<String, Samples> bd = r.stages.get("bd");
        md.append("(b₁) is (b) with a launcher per run (`forkServer(false)`).\n\n");
        md.append("| stage | (b) full isolation | (c) seccomp only | (b) − (c) medians | (b₁) launcher per run |\n"
                + "|---|---:|---:|---:|---:|\n");
        for (String stage : b.keySet()) {
            Samples.Summary sb = b.get(stage).summary();
            Samples.Summary sc = c == null ? null : c.get(stage).summary();
            Samples.Summary sd = bd == null ? null : bd.get(stage).summary();
            md.append(String.format(
                    "| %s | %s | %s | %s | %s |%n",
                    stage,
                    cell(sb, "%.0f"),
                    sc == null ? "—" : cell(sc, "%.0f"),
                    sc == null ? "—" : String.format("%+.0f", sb.median() - sc.median()),
                    sd == null ? "—" : cell(sd, "%.0f")));
        }

        md.append("\n### 4. Command line end to end (ms per start, one at a time, interleaved)\n\n");
        if (r.cliNote != null) {
            md.append("CLI: ").append(r.cliNote).append(".\n\n");
        }
        md.append("| command | median | min – max | p90 | runs |\n|---|---:|---:|---:|---:|\n");
        r.cli.forEach((key, s) -> row(md, r.labels.get(key), s.summary(), "%.1f"));

        md.append("\n### 5. seccomp\n\n");
        md.append("BPF instructions the kernel runs per permitted syscall (counted by the interpreter, arguments 0; "
                + "binary-search dispatch):\n\n");
        md.append(
                "| profile | permitted syscalls | program length | min / median / max | mean |\n|---|---:|---:|---|---:|\n");
        for (SpawnBench.BpfRow row : r.bpf) {
            md.append(String.format(
                    "| %s | %d | %d | %d / %d / %d | %.1f |%n",
                    row.profile(), row.permitted(), row.length(), row.min(), row.median(), row.max(), row.mean()));
        }
        if (!r.syscallLoop.isEmpty()) {
            md.append(String.format(
                    "%nA tight loop of `syscall(SYS_getppid)` × %,d (C, `gcc -O2 -static`, built by the "
                            + "harness), timed by the program itself in CPU time: ns per call, median and min – max. getppid runs %d BPF "
                            + "instructions under MINIMAL.%n%n",
                    r.settings.loopIterations(), r.getppidInstructions));
            md.append("| where | ns per getppid | runs |\n|---|---:|---:|\n");
            r.syscallLoop.forEach((key, s) -> md.append(
                    String.format("| %s | %s | %d |%n", r.labels.get(key), cell(s.summary(), "%.0f"), s.size())));
            Samples.Summary with = r.syscallLoop.get("loop-minimal").summary();
            Samples.Summary without = r.syscallLoop.get("loop-nofilter").summary();
            md.append(String.format(
                    "%nThe MINIMAL filter costs %.0f ns per syscall (%.0f%% on getppid, %.1f ns per "
                            + "BPF instruction run).%n",
                    with.median() - without.median(),
                    100 * (with.median() / without.median() - 1),
                    (with.median() - without.median()) / r.getppidInstructions));
            Samples.Summary unsupervised =
                    r.syscallLoop.get("loop-unsupervised").summary();
            md.append(String.format(
                    "Supervision (refusals return USER_NOTIF instead of KILL_PROCESS, the allow path "
                            + "unchanged): %+.0f ns per permitted syscall, supervised minus unsupervised medians.%n",
                    with.median() - unsupervised.median()));
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String label, Samples.Summary s, String fmt) {
        md.append(String.format(
                "| %s | " + fmt + " | " + fmt + " – " + fmt + " | " + fmt + " | %d |%n",
                label,
                s.median(),
                s.min(),
                s.max(),
                s.p90(),
                s.count()));
    }

    private static String cell(Samples.Summary s, String fmt) {
        return String.format(fmt + " (" + fmt + " – " + fmt + ")", s.median(), s.min(), s.max());
    }

    private static void ratio(
            StringBuilder md, SpawnBench.Results r, String label, String num, String den, String target) {
        Samples n = r.latency.all().get(num);
        Samples d = r.latency.all().get(den);
        if (n == null || d == null) {
            md.append(String.format(
                    "| %s | not measured | | %s | |%n", label, target == null ? "" : "≤ " + TARGETS.get(target)));
            return;
        }
        double value = n.summary().median() / d.summary().median();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Map<String, Samples> round : r.latency.rounds()) {
            double q =
                    round.get(num).summary().median() / round.get(den).summary().median();
            lo = Math.min(lo, q);
            hi = Math.max(hi, q);
        }
        md.append(String.format("| %s | %.2f | %.2f – %.2f | %s |%n", label, value, lo, hi, verdict(value, target)));
    }

    private static void cliRatio(StringBuilder md, SpawnBench.Results r, String label, String den, String target) {
        Samples n = r.cli.get("cli");
        Samples d = r.cli.get(den);
        if (n == null || d == null) {
            md.append(String.format("| %s | not measured | | %s |%n", label, verdict(Double.NaN, target)));
            return;
        }
        md.append(String.format(
                "| %s | %.2f | — | %s |%n",
                label,
                n.summary().median() / d.summary().median(),
                verdict(n.summary().median() / d.summary().median(), target)));
    }

    private static String verdict(double value, String target) {
        if (target == null) {
            return "— | —";
        }
        double limit = TARGETS.get(target);
        if (Double.isNaN(value)) {
            return String.format("≤ %.1f | not measured", limit);
        }
        return value <= limit
                ? String.format("≤ %.1f | met (%.1f%% under)", limit, 100 * (1 - value / limit))
                : String.format(
                        "≤ %.1f | **missed** by %.1f%% (%.2f over)", limit, 100 * (value / limit - 1), value - limit);
    }

    /** Replaces the figures between the markers, or creates the file with only the figures. */
    static void writeInto(Path file, String figures) throws IOException {
        String block = BEGIN + "\n\n" + figures.strip() + "\n\n" + END;
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n" + BEGIN + "\n" + END + "\n";
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        String updated = begin >= 0 && end > begin
                ? text.substring(0, begin) + block + text.substring(end + END.length())
                : text.strip() + "\n\n" + block + "\n";
        Files.writeString(file, Objects.requireNonNull(updated));
    }
}
