package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Helpers for tests against the real kernel. They need root and a writable cgroup hierarchy per controller;
 * elsewhere they are skipped, except under {@code CI=true}, where a missing prerequisite fails the run (CI runs
 * as root on a VM: a silent skip there would hide a broken environment).
 */
final class LiveCgroups {
    private LiveCgroups() {}

    /**
     * Fails under CI, skips elsewhere, unless cgroups with every limit sandbox4j sets are usable here (root, or a
     * delegated v2 subtree).
     */
    static CgroupLayout requireUsable() {
        CgroupLayout layout = CgroupLayout.detect();
        CgroupConfig everything =
                CgroupConfig.builder().memory("64M").cpuPercent(50).maxPids(64).build();
        CgroupAvailability availability = SandboxCgroups.availability(everything, layout);
        String problem = availability.available()
                ? null
                : "cgroups unusable" + (isRoot() ? "" : " (not running as root)") + ": " + availability.unavailable();
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the real-kernel cgroup tests cannot run: " + problem);
            }
            Assumptions.abort(problem);
        }
        return layout;
    }

    private static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).contains("\nUid:\t0\t");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts {@code command} inside the sandbox's cgroups the way the launcher will: a shell writes its own pid
     * into every cgroup.procs file, exits if any write fails (so a workload never runs unconfined), then execs
     * the workload, which thus starts as a member.
     */
    static Process startIn(SandboxCgroup cgroup, String... command) throws IOException {
        StringBuilder script = new StringBuilder();
        for (Path procs : cgroup.procsFiles()) {
            script.append("echo $$ > '").append(procs).append("' || exit 97; ");
        }
        script.append("exec \"$@\"");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "sh"));
        argv.addAll(List.of(command));
        return new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Every sandbox cgroup this JVM owns, in every hierarchy's own cgroup (other owners' are not ours to judge). */
    static List<Path> leftovers(CgroupLayout layout) {
        String tag = Owner.current(LiveCgroupFs.INSTANCE).tag();
        List<Path> found = new ArrayList<>();
        for (CgroupHierarchy hierarchy : layout.hierarchies()) {
            if (hierarchy.ownDirectory() == null) {
                continue;
            }
            try (Stream<Path> children = Files.list(hierarchy.ownDirectory())) {
                children.filter(p -> p.getFileName().toString().startsWith(CgroupName.PREFIX)
                                && p.getFileName().toString().contains(tag))
                        .forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    static void assertNoLeftovers(CgroupLayout layout) {
        assertThat(leftovers(layout))
                .as("sandbox cgroups of this JVM left behind")
                .isEmpty();
    }

    /**
     * This host's layout restricted to the v1 hierarchies of {@code controllers} (no unified tree), read from a
     * copy of /proc/self/mountinfo beneath {@code root} whose mount points are symlinks to the real ones. The
     * sandbox cgroups made through it are real; only the choice of mechanisms changes, so that kill-all must
     * use the freezer, or pids.max = 0 and kill by pid, as on a legacy host without cgroup.kill.
     */
    static CgroupLayout legacyView(Path root, String... controllers) throws IOException {
        StringBuilder mountinfo = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ");
            String[] fields = halves[0].split(" ");
            String[] after = halves[1].split(" ");
            if (!after[0].equals("cgroup")) {
                continue;
            }
            List<String> options = List.of(after[2].split(","));
            if (Stream.of(controllers).noneMatch(options::contains)) {
                continue;
            }
            Path real = Path.of(fields[4]);
            Path link = root.resolve(fields[4].substring(1));
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, real);
            mountinfo.append(line).append('\n');
        }
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/self/mountinfo"), mountinfo);
        Files.copy(Path.of("/proc/self/cgroup"), root.resolve("proc/self/cgroup"));
        return CgroupLayout.read(root);
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
