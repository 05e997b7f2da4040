package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which namespaces a sandbox gets. Immutable. All seven by default; at least one is required, since a
 * "sandbox" with none would run the program in the host's view of everything.
 *
 * <p>Leaving out {@link Namespace#USER} is possible only for a caller with host privileges (the workload
 * then runs as an explicit non-root uid); leaving out {@link Namespace#PID} means the sandbox is killed by
 * tracking its descendants rather than by the kernel ending a PID namespace.
 */
public final class NamespaceConfig {
    private static final NamespaceConfig ALL = new NamespaceConfig(EnumSet.allOf(Namespace.class));

    private final Set<Namespace> namespaces;

    private NamespaceConfig(EnumSet<Namespace> namespaces) {
        this.namespaces = Collections.unmodifiableSet(namespaces);
    }

    /** Every namespace: the default and the strongest isolation. */
    public static NamespaceConfig all() {
        return ALL;
    }

    /** Every namespace but the network's: the program shares the host's network (and its loopback services). */
    public static NamespaceConfig allButNetwork() {
        return ALL.without(Namespace.NET);
    }

    /**
     * Every namespace but the user namespace, for a privileged caller whose program runs as an explicit non-root
     * host uid (what upstream calls "privileged"); refused at {@code build()} in unprivileged mode.
     */
    public static NamespaceConfig allButUser() {
        return ALL.without(Namespace.USER);
    }

    /**
     * Process ids, IPC, network and mounts only: upstream's "minimal". Without a user namespace, so privileged mode
     * only; the program shares the host's hostname and cgroup view.
     */
    public static NamespaceConfig minimal() {
        return of(Namespace.PID, Namespace.IPC, Namespace.NET, Namespace.MOUNT);
    }

    /**
     * The preset of this name, as a command line or a configuration file spells it: {@code all},
     * {@code all-but-network}, {@code all-but-user}, {@code minimal}.
     *
     * @throws InvalidConfigException naming the presets when there is none of that name
     */
    public static NamespaceConfig preset(String name) {
        return switch (String.valueOf(name)) {
            case "all" -> all();
            case "all-but-network" -> allButNetwork();
            case "all-but-user" -> allButUser();
            case "minimal" -> minimal();
            default ->
                throw new InvalidConfigException(
                        "namespace preset", String.valueOf(name), "use all, all-but-network, all-but-user or minimal");
        };
    }

    /**
     * Exactly the given namespaces.
     *
     * @throws InvalidConfigException if none is given
     */
    public static NamespaceConfig of(Namespace... namespaces) {
        return of(Arrays.asList(namespaces));
    }

    /**
     * Exactly the given namespaces.
     *
     * @throws InvalidConfigException if the collection is empty
     */
    public static NamespaceConfig of(java.util.Collection<Namespace> namespaces) {
        if (namespaces.isEmpty()) {
            throw new InvalidConfigException("namespaces", "none", "at least one namespace is required");
        }
        return new NamespaceConfig(EnumSet.copyOf(namespaces));
    }

    /** This configuration without the given namespaces. */
    public NamespaceConfig without(Namespace... removed) {
        EnumSet<Namespace> copy = EnumSet.copyOf(namespaces);
        copy.removeAll(Arrays.asList(removed));
        return of(copy);
    }

    /** This configuration plus the given namespaces. */
    public NamespaceConfig with(Namespace... added) {
        EnumSet<Namespace> copy = EnumSet.copyOf(namespaces);
        copy.addAll(Arrays.asList(added));
        return new NamespaceConfig(copy);
    }

    public boolean contains(Namespace namespace) {
        return namespaces.contains(namespace);
    }

    /** The namespaces, unmodifiable, in declaration order. */
    public Set<Namespace> namespaces() {
        return namespaces;
    }

    /** The OR of the {@code CLONE_NEW*} flags, as one clone(2) call takes them. */
    public long cloneFlags() {
        long flags = 0;
        for (Namespace ns : namespaces) {
            flags |= ns.cloneFlag();
        }
        return flags;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamespaceConfig && ((NamespaceConfig) o).namespaces.equals(namespaces);
    }

    @Override
    public int hashCode() {
        return namespaces.hashCode();
    }

    @Override
    public String toString() {
        return namespaces.stream()
                .map(n -> n.name().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.joining(",", "NamespaceConfig[", "]"));
    }
}
