package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's leaf in a delegated cgroup v2 namespace root (a pod's or container's own cgroup, seen as "/"): the
 * kernel lets a non-root cgroup with member processes enable no domain controller for its children (the
 * no-internal-process rule), so the JVM, with the processes it started, moves into {@value #NAME} beneath it, and
 * the root can then enable the controllers sandboxes need; sandbox cgroups go beside the leaf. Done only there:
 * the namespace root and everything beneath belong to the container, unlike a host's cgroups, which systemd owns.
 */
final class JvmLeaf {
    /** Not a sandbox cgroup name (see {@link CgroupName}): stale-cgroup cleaning never takes it for one. */
    static final String NAME = "sandbox4j.jvm";
    /** What the root enables for its children when the JVM moves: every controller a sandbox limit uses. */
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    private static final Logger LOG = LoggerFactory.getLogger(JvmLeaf.class);

    private JvmLeaf() {}

    /**
     * Moves this JVM (and its descendants) from {@code base} into {@code leaf}, creating it if needed.
     *
     * @throws CgroupException when the leaf cannot be made or a process cannot be moved
     */
    static void enter(CgroupFs fs, Path base, Path leaf, Owner owner) {
        if (!fs.exists(leaf)) {
            try {
                fs.mkdir(leaf);
                LOG.info(
                        "cgroup v2: created {} for this JVM, so that {} may enable controllers for sandboxes",
                        leaf,
                        base);
            } catch (IOException e) {
                if (!fs.exists(leaf)) { // another thread of this JVM may have made it
                    throw new CgroupException(
                            "cannot create " + leaf + " to move this JVM into: " + CgroupFiles.reason(e), e);
                }
            }
        }
        for (String pid : ours(fs, base, owner)) {
            CgroupFiles.write(fs, leaf.resolve(CgroupTree.PROCS), pid);
        }
    }

    /** The members of {@code base} that are this JVM or its descendants. */
    private static List<String> ours(CgroupFs fs, Path base, Owner owner) {
        Set<String> mine = new HashSet<>();
        mine.add(Long.toString(owner.pid()));
        if (owner.pid() == ProcessHandle.current().pid()) {
            ProcessHandle.current().descendants().forEach(p -> mine.add(Long.toString(p.pid())));
        }
        List<String> found = new ArrayList<>();
        for (String pid : members(fs, base)) {
            if (mine.contains(pid)) {
                found.add(pid);
            }
        }
        return found;
    }

    /** The pids still in {@code base}, for the message when the kernel refuses to enable a controller there. */
    static List<String> members(CgroupFs fs, Path base) {
        String content =
                CgroupFiles.read(fs, base.resolve(CgroupTree.PROCS)).orElse("").strip();
        return content.isEmpty() ? List.of() : List.of(content.split("\\s+"));
    }
}
