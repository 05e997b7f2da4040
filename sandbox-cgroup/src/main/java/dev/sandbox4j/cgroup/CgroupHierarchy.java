package dev.sandbox4j.cgroup;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One mounted cgroup hierarchy as this process sees it.
 *
 * @param version      1 for a legacy ({@code cgroup}) hierarchy, 2 for the unified ({@code cgroup2}) one
 * @param mountPoint   where the hierarchy is mounted (beneath the file-system root it was read from)
 * @param controllers  v1: the controllers bound to the hierarchy, from its super options, including
 *                     {@code name=xyz} for a named hierarchy; v2: the controllers listed in
 *                     {@code cgroup.controllers} of this process's own cgroup (or of the mount's root when
 *                     the own cgroup is unreachable), i.e. those that can be enabled for children there
 * @param ownPath      this process's cgroup in the hierarchy as {@code /proc/self/cgroup} gives it, e.g.
 *                     {@code /process_api/42}; {@code null} when that file has no line for the hierarchy
 * @param ownDirectory {@code mountPoint} plus {@code ownPath} relative to the mount's root; {@code null} when
 *                     the own cgroup is not visible through this mount (it lies outside the mount's root, e.g.
 *                     the root is {@code /..} under a cgroup namespace)
 * @param readOnly     the mount itself is read-only (per-mount options); writes fail with EROFS
 */
public record CgroupHierarchy(
        int version, Path mountPoint, Set<String> controllers, String ownPath, Path ownDirectory, boolean readOnly) {

    public CgroupHierarchy {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("cgroup version must be 1 or 2, not " + version);
        }
        Objects.requireNonNull(mountPoint, "mountPoint");
        // Sorted so that summaries and messages are stable from run to run.
        SortedSet<String> sorted = new TreeSet<>(controllers);
        controllers = Collections.unmodifiableSortedSet(sorted);
    }

    /** Whether {@code controller} (e.g. {@code "memory"} or {@code "name=systemd"}) is in this hierarchy. */
    public boolean hasController(String controller) {
        return controllers.contains(controller);
    }

    /** Whether this process's own cgroup can be reached as a directory through this mount. */
    public boolean ownDirectoryReachable() {
        return ownDirectory != null;
    }

    /** E.g. {@code v1 memory at /sys/fs/cgroup/memory, own cgroup /process_api/42}. */
    @Override
    public String toString() {
        return "v" + version + " " + (controllers.isEmpty() ? "(no controllers)" : String.join(",", controllers))
                + " at " + mountPoint + (readOnly ? " (read-only)" : "")
                + ", own cgroup " + (ownPath == null ? "unknown" : ownPath)
                + (ownPath != null && ownDirectory == null ? " (not reachable through this mount)" : "");
    }
}
