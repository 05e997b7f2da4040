package dev.sandbox4j.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared by the kernel tests: a feature check that fails under CI (where every feature must be present)
 * and skips elsewhere, and a leak check around every test.
 */
final class KernelTestSupport {
    private KernelTestSupport() {
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** A missing kernel feature: a failure under CI=true, a skipped test elsewhere. */
    static void requireFeature(boolean present, String what) {
        if (ci()) {
            assertThat(present).as("CI=true requires " + what).isTrue();
        } else {
            Assumptions.assumeTrue(present, what + " is not available here");
        }
    }

    static long euid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.split("\\s+")[2]);
            }
        }
        throw new IllegalStateException("no Uid line");
    }

    static int openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /** Live threads, minus the JDK's own pools that come and go by themselves. */
    static java.util.Set<Thread> appThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("process reaper") && !t.getName().contains("CompilerThread"))
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
        for (dev.sandbox4j.core.CgroupHierarchy hierarchy : dev.sandbox4j.core.CgroupLayout.detect().hierarchies()) {
            Path own = hierarchy.ownDirectory();
            if (own == null || !Files.isDirectory(own)) {
                continue;
            }
            try (Stream<Path> children = Files.list(own)) {
                children.filter(p -> theirs.matcher(p.getFileName().toString()).matches()).forEach(found::add);
            }
        }
        return found;
    }

    static List<String> sandboxThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("sandbox4j-")).collect(Collectors.toList());
    }

    /**
     * After every test: no child process of the JVM, no sandbox thread, no sandbox cgroup, no more open
     * descriptors than before. Runs a warm-up first so lazily opened JDK descriptors (entropy, selectors) are not counted.
     */
    static final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

        @Override
        public void beforeEach(ExtensionContext context) throws Exception {
            context.getStore(NS).put("fds", openFds());
            context.getStore(NS).put("threads", appThreads());
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < deadline
                    && (ProcessHandle.current().children().findAny().isPresent() || !sandboxThreads().isEmpty())) {
                Thread.sleep(10);
            }
            assertThat(ProcessHandle.current().descendants().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")))
                    .as("child processes left behind").isEmpty();
            assertThat(sandboxThreads()).as("sandbox threads left behind").isEmpty();
            assertThat(ownSandboxCgroups()).as("sandbox cgroups left behind").isEmpty();
            @SuppressWarnings("unchecked")
            java.util.Set<Thread> threadsBefore = context.getStore(NS).get("threads", java.util.Set.class);
            java.util.Set<Thread> added = appThreads();
            added.removeAll(threadsBefore);
            // Test code's own pools (e.g. an ExecutorService) are shut down by the tests themselves.
            added.removeIf(t -> t.getName().startsWith("pool-"));
            assertThat(added).as("threads started and not ended").isEmpty();
            int before = context.getStore(NS).get("fds", Integer.class);
            assertThat(openFds()).as("open file descriptors of the JVM").isLessThanOrEqualTo(before);
        }
    }
}
