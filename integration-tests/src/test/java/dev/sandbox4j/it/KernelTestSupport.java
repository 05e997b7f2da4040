package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.ForkServerProbe;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shared by the kernel tests: a feature check that fails under CI (where every feature must be present)
 * and skips elsewhere, and a leak check around every test.
 */
public final class KernelTestSupport {
    private KernelTestSupport() {}

    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** A missing kernel feature: a failure under CI=true, a skipped test elsewhere. */
    public static void requireFeature(boolean present, String what) {
        if (ci()) {
            assertThat(present).as("CI=true requires " + what).isTrue();
        } else {
            Assumptions.assumeTrue(present, what + " is not available here");
        }
    }

    /** Runs {@code script} with /bin/sh in a sandbox that sees {@code view}, within {@code timeout}. */
    public static dev.sandbox4j.exec.SandboxResult runInView(
            dev.sandbox4j.namespace.FilesystemView view, String script, java.time.Duration timeout)
            throws InterruptedException {
        dev.sandbox4j.exec.SandboxConfig config = dev.sandbox4j.exec.SandboxConfig.builder()
                .timeout(timeout)
                .filesystem(view)
                .build();
        try (dev.sandbox4j.exec.Sandbox sandbox = dev.sandbox4j.exec.Sandbox.create(config)) {
            return sandbox.run(List.of("/bin/sh", "-c", script));
        }
    }

    /**
     * Whether a program runs in the default filesystem view here (Linux 5.12+ mount API in a user namespace).
     * Also opens the JDK's random source for temporary directories, which it keeps: before a leak check counts
     * descriptors, not in whichever @TempDir test happens to run first.
     */
    public static boolean defaultViewUsable() throws Exception {
        Files.delete(Files.createTempDirectory("sandbox4j-warmup"));
        try {
            return runInView(
                            dev.sandbox4j.namespace.FilesystemView.defaults().build(),
                            "true",
                            java.time.Duration.ofSeconds(20))
                    .success();
        } catch (dev.sandbox4j.core.SandboxSetupException e) {
            return false;
        }
    }

    /** The command line of a JVM like this test's (the same {@code java} and class path) running {@code main}. */
    static List<String> javaMain(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * A privileged JVM killed with sandboxes running leaves their cgroups behind: the next JVM's first sandbox must
     * run, and remove them.
     */
    static void assertTheNextJvmCleansUpAfter(long killedPid) throws IOException, InterruptedException {
        Process next = new ProcessBuilder(javaMain(RunOneSandbox.class))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(next.waitFor()).as("the next JVM's sandbox").isZero();
        assertThat(sandboxCgroupsOf(killedPid))
                .as("the killed JVM's cgroups, after the next JVM's first run")
                .isEmpty();
    }

    /** Waits up to 20 s until {@code sandbox} holds {@code count} pre-warmed sandboxes; fails the test after. */
    static void awaitPrewarmed(dev.sandbox4j.exec.Sandbox sandbox, int count) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (sandbox.prewarmed() < count) {
            assertThat(System.nanoTime())
                    .as("%d pre-warmed sandboxes within 20 s", count)
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /**
     * Runs {@code /bin/true} in {@code sandbox}: fails under CI (skips elsewhere) when sandboxes of that kind
     * cannot run here at all, naming {@code what} they need. Also lets the JDK open what it opens lazily (a
     * cleaner thread, descriptors, the fork server) before a leak check counts.
     */
    static void requireRunnable(dev.sandbox4j.exec.Sandbox sandbox, String what) throws InterruptedException {
        boolean usable;
        try {
            usable = sandbox.run(java.util.List.of("/bin/true")).success();
        } catch (dev.sandbox4j.core.SandboxSetupException e) {
            usable = false;
        }
        requireFeature(usable, what);
    }

    public static long euid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.split("\\s+")[2]);
            }
        }
        throw new IllegalStateException("no Uid line");
    }

    /**
     * What each open descriptor of this JVM refers to, e.g. {@code socket:[123]} or a path, sorted: compared as
     * a multiset, so that the listing's own descriptor (one in each listing, under whatever number is free)
     * cancels out. Comparing descriptor numbers would not: a transient descriptor elsewhere moves the listing's
     * own to another number, which then looks like a new {@code /proc/<jvm>/fd} descriptor.
     */
    static List<String> fdTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        // The fork server's connection is the JVM's for its lifetime (a new one after a test killed the server).
        String server = ForkServerProbe.socketTarget().orElse(null);
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.equals(server)) {
                        targets.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // listed, then closed before it could be read: not open any more
                }
            }
        }
        targets.sort(null);
        return targets;
    }

    /** The entries of {@code after} that {@code before} does not account for (multiset difference). */
    static List<String> added(List<String> before, List<String> after) {
        List<String> added = new ArrayList<>(after);
        for (String target : before) {
            added.remove(target);
        }
        return added;
    }

    /** Live threads, minus the JDK's own pools that come and go by themselves. */
    static java.util.Set<Thread> appThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("process reaper")
                        && !t.getName().contains("CompilerThread"))
                .filter(t -> !t.getName().equals(ForkServerProbe.THREAD_NAME))
                .collect(Collectors.toSet());
    }

    /** This JVM's sandbox cgroups that still exist; see {@link #sandboxCgroupsOf(long)}. */
    static List<Path> ownSandboxCgroups() throws IOException {
        return sandboxCgroupsOf(ProcessHandle.current().pid());
    }

    /**
     * The sandbox cgroups JVM {@code pid} made that still exist, beneath this JVM's own cgroup in every hierarchy
     * (where privileged runs put theirs, and where a child JVM inherits): {@code
     * sandbox4j-<id>-<pidns>-<pid>-<start time>-<seq>}. Other JVMs' are not counted.
     */
    static List<Path> sandboxCgroupsOf(long pid) throws IOException {
        Pattern theirs = Pattern.compile("sandbox4j-.+-\\d+-" + pid + "-\\d+-\\d+");
        List<Path> found = new ArrayList<>();
        for (dev.sandbox4j.cgroup.CgroupHierarchy hierarchy :
                dev.sandbox4j.cgroup.CgroupLayout.detect().hierarchies()) {
            Path own = hierarchy.ownDirectory();
            if (own == null || !Files.isDirectory(own)) {
                continue;
            }
            try (Stream<Path> children = Files.list(own)) {
                children.filter(p -> theirs.matcher(p.getFileName().toString()).matches())
                        .forEach(found::add);
            }
        }
        return found;
    }

    static List<String> sandboxThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("sandbox4j-") && !n.equals(ForkServerProbe.THREAD_NAME))
                .collect(Collectors.toList());
    }

    /**
     * This JVM's descendants except its fork server and the server's one idle spare: the server is the one
     * deliberate child that lives as long as the JVM, and between runs it has no child but a spare launcher
     * (forked ahead of the next run, childless itself). Anything else is listed.
     */
    static List<String> strayProcesses() {
        ProcessHandle server = ForkServerProbe.server().orElse(null);
        List<ProcessHandle> spares = server == null
                ? List.of()
                : server.children().filter(ForkServerProbe::isSpare).limit(1).toList();
        return ProcessHandle.current()
                .descendants()
                .filter(p -> server == null || p.pid() != server.pid())
                .filter(p -> spares.stream().noneMatch(s -> s.pid() == p.pid()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.toList());
    }

    /**
     * After every test: no child process of the JVM but its fork server, which has no child but its idle spare; no
     * sandbox thread but the server's reader; no sandbox cgroup; no more open descriptors than before. The
     * server, its connection and its thread are made during the warm-up, before the first baseline, and are
     * left out of the comparisons (a test that kills the server gets a new one on its next run).
     *
     * <p>The JDK opens some descriptors lazily, once per JVM, and keeps them: those must not be charged to
     * whichever test happens to come first (surefire's class order follows the file system, so that varies).
     * {@link #warmUpOnce()} opens them before the first baseline.
     */
    public static final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);
        private static boolean warm;

        /**
         * The JDK's once-per-JVM descriptors on the paths a sandbox takes. Measured with a fresh JVM: the first
         * {@code FileChannel} (cgroup files are written through one) makes NIO's dispatcher open a socket it
         * keeps for the JVM's lifetime (the pre-close socketpair end), 0 sockets before, 1 after, still 1
         * after the next; the first temporary file or directory seeds a SecureRandom that keeps
         * {@code /dev/urandom} open; the first {@code FileInputStream} (ProcessBuilder opens one for a
         * redirect from a file, as every sandbox's stdin is) registers with the JDK's cleaner; loading the
         * jnr-ffi libc binding (the first build() of a config does, to probe Landlock) starts a "Cleaner-0"
         * thread that lives as long as the JVM.
         */
        private static synchronized void warmUpOnce() throws IOException {
            if (warm) {
                return;
            }
            Path file = Files.createTempFile("sandbox4j-leakcheck", ".tmp");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(false);
            } finally {
                Files.delete(file);
            }
            dev.sandbox4j.namespace.LandlockSupport.probe();
            try (FileInputStream devNull = new FileInputStream("/dev/null")) {
                devNull.available();
            }
            try (Selector selector = Selector.open();
                    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.configureBlocking(false).register(selector, SelectionKey.OP_ACCEPT);
                selector.selectNow();
            }
            // The fork server: the JVM's one long-lived child, with its socket and reader thread.
            ForkServerProbe.ensureRunning();
            warm = true;
        }

        @Override
        public void beforeEach(ExtensionContext context) throws Exception {
            warmUpOnce();
            context.getStore(NS).put("fds", fdTargets());
            context.getStore(NS).put("threads", appThreads());
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            @SuppressWarnings("unchecked")
            List<String> fdsBefore = context.getStore(NS).get("fds", List.class);
            long deadline = System.nanoTime() + 2_000_000_000L;
            // Descriptors too may take a moment: HotSpot's own container support reads the JVM's cgroup files
            // from native threads (seen: the JVM's own memory.limit_in_bytes open while no Java thread touched
            // cgroups), closing it again at once. A descriptor still open after 2 s is not one of those.
            List<String> fdsAdded = added(fdsBefore, fdTargets());
            List<String> strays = strayProcesses();
            List<String> threads = sandboxThreads();
            while (System.nanoTime() < deadline && (!strays.isEmpty() || !threads.isEmpty() || !fdsAdded.isEmpty())) {
                Thread.sleep(10);
                fdsAdded = added(fdsBefore, fdTargets());
                strays = strayProcesses();
                threads = sandboxThreads();
            }
            // The wait's last look, not a new one: the fork server forks its next spare when it is idle, which may
            // be now, and a fork is not yet named a spare in the instant after it (it has the server's command line).
            assertThat(strays).as("child processes left behind").isEmpty();
            assertThat(threads).as("sandbox threads left behind").isEmpty();
            assertThat(ownSandboxCgroups()).as("sandbox cgroups left behind").isEmpty();
            @SuppressWarnings("unchecked")
            java.util.Set<Thread> threadsBefore = context.getStore(NS).get("threads", java.util.Set.class);
            java.util.Set<Thread> added = appThreads();
            added.removeAll(threadsBefore);
            // Test code's own pools (e.g. an ExecutorService) are shut down by the tests themselves.
            added.removeIf(t -> t.getName().startsWith("pool-"));
            assertThat(added).as("threads started and not ended").isEmpty();
            // Also the wait's last look, which a new one could make catch one of HotSpot's passing reads (its
            // compiler threads read memory.limit_in_bytes dozens of times a second while they work).
            assertThat(fdsAdded)
                    .as("file descriptors the JVM opened and did not close")
                    .isEmpty();
        }
    }
}
