package dev.sandbox4j.exec;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockSupport;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything {@link SandboxConfig} asks of the machine it will run on: who the JVM is, which privilege mode
 * works, the cgroups, Landlock, seccomp user notification, the delegated id ranges and user-mode networking. The configuration
 * itself stays a value; a test describes a host by implementing this.
 */
interface Host {

    /** The JVM's ids and capabilities. */
    HostIdentity identity();

    /**
     * The mode a sandbox asking for {@code requested} runs in, never {@link PrivilegeMode#AUTO}.
     *
     * @throws dev.sandbox4j.core.SandboxException when that mode cannot work here, saying why
     */
    PrivilegeMode resolve(PrivilegeMode requested);

    /** Whether the kernel can hand a refused system call to a supervisor (seccomp user notification). */
    boolean seccompUserNotification();

    /** The kernel's Landlock ABI, or why there is none. */
    LandlockSupport landlock();

    /** Where the runs' cgroups go. */
    CgroupHost cgroups();

    /** The first subordinate id range delegated to {@code user} ({@code /etc/subuid}-style {@code file}). */
    Optional<IdMap.Range> subordinateIds(Path file, String user, long id);

    /**
     * Why {@link Network#user()} cannot run here (a tool or {@code /dev/net/tun} missing), with what to change;
     * empty when it can.
     */
    Optional<String> userNetworkUnavailable();

    /** This machine, detected once per JVM: a running JVM does not change hosts. */
    static Host live() {
        return LiveHost.INSTANCE;
    }
}
