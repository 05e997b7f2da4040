package dev.sandbox4j.namespace.internal;

/**
 * One cgroup hierarchy the program sees at {@code /sys/fs/cgroup/NAME}, read-only. Mounted from inside the
 * sandbox's cgroup namespace, its root is the sandbox's own cgroup: runtimes that size themselves from their
 * cgroup (the JVM's heap and CPU count, Go, .NET, Node) read the sandbox's limits there.
 *
 * @param name    the directory under /sys/fs/cgroup, as on the host ({@code memory}, {@code unified}); empty
 *                for a unified hierarchy that is /sys/fs/cgroup itself (a pure cgroup v2 host)
 * @param version 1 (fstype {@code cgroup}, {@code options} its controllers, e.g. {@code cpu,cpuacct}) or 2
 * @param options the mount options, comma-separated; empty for version 2
 */
public record CgroupMount(String name, int version, String options) {
    public CgroupMount {
        if (name.contains("/")
                || name.startsWith(".")
                || (version != 1 && version != 2)
                || (name.isEmpty() && version != 2)) {
            throw new IllegalArgumentException("bad cgroup mount '" + name + "' v" + version);
        }
    }
}
