package dev.sandbox4j.bench;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.StagedRun;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.BpfInterpreter;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompData;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spawn benchmarks of issue 7, in one JVM and one run: latency and throughput of {@code /bin/true}
 * unsandboxed, through sandbox4j with full isolation, through sandbox4j with seccomp only and through
 * bubblewrap; the stage breakdown of the sandboxed run; the command line's start against the JVM's floor;
 * and what seccomp costs per syscall.
 *
 * <p>A plain {@code main}, not JMH: every operation is a process spawn of milliseconds, far above the
 * timer and JIT effects JMH exists to control, and what matters is that the variants share the machine's
 * state. JMH runs one benchmark after another; here every variant runs in turn (see {@link Interleaved}),
 * so drift on a shared machine falls on all of them alike and the ratios stay meaningful.
 *
 * <p>Usage: {@code SpawnBench [--smoke] [--write BENCHMARKS.md]}; {@code ./benchmarks.sh} builds and runs
 * it. Without {@code --write} the report only goes to standard output.
 */
public final class SpawnBench {
    static final List<String> TRUE = List.of("/bin/true");
    static final int[] CONCURRENCY = {1, 2, 4};
    /** The limits of variant (b): a cgroup of its own per run in privileged mode, rlimits otherwise. */
    static final long MEMORY_LIMIT = 256L << 20;

    static final long PIDS_LIMIT = 256;

    static String limits(PrivilegeMode mode) {
        return mode == PrivilegeMode.PRIVILEGED
                ? "memory 256 MiB and 256 pids, enforced by a cgroup created for each run (memory and pids controllers)"
                : "memory 256 MiB and 256 pids, as RLIMIT_AS and RLIMIT_NPROC (unprivileged mode: no cgroup)";
    }

    /** How much to measure: {@link #full()} for the published figures, {@link #smoke()} for CI. */
    record Settings(
            String name,
            int warmup,
            int rounds,
            int runsPerRound,
            int throughputRounds,
            int throughputRuns,
            int breakdownRuns,
            int cliWarmup,
            int cliRuns,
            int loopRuns,
            long loopIterations) {
        static Settings full() {
            return new Settings("full", 20, 10, 40, 5, 60, 150, 3, 20, 5, 1_000_000);
        }

        static Settings smoke() {
            return new Settings("smoke", 1, 2, 2, 1, 4, 3, 1, 2, 1, 100_000);
        }

        String describe() {
            return String.format(
                    "%d warm-up runs of each; latency %d rounds × %d runs of each variant, one of each "
                            + "in turn (rotating order); throughput %d rounds × %d runs per variant and concurrency; "
                            + "breakdown %d runs of each of (b) and (c) in turn; command line %d runs of each; "
                            + "syscall loop %d runs × %,d calls of each",
                    warmup,
                    rounds,
                    runsPerRound,
                    throughputRounds,
                    throughputRuns,
                    breakdownRuns,
                    cliRuns,
                    loopRuns,
                    loopIterations);
        }
    }

    /** Everything one run measured; {@link Report} turns it into Markdown. */
    static final class Results {
        Settings settings;
        Machine machine;
        Instant started;
        Duration elapsed;
        String loadBefore;
        String loadAfter;
        PrivilegeMode mode;
        final Map<String, String> labels = new LinkedHashMap<>();
        final List<Variant.Unavailable> unavailable = new ArrayList<>();
        Interleaved.Latency latency;
        final Map<Integer, Map<String, Samples>> throughput = new LinkedHashMap<>();
        /** Per configuration key, per stage name: microseconds. */
        final Map<String, Map<String, Samples>> stages = new LinkedHashMap<>();

        final Map<String, Samples> cli = new LinkedHashMap<>();
        String cliNote;
        final List<BpfRow> bpf = new ArrayList<>();
        int getppidInstructions;
        /** Nanoseconds per getppid call. */
        final Map<String, Samples> syscallLoop = new LinkedHashMap<>();
    }

    record BpfRow(String profile, int permitted, int length, int min, int median, int max, double mean) {}

    private SpawnBench() {}

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.full();
        Path write = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> settings = Settings.smoke();
                case "--write" -> write = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: SpawnBench [--smoke] [--write FILE]");
                    System.exit(2);
                }
            }
        }
        Results results = measure(settings, System.err);
        String markdown = Report.markdown(results);
        System.out.println(markdown);
        if (write != null) {
            Report.writeInto(write, markdown);
            System.err.println("figures written to " + write);
        }
    }

    /** Runs every measurement; progress lines go to {@code log}. */
    static Results measure(Settings settings, java.io.PrintStream log) throws Exception {
        Results res = new Results();
        res.settings = settings;
        res.started = Instant.now();
        res.loadBefore = Machine.loadAverage();
        res.machine = Machine.describe();
        long t0 = System.nanoTime();

        SandboxConfig full = SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL)
                .memoryLimit(MEMORY_LIMIT)
                .pidsLimit(PIDS_LIMIT)
                .timeout(Duration.ofSeconds(30))
                .cwd(Path.of("/"))
                .build();
        res.mode = full.mode();
        SandboxConfig seccompOnly = null;
        try {
            // NamespaceConfig refuses an empty set, so UTS alone is the least the builder allows: its
            // creation copies one small struct. Without a user namespace the ids must be set by a
            // privileged caller, hence PRIVILEGED (and the workload runs as 65534).
            seccompOnly = SandboxConfig.builder()
                    .privilegeMode(PrivilegeMode.PRIVILEGED)
                    .namespaces(NamespaceConfig.of(Namespace.UTS))
                    .seccomp(SeccompProfile.MINIMAL)
                    .timeout(Duration.ofSeconds(30))
                    .cwd(Path.of("/"))
                    .build();
        } catch (RuntimeException e) {
            res.unavailable.add(new Variant.Unavailable("c", "(c) sandbox4j, seccomp only", e.getMessage()));
        }

        try (Programs programs = new Programs();
                Sandbox sandboxFull = Sandbox.create(full);
                Sandbox sandboxDirect =
                        Sandbox.create(full.toBuilder().forkServer(false).build());
                Sandbox sandboxSeccomp = seccompOnly == null ? null : Sandbox.create(seccompOnly)) {
            List<Variant> spawn = new ArrayList<>();
            spawn.add(variant(res, "a", "(a) ProcessBuilder, no isolation", () -> processBuilder(TRUE)));
            spawn.add(variant(
                    res,
                    "b",
                    "(b) sandbox4j: 7 namespaces, MINIMAL seccomp, limits",
                    () -> sandboxed(sandboxFull, TRUE)));
            if (sandboxSeccomp != null) {
                spawn.add(variant(
                        res,
                        "c",
                        "(c) sandbox4j: UTS namespace only, MINIMAL seccomp",
                        () -> sandboxed(sandboxSeccomp, TRUE)));
            }
            Programs.Result<List<String>> bwrap = Programs.bwrap();
            if (bwrap.ok()) {
                spawn.add(variant(
                        res, "d", "(d) ProcessBuilder → bwrap --unshare-all", () -> processBuilder(bwrap.value())));
            } else {
                res.unavailable.add(new Variant.Unavailable("d", "(d) bwrap", bwrap.reason()));
            }
            PosixSpawn posixSpawn = new PosixSpawn();
            spawn.add(variant(
                    res, "p", "(p) posix_spawn via jnr-ffi, no isolation (reference)", () -> posixSpawn.run(TRUE)));
            // (b) without the fork server: what a one-shot process (the CLI) gets, and what the server saves.
            spawn.add(variant(
                    res,
                    "bd",
                    "(b₁) as (b), a launcher per run by ProcessBuilder (forkServer(false))",
                    () -> sandboxed(sandboxDirect, TRUE)));

            log.println("bench: latency of /bin/true (" + spawn.size() + " variants)");
            res.latency = Interleaved.latency(spawn, settings.warmup(), settings.rounds(), settings.runsPerRound());
            System.gc();

            for (int threads : CONCURRENCY) {
                log.println("bench: throughput at concurrency " + threads);
                res.throughput.put(
                        threads,
                        Interleaved.throughput(spawn, threads, settings.throughputRounds(), settings.throughputRuns()));
            }
            System.gc();

            log.println("bench: stage breakdown");
            measureStages(res, settings, full, seccompOnly);
            System.gc();

            log.println("bench: command line against the JVM floor");
            measureCli(res, settings, programs, bwrap);

            log.println("bench: seccomp");
            countBpf(res);
            measureSyscallLoop(res, settings, programs, sandboxFull);
        }
        res.elapsed = Duration.ofNanos(System.nanoTime() - t0);
        res.loadAfter = Machine.loadAverage();
        return res;
    }

    private static Variant variant(Results res, String key, String label, Variant.Task task) {
        res.labels.put(key, label);
        return new Variant(key, label, task);
    }

    /** A plain spawn as a Java user writes it: default pipes, wait, close. */
    static void processBuilder(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).start();
        try (var in = p.getInputStream();
                var err = p.getErrorStream();
                var out = p.getOutputStream()) {
            int status = p.waitFor();
            if (status != 0) {
                throw new IllegalStateException(command + " exited with " + status);
            }
        }
    }

    static SandboxResult sandboxed(Sandbox sandbox, List<String> command) throws InterruptedException {
        SandboxResult r = sandbox.run(command);
        if (!r.success()) {
            throw new IllegalStateException("sandboxed " + command + " failed: " + r);
        }
        return r;
    }

    private static final List<String> STAGES = List.of(
            "cgroup named (RunCgroup.reserve; it is created in the connect stage, while the launcher starts)",
            "plan build (Planner)",
            "launcher spawn (fork server: SPAWN, plan included, until SPAWNED; (b₁): ProcessBuilder.start)",
            "cgroup created, limits written; launcher connected, told CGROUPS_READY (and (b₁): plan sent)",
            "namespaces, id maps, init, workload setup, execve",
            "/bin/true runs; init reaps and reports",
            "result collection (cgroup figures while init takes the namespaces down, INIT_REAPED, cgroup removal, captured output)",
            "total");

    private static void measureStages(Results res, Settings settings, SandboxConfig full, SandboxConfig seccompOnly)
            throws InterruptedException {
        Map<String, SandboxConfig> configs = new LinkedHashMap<>();
        configs.put("b", full);
        configs.put("bd", full.toBuilder().forkServer(false).build());
        if (seccompOnly != null) {
            configs.put("c", seccompOnly);
        }
        configs.keySet().forEach(k -> {
            Map<String, Samples> m = new LinkedHashMap<>();
            STAGES.forEach(s -> m.put(s, new Samples()));
            res.stages.put(k, m);
        });
        for (int i = 0; i < settings.warmup(); i++) {
            for (SandboxConfig c : configs.values()) {
                StagedRun.run(c, TRUE);
            }
        }
        for (int i = 0; i < settings.breakdownRuns(); i++) {
            for (String key : Interleaved.rotated(List.copyOf(configs.keySet()), i)) {
                StagedRun.Stages s = StagedRun.run(configs.get(key), TRUE);
                long[] values = {
                    s.cgroupReserve(),
                    s.plan(),
                    s.spawnLauncher(),
                    s.connectAndSendPlan(),
                    s.namespacesSetupExec(),
                    s.programRunAndReap(),
                    s.resultCollection(),
                    s.total()
                };
                Map<String, Samples> m = res.stages.get(key);
                for (int j = 0; j < values.length; j++) {
                    m.get(STAGES.get(j)).add(values[j] / 1e3);
                }
            }
        }
    }

    private static void measureCli(
            Results res, Settings settings, Programs programs, Programs.Result<List<String>> bwrap) throws Exception {
        List<Variant> cli = new ArrayList<>();
        String java = Programs.java();
        Programs.Result<Path> hello = programs.helloWorld();
        if (!hello.ok()) {
            res.unavailable.add(new Variant.Unavailable("hello", "java Hello", hello.reason()));
            return;
        }
        String cp = hello.value().toString();
        cli.add(cliVariant(
                res, "hello", "JVM floor: `java Hello` (default options)", List.of(java, "-cp", cp, "Hello")));
        // The options sandbox-ctl starts its JVM with (C1 only, serial GC, no perf data, huge pages where the
        // kernel offers them; its CDS archive aside): the floor for a JVM started the CLI's way, which separates
        // the CLI's own start-up from the options' effect.
        List<String> tuned = new ArrayList<>(
                List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto"));
        if (transparentHugePagesOffered()) {
            tuned.add("-XX:+UseTransparentHugePages");
        }
        tuned.addAll(List.of("-cp", cp, "Hello"));
        cli.add(cliVariant(res, "hello-tuned", "`java Hello` with sandbox-ctl's JVM options", tuned));
        Programs.Result<Path> ctl = Programs.sandboxCtl();
        if (ctl.ok()) {
            // MVN=false: an out-of-date checkout fails at once instead of running a Maven build mid-measurement.
            Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"), "MVN", "false");
            String script = ctl.value().toString();
            Programs.Exec run = Programs.Exec.run(List.of(script, "--", "/bin/true"), env, 300);
            if (run.status() == 0) {
                cli.add(cliVariant(res, "cli", "`sandbox-ctl -- /bin/true`", List.of(script, "--", "/bin/true"), env));
                res.cliNote = "end to end: the script, its JVM, a sandboxed /bin/true";
            } else {
                Programs.Exec version = Programs.Exec.run(List.of(script, "--version"), env, 300);
                if (version.status() == 0) {
                    cli.add(cliVariant(
                            res,
                            "cli",
                            "`sandbox-ctl --version` (CLI start-up only)",
                            List.of(script, "--version"),
                            env));
                    res.cliNote = "`sandbox-ctl -- /bin/true` does not run programs in this build (\"" + run.firstLine()
                            + "\"), so the CLI is measured by its start-up: the script, its JVM, picocli, `--version`";
                } else {
                    res.unavailable.add(new Variant.Unavailable("cli", "sandbox-ctl", version.firstLine()));
                }
            }
        } else {
            res.unavailable.add(new Variant.Unavailable("cli", "sandbox-ctl", ctl.reason()));
        }
        if (bwrap.ok()) {
            cli.add(cliVariant(res, "bwrap", "`bwrap --unshare-all … /bin/true`", bwrap.value()));
        }
        Interleaved.Latency l = Interleaved.latency(cli, settings.cliWarmup(), 1, settings.cliRuns());
        res.cli.putAll(l.all());
    }

    /** As sandbox-ctl decides: THP mode "always" or "madvise". */
    private static boolean transparentHugePagesOffered() {
        try {
            String mode = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return mode.contains("[always]") || mode.contains("[madvise]");
        } catch (IOException e) {
            return false;
        }
    }

    private static Variant cliVariant(Results res, String key, String label, List<String> command) {
        return cliVariant(res, key, label, command, Map.of());
    }

    /** A command started as a shell would, output discarded, which must exit 0. */
    private static Variant cliVariant(
            Results res, String key, String label, List<String> command, Map<String, String> env) {
        res.labels.put(key, label);
        File devNull = new File("/dev/null");
        return new Variant(key, label, () -> {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(devNull)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            int status = pb.start().waitFor();
            if (status != 0) {
                throw new IllegalStateException(command + " exited with " + status);
            }
        });
    }

    /** Instructions the kernel runs per permitted syscall, counted by the BPF interpreter (all arguments 0). */
    private static void countBpf(Results res) {
        Architecture arch = Architecture.current();
        for (SeccompProfile profile : SeccompProfile.values()) {
            BpfProgram program = profile.filter().compile(arch);
            BpfInterpreter interpreter = BpfInterpreter.of(program);
            Samples counts = new Samples();
            double sum = 0;
            for (String name : profile.permittedSyscalls(arch)) {
                int n = interpreter
                        .run(SeccompData.of(arch, arch.syscalls().numberOf(name)))
                        .instructionsExecuted();
                counts.add(n);
                sum += n;
                if (profile == SeccompProfile.MINIMAL && name.equals("getppid")) {
                    res.getppidInstructions = n;
                }
            }
            Samples.Summary s = counts.summary();
            res.bpf.add(new BpfRow(
                    profile.cliName(),
                    counts.size(),
                    program.length(),
                    (int) s.min(),
                    (int) s.median(),
                    (int) s.max(),
                    sum / counts.size()));
        }
    }

    private static void measureSyscallLoop(Results res, Settings settings, Programs programs, Sandbox withFilter)
            throws Exception {
        Programs.Result<Path> loop = programs.syscallLoop();
        if (!loop.ok()) {
            res.unavailable.add(new Variant.Unavailable("loop", "getppid loop", loop.reason()));
            return;
        }
        List<String> command = List.of(loop.value().toString(), Long.toString(settings.loopIterations()));
        double calls = settings.loopIterations();
        // The same filter with the kernel's own refusal: what a permitted call cost before the supervisor.
        SandboxConfig unsupervisedConfig;
        System.setProperty("sandbox4j.seccomp.supervisor", "false");
        try {
            unsupervisedConfig = withFilter.config().toBuilder().build();
        } finally {
            System.clearProperty("sandbox4j.seccomp.supervisor");
        }
        try (Sandbox noFilter = Sandbox.create(
                        withFilter.config().toBuilder().noSeccomp().build());
                Sandbox unsupervised = Sandbox.create(unsupervisedConfig)) {
            Map<String, Variant.Task> tasks = new LinkedHashMap<>();
            tasks.put("loop-host", () -> res.syscallLoop.get("loop-host").add(nanos(hostOutput(command)) / calls));
            tasks.put(
                    "loop-nofilter",
                    () -> res.syscallLoop
                            .get("loop-nofilter")
                            .add(nanos(sandboxed(noFilter, command).stdoutText()) / calls));
            tasks.put(
                    "loop-minimal",
                    () -> res.syscallLoop
                            .get("loop-minimal")
                            .add(nanos(sandboxed(withFilter, command).stdoutText()) / calls));
            tasks.put(
                    "loop-unsupervised",
                    () -> res.syscallLoop
                            .get("loop-unsupervised")
                            .add(nanos(sandboxed(unsupervised, command).stdoutText()) / calls));
            res.labels.put("loop-host", "unsandboxed (ProcessBuilder)");
            res.labels.put("loop-nofilter", "sandbox4j, 7 namespaces, no seccomp filter");
            res.labels.put("loop-minimal", "sandbox4j, 7 namespaces, MINIMAL filter, supervised (refusals named)");
            res.labels.put(
                    "loop-unsupervised", "sandbox4j, 7 namespaces, MINIMAL filter, unsupervised (the kernel's kill)");
            tasks.keySet().forEach(k -> res.syscallLoop.put(k, new Samples()));
            List<String> keys = List.copyOf(tasks.keySet());
            for (int i = 0; i < settings.loopRuns(); i++) {
                for (String k : Interleaved.rotated(keys, i)) {
                    tasks.get(k).run();
                }
            }
        }
    }

    private static String hostOutput(List<String> command) throws Exception {
        Programs.Exec e = Programs.Exec.run(command, 300);
        if (e.status() != 0) {
            throw new IllegalStateException(command + " exited with " + e.status() + ": " + e.firstLine());
        }
        return e.output();
    }

    private static double nanos(String output) {
        return Double.parseDouble(output.strip());
    }

    /** Where the figures were taken. */
    record Machine(int cores, String cpu, String kernel, String java) {
        static Machine describe() throws java.io.IOException {
            String cpu = "unknown CPU";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
            return new Machine(
                    Runtime.getRuntime().availableProcessors(),
                    cpu,
                    System.getProperty("os.version"),
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        }

        /** The 1, 5 and 15 minute load averages: how busy the shared machine was. */
        static String loadAverage() throws java.io.IOException {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        }
    }
}
