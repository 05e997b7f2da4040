package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.namespace.Mount;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Before a run: the upper and work directories of its kept overlays made ready for the program's host ids. The
 * overlay is mounted inside the run's user namespace, where overlayfs works with those ids: an upper or work
 * directory of the caller's (a root caller's program is 65534) would refuse the mount or every write. The work
 * directory is created here when missing, so its parent need not be writable by the program.
 */
final class OverlayDirectories {
    private OverlayDirectories() {}

    /**
     * The overlay is mounted with the program's ids, which must be able to search every directory above its upper
     * and work directories: refused before anything is changed, naming the one in the way.
     */
    private static void reachable(WorkloadIds ids, Path dir) {
        if (ids.isCaller()) {
            return;
        }
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            try {
                int mode = ((Number) Files.getAttribute(p, "unix:mode")).intValue();
                long owner = ((Number) Files.getAttribute(p, "unix:uid")).longValue();
                long group = ((Number) Files.getAttribute(p, "unix:gid")).longValue();
                int bit = owner == ids.uid() ? 0100 : group == ids.gid() ? 0010 : 0001;
                if ((mode & bit) == 0) {
                    throw new SandboxSetupException(
                            "prepare overlay",
                            13,
                            p + " (mode " + Integer.toOctalString(mode & 07777)
                                    + ", uid " + owner + ") is not searchable by the program's host uid " + ids.uid()
                                    + ", gid "
                                    + ids.gid() + ", so overlayfs cannot reach " + dir
                                    + " beneath it: put the overlay's upper "
                                    + "and work directories where that id may search (e.g. chmod o+x " + p + ")");
                }
            } catch (IOException e) {
                throw new SandboxSetupException("prepare overlay", 0, "cannot read " + p + ": " + e.getMessage());
            }
        }
    }

    static void prepare(SandboxConfig config) {
        if (config.filesystem().isEmpty()) {
            return;
        }
        WorkloadIds ids = WorkloadIds.of(config);
        for (Mount m : config.filesystem().get().mounts()) {
            if (m instanceof Mount.Overlay o && o.upper() != null) {
                reachable(ids, o.upper());
                reachable(ids, o.work().getParent());
                try {
                    try {
                        Files.createDirectory(
                                o.work(),
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    } catch (FileAlreadyExistsException exists) {
                        // kept from an earlier run: overlayfs cleans it itself
                    }
                    ids.own(o.upper());
                    ids.own(o.work());
                } catch (IOException | UnsupportedOperationException e) {
                    throw new SandboxSetupException(
                            "prepare overlay",
                            0,
                            "cannot hand the overlay's upper " + o.upper()
                                    + " and work directory " + o.work() + " to uid " + ids.uid() + ", gid " + ids.gid()
                                    + ": " + e
                                    + " (make them theirs, or run the sandbox as their owner)");
                }
            }
        }
    }
}
