package dev.sandbox4j.namespace.internal;

import java.util.List;
import java.util.Objects;

/**
 * A {@link dev.sandbox4j.namespace.FilesystemView} compiled into the launcher's instructions: an ordered list of
 * plain operations (source, target, filesystem type, mount attributes, mode, options) that the launcher executes
 * one after another with no decisions of its own. Immutable; made by {@link MountPlanner}. Not API: its operations
 * change with the launcher.
 *
 * <p>Targets are paths inside the root being built once a {@link Kind#ROOT} operation has run (the
 * launcher resolves them with {@code openat2(RESOLVE_IN_ROOT)}, so a symlink in an untrusted tree cannot
 * lead a mount outside it), and paths of the launcher's private staging tmpfs before that.
 */
public final class MountPlan {
    /** {@code MOUNT_ATTR_*} values of mount_setattr(2)/fsmount(2). */
    public static final long ATTR_RDONLY = 0x1;

    public static final long ATTR_NOSUID = 0x2;
    public static final long ATTR_NODEV = 0x4;
    public static final long ATTR_NOEXEC = 0x8;

    /** What an operation does. */
    public enum Kind {
        /** Mount a new filesystem ({@code fstype}, {@code source} as its name, {@code data} comma-separated options) on {@code target}. */
        FILESYSTEM,
        /**
         * Bind {@code source} (a canonical host path, recursively) on {@code target}, with {@code attributes} set on
         * the whole copy before it is attached. The launcher opens {@code source} once, before any namespace, with
         * the caller's rights and following no symlink; {@code data} is where the same object lies once the host
         * is beneath the staging root, checked to be that very object where the copy is made there.
         */
        BIND,
        /** Make sure {@code target} is a directory, creating it with {@code mode}. */
        DIRECTORY,
        /** Make sure {@code target} exists as a file (a bind target for a file), creating it empty with {@code mode}. */
        FILE,
        /** Create a symlink at {@code target} pointing to {@code source}. */
        SYMLINK,
        /** Add {@code attributes} to the mount at {@code target} (not recursive). */
        SET_ATTRIBUTES,
        /**
         * Switch root to {@code target}. With a {@code source} (the put-old directory) this is the staging pivot and
         * the old root stays reachable there; without, the old root is detached for good.
         */
        PIVOT,
        /** From now on, resolve targets inside {@code target}. */
        ROOT,
        /**
         * Cover {@code target} with an empty, read-only tmpfs, so that what lies there is out of sight; nothing to
         * do (skipped) when the workload's ids cannot reach {@code target} in the first place.
         */
        MASK
    }

    /** One operation; unused text fields are empty strings, never null. */
    public record Operation(
            Kind kind, String source, String target, String fstype, long attributes, int mode, String data) {
        public Operation {
            Objects.requireNonNull(kind, "kind");
            source = Objects.requireNonNullElse(source, "");
            target = Objects.requireNonNull(target, "target");
            fstype = Objects.requireNonNullElse(fstype, "");
            data = Objects.requireNonNullElse(data, "");
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT)).append(' ');
            if (!fstype.isEmpty()) {
                s.append(fstype).append(' ');
            }
            if (!source.isEmpty()) {
                s.append(source).append(" -> ");
            }
            s.append(target);
            if (attributes != 0) {
                s.append(" attrs=0x").append(Long.toHexString(attributes));
            }
            if (kind == Kind.DIRECTORY || kind == Kind.FILE) {
                s.append(" mode=0").append(Integer.toOctalString(mode));
            }
            if (!data.isEmpty()) {
                s.append(" [").append(data).append(']');
            }
            return s.toString();
        }
    }

    private final List<Operation> operations;

    MountPlan(List<Operation> operations) {
        this.operations = List.copyOf(operations);
    }

    /** The operations in the order the launcher runs them. */
    public List<Operation> operations() {
        return operations;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("MountPlan[\n");
        operations.forEach(op -> s.append("  ").append(op).append('\n'));
        return s.append(']').toString();
    }
}
