package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything sandbox-cgroup asks of the kernel, behind one seam.
 *
 * <p>Reading and writing cgroup files could be tested against a plain temporary directory, but the semantics
 * that matter most cannot: {@code mkdir} in a cgroupfs makes the control files appear, {@code rmdir} removes
 * a directory full of them (and fails with EBUSY while tasks live), {@code cgroup.kill} empties
 * {@code cgroup.procs}, and signals reach processes. The live implementation is {@link LiveCgroupFs}; tests of
 * the cgroup v2 logic use a fake that emulates those rules on a temporary directory.
 */
interface CgroupFs {

    /** The file's content with surrounding whitespace removed; empty when the file does not exist. */
    Optional<String> read(Path file) throws IOException;

    /**
     * Writes {@code value} with one write(2), as cgroup files require (each write is parsed on its own).
     *
     * @throws java.nio.file.NoSuchFileException when the file does not exist (the kernel lacks the feature)
     * @throws IOException                       with the kernel's reason (e.g. "Invalid argument") otherwise
     */
    void write(Path file, String value) throws IOException;

    /** Creates one cgroup directory; fails if it exists. */
    void mkdir(Path directory) throws IOException;

    /** Removes one empty cgroup directory (its control files go with it). */
    void rmdir(Path directory) throws IOException;

    /** The child cgroups (subdirectories) of {@code directory}; empty when it does not exist. */
    List<Path> children(Path directory) throws IOException;

    boolean exists(Path path);

    /** Whether this process may write {@code path} (access(2) W_OK; the read-only mount case included). */
    boolean isWritable(Path path);

    /**
     * Sends SIGKILL to {@code pid}; a process that is already gone is not an error, and a pid ≤ 0 (v2 lists
     * members outside this pid namespace as 0) is never passed to kill(2), where it would mean a process group.
     */
    void kill(long pid);

    /**
     * When process {@code pid} started, in clock ticks after boot (field 22 of {@code /proc/<pid>/stat}); empty
     * when there is no such process. Together with the pid it identifies a process across pid reuse.
     */
    OptionalLong startTime(long pid);
}
