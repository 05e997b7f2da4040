package dev.sandbox4j.cgroup;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandbox cgroups not yet closed, closed by a shutdown hook when the JVM exits normally, so that an
 * application that forgot {@code close()} (or exits while sandboxes run) leaves no workload and no cgroup
 * behind. A crash or SIGKILL of the JVM skips the hook; the next JVM's stale cleanup covers that.
 */
final class OpenCgroups {
    private static final Logger LOG = LoggerFactory.getLogger(OpenCgroups.class);
    private static final Set<SandboxCgroup> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private OpenCgroups() {}

    static void remember(SandboxCgroup cgroup) {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(OpenCgroups::closeAll, "sandbox4j-cgroup-cleanup"));
        }
        OPEN.add(cgroup);
    }

    static void forget(SandboxCgroup cgroup) {
        OPEN.remove(cgroup);
    }

    private static void closeAll() {
        for (SandboxCgroup cgroup : List.copyOf(OPEN)) {
            try {
                cgroup.close();
            } catch (RuntimeException e) {
                LOG.warn("could not clean up {} at JVM exit: {}", cgroup.name(), e.getMessage());
            }
        }
    }
}
