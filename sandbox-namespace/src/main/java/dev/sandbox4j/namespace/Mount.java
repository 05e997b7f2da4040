package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a {@link FilesystemView}, as the user declared it. Destinations are paths inside the
 * sandbox: absolute, normalized, without {@code ..}. The records check their form when created; whether a
 * host source exists is checked by {@link FilesystemView.Builder#build()}.
 */
public sealed interface Mount {
    /** Where the entry appears inside the sandbox. */
    Path destination();

    /** A host file or directory bound at {@code destination}, read-only unless {@code writable}; nosuid, nodev. */
    record Bind(Path source, Path destination, boolean writable) implements Mount {
        public Bind {
            source = absolute("bind source", source);
            destination = inside("bind destination", destination);
        }
    }

    /**
     * A fresh tmpfs (memory-backed, gone after the run); nosuid, nodev.
     *
     * @param sizeBytes the size limit, 0 for the sandbox's default (half its memory limit, or
     *                  {@link FilesystemView#DEFAULT_TMPFS_SIZE}; never the kernel's unlimited default)
     * @param mode      the permissions of its root directory, e.g. {@code 01777} for a /tmp
     */
    record Tmpfs(Path destination, long sizeBytes, int mode) implements Mount {
        public Tmpfs {
            destination = inside("tmpfs destination", destination);
            if (sizeBytes < 0) {
                throw new InvalidConfigException("tmpfs size", Long.toString(sizeBytes), "cannot be negative");
            }
            checkMode("tmpfs mode", mode);
        }
    }

    /**
     * Host directories shown through overlayfs: the program sees the {@code lowers} (first = topmost) and
     * may change them, its changes go to an upper layer and the lowers stay untouched.
     *
     * @param upper where changes are kept on the host (with {@code work}, an empty directory on the same
     *              filesystem), or {@code null} to keep them in the launcher's tmpfs and discard them
     * @param work  overlayfs's scratch directory, {@code null} exactly when {@code upper} is
     */
    record Overlay(List<Path> lowers, Path destination, Path upper, Path work) implements Mount {
        public Overlay {
            if (lowers == null || lowers.isEmpty()) {
                throw new InvalidConfigException("overlay lower", "none", "give at least one lower directory");
            }
            lowers = lowers.stream().map(p -> absolute("overlay lower", p)).toList();
            destination = inside("overlay destination", destination);
            if ((upper == null) != (work == null)) {
                throw new InvalidConfigException(
                        "overlay upper",
                        String.valueOf(upper),
                        "a kept upper layer needs a work directory too (and a discarded one neither)");
            }
            upper = upper == null ? null : absolute("overlay upper", upper);
            work = work == null ? null : absolute("overlay work directory", work);
        }

        /** Whether the upper layer lives on the host and outlives the run. */
        public boolean keepsChanges() {
            return upper != null;
        }
    }

    /** A fresh proc showing the sandbox's own processes; needs the PID namespace. nosuid, nodev, noexec. */
    record Proc(Path destination) implements Mount {
        public Proc {
            destination = inside("proc destination", destination);
        }
    }

    /**
     * A minimal /dev: a tmpfs with the host's null, zero, full, random, urandom and tty bound in, a private
     * shm tmpfs, a new devpts instance on pts, and the usual symlinks (fd, stdin, stdout, stderr, ptmx, core).
     */
    record Dev(Path destination) implements Mount {
        public Dev {
            destination = inside("dev destination", destination);
        }
    }

    /** A symbolic link at {@code destination} pointing to {@code target} (as given, relative or absolute). */
    record Symlink(Path destination, String target) implements Mount {
        public Symlink {
            destination = inside("symlink", destination);
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
                throw new InvalidConfigException("symlink target", target, "must be non-empty without NUL");
            }
        }
    }

    /** An empty directory with the given permissions (no-op if the path already is a directory). */
    record Dir(Path destination, int mode) implements Mount {
        public Dir {
            destination = inside("directory", destination);
            checkMode("directory mode", mode);
        }
    }

    /** A host path: absolute and normalized; whether it exists is checked at build(). */
    private static Path absolute(String what, Path p) {
        Objects.requireNonNull(p, what);
        if (!p.isAbsolute()) {
            throw new InvalidConfigException(what, p.toString(), "must be an absolute path");
        }
        return noNul(what, p.normalize());
    }

    /** A path inside the sandbox: absolute, and without ".." (which would be resolved against the host's tree). */
    static Path inside(String what, Path p) {
        Objects.requireNonNull(p, what);
        if (!p.isAbsolute()) {
            throw new InvalidConfigException(what, p.toString(), "must be an absolute path inside the sandbox");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new InvalidConfigException(what, p.toString(), "must not contain '..'");
            }
        }
        return noNul(what, p.normalize());
    }

    private static Path noNul(String what, Path p) {
        if (p.toString().indexOf('\0') >= 0) {
            throw new InvalidConfigException(what, p.toString().replace('\0', '?'), "contains a NUL character");
        }
        return p;
    }

    private static void checkMode(String what, int mode) {
        if (mode < 0 || mode > 07777) {
            throw new InvalidConfigException(what, Integer.toOctalString(mode), "must be 0 to 07777 (octal)");
        }
    }
}
