package dev.sandbox4j.bench;

import dev.sandbox4j.cgroup.CgroupHierarchy;
import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.exec.ForkServerProbe;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What many concurrent sandboxes cost in one JVM (issue 21): for 10, 100 and 1,000 sandboxes started with
 * {@link Sandbox#start} running {@code sleep}, the JVM's threads (in all, and per running sandbox beyond the
 * baseline), the native processes per sandbox, the proportional memory (PSS, from {@code /proc/<pid>/smaps_rollup})
 * per sandbox of sandbox4j's own processes and of the JVM, the JVM's descriptors per sandbox, the time to start them all and to end them all, and
 * a leak check afterwards: no process, cgroup, descriptor or thread left.
 *
 * <p>Prints figures only; nothing is asserted against a time. Usage: {@code ScaleBench [--pipe] [count...]}, by
 * default {@code 10 100 1000} with captured output ({@code --pipe}: stdout and stderr as {@code Output.pipe()}).
 * Needs as many pids as three per sandbox plus the JVM's threads.
 */
public final class ScaleBench {
    private static final List<String> SLEEP = List.of("sleep", "600");

    private ScaleBench() {}

    /** One level's figures. */
    record Figures(
            int count,
            int baselineThreads,
            int runningThreads,
            int processesPerSandbox,
            long nativePssKiB,
            long programPssKiB,
            long jvmPssKiB,
            double startSeconds,
            double endSeconds,
            List<String> leftover,
            Map<String, Integer> threadsByKind,
            double fdsPerSandbox) {

        double threadsPerSandbox() {
            return (runningThreads - baselineThreads) / (double) count;
        }

        String row() {
            return String.format(
                    "| %,d | %d | %d | %.3f | %.1f | %d | %.0f | %.0f | %.0f | %.2f | %.2f | %s |",
                    count,
                    baselineThreads,
                    runningThreads,
                    threadsPerSandbox(),
                    fdsPerSandbox,
                    processesPerSandbox,
                    nativePssKiB / (double) count,
                    programPssKiB / (double) count,
                    jvmPssKiB / (double) count,
                    startSeconds,
                    endSeconds,
                    leftover.isEmpty() ? "nothing" : String.join("; ", leftover));
        }
    }

    static final String HEADER = "| sandboxes | JVM threads before | JVM threads running | threads per sandbox "
            + "| JVM descriptors per sandbox | native processes per sandbox (program included) | sandbox4j PSS per sandbox (KiB) "
            + "| program PSS per sandbox (KiB) | JVM PSS growth per sandbox (KiB) | start all (s) | end all (s) "
            + "| left behind |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";

    public static void main(String[] args) throws Exception {
        List<Integer> counts = new ArrayList<>();
        boolean pipe = false;
        for (String a : args) {
            if (a.equals("--pipe")) {
                pipe = true;
            } else {
                counts.add(Integer.parseInt(a));
            }
        }
        if (counts.isEmpty()) {
            counts = List.of(10, 100, 1000);
        }
        List<Figures> all = new ArrayList<>();
        dev.sandbox4j.exec.SandboxBuilder config = SandboxConfig.builder();
        if (pipe) {
            config.stdout(Output.pipe()).stderr(Output.pipe());
        }
        try (Sandbox sandbox = Sandbox.create(config.build())) {
            // Warm up: the fork server, its spare, the JDK's lazily opened descriptors and classes.
            for (int i = 0; i < 3; i++) {
                try (SandboxProcess p = sandbox.start(List.of("true"))) {
                    p.waitFor();
                }
            }
            for (int count : counts) {
                Figures f = measure(sandbox, count);
                all.add(f);
                System.out.println(HEADER.lines().findFirst().orElseThrow());
                System.out.println(f.row());
                System.out.println("threads while running, by name: " + f.threadsByKind());
                System.out.flush();
            }
        }
        System.out.println();
        System.out.println("output " + (pipe ? "piped (Output.pipe())" : "captured (the default)"));
        System.out.println("Java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, load "
                + Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.println(HEADER);
        all.forEach(f -> System.out.println(f.row()));
    }

    static Figures measure(Sandbox sandbox, int count) throws Exception {
        settle();
        int baseThreads = threads();
        List<String> baseFds = fds();
        List<ProcessHandle> baseProcs = descendants();
        long baseNativePss = pss(baseProcs, false);
        long baseJvmPss = pss(ProcessHandle.current().pid());

        List<SandboxProcess> running = new ArrayList<>(count);
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < count; i++) {
                running.add(sandbox.start(SLEEP));
            }
            double start = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(1000); // every sandbox past its start: output handed over, nothing in flight
            int runningThreads = threads();
            Map<String, Integer> byKind = threadsByKind();
            double fdsPerSandbox = (fds().size() - baseFds.size()) / (double) count;
            List<ProcessHandle> procs = descendants();
            int perSandbox = Math.round((procs.size() - baseProcs.size()) / (float) count);
            long nativePss = pss(procs, false) - baseNativePss;
            long programPss = pss(procs, true);
            long jvmPss = pss(ProcessHandle.current().pid()) - baseJvmPss;

            long t1 = System.nanoTime();
            for (SandboxProcess p : running) {
                p.destroyForcibly();
            }
            for (SandboxProcess p : running) {
                p.close();
            }
            double end = (System.nanoTime() - t1) / 1e9;
            running.clear();
            return new Figures(
                    count,
                    baseThreads,
                    runningThreads,
                    perSandbox,
                    nativePss,
                    programPss,
                    jvmPss,
                    start,
                    end,
                    leftover(baseThreads, baseFds, baseProcs),
                    byKind,
                    fdsPerSandbox);
        } finally {
            for (SandboxProcess p : running) {
                p.close();
            }
        }
    }

    /** What the level left behind, after giving threads and the fork server's spare a moment to settle. */
    static List<String> leftover(int baseThreads, List<String> baseFds, List<ProcessHandle> baseProcs)
            throws Exception {
        List<String> left = new ArrayList<>();
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until
                && (threads() > baseThreads
                        || descendants().size() > baseProcs.size()
                        || fds().size() > baseFds.size())) {
            Thread.sleep(50);
        }
        int threads = threads();
        if (threads > baseThreads) {
            left.add((threads - baseThreads) + " threads " + threadsByKind());
        }
        List<ProcessHandle> procs = descendants();
        procs.removeIf(p -> baseProcs.stream().anyMatch(b -> b.pid() == p.pid()));
        procs.removeIf(ForkServerProbe::isSpare); // a new spare after the last run's
        if (!procs.isEmpty()) {
            left.add(procs.size() + " processes "
                    + procs.stream().map(p -> p.pid() + " " + comm(p.pid())).toList());
        }
        List<String> fds = fds();
        for (String f : baseFds) {
            fds.remove(f);
        }
        if (!fds.isEmpty()) {
            left.add(fds.size() + " descriptors " + fds.stream().limit(5).toList());
        }
        List<Path> cgroups = sandboxCgroups();
        if (!cgroups.isEmpty()) {
            left.add(cgroups.size() + " cgroups");
        }
        return left;
    }

    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(500);
    }

    static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Live threads by name, with digits folded so that one kind per sandbox counts as one line. */
    static Map<String, Integer> threadsByKind() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .collect(Collectors.groupingBy(
                        t -> t.getName().replaceAll("\\d+", "N"), TreeMap::new, Collectors.summingInt(t -> 1)));
    }

    static List<ProcessHandle> descendants() {
        return ProcessHandle.current().descendants().collect(Collectors.toCollection(ArrayList::new));
    }

    static List<String> fds() throws IOException {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    targets.add(Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return targets;
    }

    /** The summed PSS of the programs ({@code sleep}) among {@code procs}, or of all the others. */
    static long pss(List<ProcessHandle> procs, boolean programs) {
        long sum = 0;
        for (ProcessHandle p : procs) {
            if (comm(p.pid()).equals("sleep") == programs) {
                sum += pss(p.pid());
            }
        }
        return sum;
    }

    static long pss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException e) {
            // gone meanwhile
        }
        return 0;
    }

    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** This JVM's sandbox cgroups that still exist, in every hierarchy. */
    static List<Path> sandboxCgroups() throws IOException {
        Pattern ours =
                Pattern.compile("sandbox4j-.+-\\d+-" + ProcessHandle.current().pid() + "-\\d+-\\d+");
        List<Path> found = new ArrayList<>();
        for (CgroupHierarchy h : CgroupLayout.detect().hierarchies()) {
            Path own = h.ownDirectory();
            if (own == null || !Files.isDirectory(own)) {
                continue;
            }
            try (Stream<Path> children = Files.list(own)) {
                children.filter(p -> ours.matcher(p.getFileName().toString()).matches())
                        .forEach(found::add);
            }
        }
        return found;
    }
}
