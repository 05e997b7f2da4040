package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Landlock filesystem rules: which paths the program may read, write or execute, enforced by the kernel
 * on top of everything else (applied in the workload after the mounts, before seccomp). Everything not
 * covered by a rule is denied, for every right the kernel's Landlock ABI knows. Immutable.
 *
 * <p>Paths are seen from inside the sandbox (after the root switch). Rules are bound to inodes, so they
 * follow bind mounts; overlayfs layers are separate inodes, so rule the overlay's mount point, not its
 * layers. Without a mount namespace Landlock is what keeps a program to its paths.
 *
 * <p>Not mediated by Landlock (so combine it with seccomp and the mount plan): stat, chdir, chmod, chown,
 * file descriptors opened before the rules apply, and everything but TCP on the network.
 */
public final class LandlockRules {
    // LANDLOCK_ACCESS_FS_* (include/uapi/linux/landlock.h)
    static final long EXECUTE = 1L;
    static final long WRITE_FILE = 1L << 1;
    static final long READ_FILE = 1L << 2;
    static final long READ_DIR = 1L << 3;
    static final long REMOVE_DIR = 1L << 4;
    static final long REMOVE_FILE = 1L << 5;
    static final long MAKE_ALL = 0x7FL << 6; // MAKE_CHAR … MAKE_SYM, bits 6-12
    static final long REFER = 1L << 13; // ABI 2
    static final long TRUNCATE = 1L << 14; // ABI 3
    static final long IOCTL_DEV = 1L << 15; // ABI 5

    /** What a rule grants beneath its path. */
    public enum Access {
        /** Read files and list directories. */
        READ(READ_FILE | READ_DIR),
        /** Read, and execute files (programs and the libraries the loader maps). */
        EXECUTE(READ_FILE | READ_DIR | LandlockRules.EXECUTE),
        /** Read, and create, write, truncate, rename, link and remove files and directories. */
        READ_WRITE(
                READ_FILE | READ_DIR | WRITE_FILE | TRUNCATE | REMOVE_DIR | REMOVE_FILE | MAKE_ALL | REFER | IOCTL_DEV);

        private final long rights;

        Access(long rights) {
            this.rights = rights;
        }

        long rights() {
            return rights;
        }
    }

    /**
     * One rule.
     *
     * @param optional a rule for a path that may not exist (the system defaults): skipped when missing
     *                 instead of failing the setup
     */
    public record Rule(Path path, Set<Access> access, boolean optional) {
        public Rule {
            if (access == null || access.isEmpty()) {
                throw new IllegalArgumentException("a rule grants at least one access");
            }
            access = Collections.unmodifiableSet(EnumSet.copyOf(access));
            path = Mount.inside("Landlock path", path);
        }

        /** The union of the rights of every granted access. */
        long rights() {
            return access.stream().mapToLong(Access::rights).reduce(0, (a, b) -> a | b);
        }
    }

    /** A rule compiled for one ABI: the rights to grant beneath {@code path}. */
    public record CompiledRule(String path, long allowedAccess, boolean optional) {}

    /** Rules compiled for one ABI: everything in {@code handledAccess} is denied except what a rule grants. */
    public record Compiled(long handledAccess, List<CompiledRule> rules) {
        public Compiled {
            rules = List.copyOf(rules);
        }
    }

    private final List<Rule> rules;
    private final boolean bestEffort;

    private LandlockRules(List<Rule> rules, boolean bestEffort) {
        this.rules = List.copyOf(rules);
        this.bestEffort = bestEffort;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Whether to run without Landlock (with a warning) on a kernel that lacks it, rather than refuse. */
    public boolean bestEffort() {
        return bestEffort;
    }

    /**
     * The rights every rule gets on a kernel offering Landlock ABI {@code abi}: rights the ABI does not know
     * are dropped (the kernel would refuse the ruleset otherwise), and every right it knows is handled, so
     * nothing a rule does not grant stays allowed.
     *
     * @throws IllegalArgumentException for an ABI below 1
     */
    public Compiled compile(int abi) {
        long handled = handledAccess(abi);
        List<CompiledRule> compiled = new ArrayList<>();
        for (Rule r : rules) {
            compiled.add(new CompiledRule(r.path().toString(), r.rights() & handled, r.optional()));
        }
        return new Compiled(handled, compiled);
    }

    /** Every filesystem right ABI {@code abi} knows (landlock.rst, "Backward and forward compatibility"). */
    static long handledAccess(int abi) {
        if (abi < 1) {
            throw new IllegalArgumentException("Landlock ABI versions start at 1, not " + abi);
        }
        long rights = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_ALL;
        if (abi >= 2) {
            rights |= REFER;
        }
        if (abi >= 3) {
            rights |= TRUNCATE;
        }
        if (abi >= 5) {
            rights |= IOCTL_DEV;
        }
        return rights;
    }

    /**
     * Checks that every required rule path exists on the host: for a sandbox that sees the host's
     * filesystem, where a missing path is a configuration error rather than a setup failure.
     *
     * @throws InvalidConfigException naming the missing path
     */
    public void requireHostPaths() {
        for (Rule r : rules) {
            if (!r.optional() && !Files.exists(r.path())) {
                throw new InvalidConfigException("Landlock path", r.path().toString(), "does not exist");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LandlockRules l && l.rules.equals(rules) && l.bestEffort == bestEffort;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rules, bestEffort);
    }

    @Override
    public String toString() {
        return "LandlockRules" + rules + (bestEffort ? " (best effort)" : " (required)");
    }

    /** Collects rules; a path given more than once gets the union of its accesses. */
    public static final class Builder {
        private final Map<Path, Rule> rules = new LinkedHashMap<>();
        private boolean bestEffort = true;

        private Builder() {}

        /** Read beneath these paths. */
        public Builder readOnly(Path... paths) {
            return add(Access.READ, false, paths);
        }

        /** Read, write, create and remove beneath these paths. */
        public Builder readWrite(Path... paths) {
            return add(Access.READ_WRITE, false, paths);
        }

        /** Read and execute beneath these paths. */
        public Builder execute(Path... paths) {
            return add(Access.EXECUTE, false, paths);
        }

        /**
         * What an ordinary dynamically linked program needs to start: execute beneath the system
         * directories ({@code /usr}, {@code /bin}, {@code /sbin}, {@code /lib*}; the loader also maps
         * libraries and reads its cache), read {@code /etc}, and read-write {@code /dev/null}. Paths
         * missing inside the sandbox are skipped.
         */
        public Builder systemDefaults() {
            for (Path p : FilesystemView.SYSTEM_DIRECTORIES) {
                add(p.equals(Path.of("/etc")) ? Access.READ : Access.EXECUTE, true, p);
            }
            add(Access.READ, true, Path.of("/dev/urandom"), Path.of("/dev/zero"));
            return add(Access.READ_WRITE, true, Path.of("/dev/null"));
        }

        /** Run without Landlock on kernels that lack it (logged); {@code true} by default. */
        public Builder bestEffort(boolean bestEffort) {
            this.bestEffort = bestEffort;
            return this;
        }

        private Builder add(Access access, boolean optional, Path... paths) {
            for (Path p : paths) {
                Rule rule = new Rule(p, EnumSet.of(access), optional);
                rules.merge(rule.path(), rule, (old, added) -> {
                    EnumSet<Access> both = EnumSet.copyOf(old.access());
                    both.addAll(added.access());
                    return new Rule(old.path(), both, old.optional() && added.optional());
                });
            }
            return this;
        }

        public LandlockRules build() {
            if (rules.isEmpty()) {
                throw new InvalidConfigException(
                        "Landlock rules",
                        "none",
                        "an empty ruleset would deny everything; add paths or use systemDefaults()");
            }
            return new LandlockRules(new ArrayList<>(rules.values()), bestEffort);
        }
    }
}
