package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * Built-in filters, from tightest to loosest. Cumulative: every syscall a profile permits, each looser
 * profile permits too. All but {@link #UNRESTRICTED} kill unlisted syscalls and carry the argument rules
 * that close known escape routes (terminal injection, namespaces, io_uring, …); see {@code ProfileRules}.
 */
public enum SeccompProfile {
    /** Start, run and exit a program that does nothing else: the loader, libc start-up, exit. */
    ESSENTIAL("process start-up and exit only (dynamic loader, libc init)"),
    /**
     * Programs that compute over what they are given and leave the directory tree as it is: shells,
     * pipelines, filters, script interpreters (python3 -c, perl -e, node -e, tclsh), a judged binary. They
     * read and write files (open may create one) but cannot create directories or remove, rename, link or
     * chmod anything, so compilers, builds and most test runners need {@link #IO_HEAVY}.
     */
    MINIMAL("ESSENTIAL + signals, pipes, timers, child processes, reading and writing files; no mkdir, rm, "
            + "rename, link or chmod (shells, filters, interpreters)"),
    /** Builds and tests (C, C++, Java, Python, Node), git, archives: everything that changes the file tree. */
    IO_HEAVY("MINIMAL + creating, removing, renaming and copying files (builds and tests, git, tar)"),
    /** Long computations: scheduling, CPU affinity, NUMA memory policy. */
    COMPUTE("IO_HEAVY + scheduling, CPU affinity and NUMA memory policy"),
    /** Clients and servers: IPv4, IPv6 and Unix sockets. */
    NETWORK("COMPUTE + Unix, IPv4 and IPv6 sockets"),
    /** No syscall filtering beyond killing foreign-architecture and x32 calls. */
    UNRESTRICTED("every syscall allowed; only foreign-architecture and x32 calls are killed");

    private final String description;
    private volatile SeccompFilter filter;

    SeccompProfile(String description) {
        this.description = description;
    }

    /** One line for listings. */
    public String description() {
        return description;
    }

    /** This profile's filter (built once). Derive variants with {@link SeccompFilter#toBuilder()}. */
    public SeccompFilter filter() {
        SeccompFilter f = filter;
        if (f == null) {
            f = ProfileRules.builderFor(this).build();
            filter = f;
        }
        return f;
    }

    /** The syscalls of {@code arch} a program may make under this profile (some only with certain arguments). */
    public SortedSet<String> permittedSyscalls(Architecture arch) {
        return filter().permittedSyscalls(arch);
    }

    /** Whether everything {@code other} permits, this profile permits too. */
    public boolean includes(SeccompProfile other) {
        return ordinal() >= other.ordinal();
    }

    /**
     * The profile named {@code name}, ignoring case and accepting {@code -} for {@code _}
     * ({@code io-heavy}, {@code IO_HEAVY}, {@code IoHeavy}).
     *
     * @throws InvalidConfigException naming the value and listing the valid names
     */
    public static SeccompProfile parse(String name) {
        if (name != null) {
            String wanted = name.trim().replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
            for (SeccompProfile p : values()) {
                if (p.name().replace("_", "").equals(wanted)) {
                    return p;
                }
            }
        }
        throw new InvalidConfigException("seccomp profile", name, "valid profiles are " + validNames());
    }

    /** {@code essential, minimal, io-heavy, compute, network, unrestricted}. */
    public static String validNames() {
        return Arrays.stream(values()).map(SeccompProfile::cliName).collect(Collectors.joining(", "));
    }

    /** The lower-case, dashed spelling the command line uses: {@code io-heavy}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
