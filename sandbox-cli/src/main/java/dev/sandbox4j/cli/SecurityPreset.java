package dev.sandbox4j.cli;

import dev.sandbox4j.seccomp.SeccompProfile;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code -P/--profile} presets: how far a program is trusted. Each chooses a seccomp profile, whether
 * the program gets a network of its own, and default limits; an explicit {@code --seccomp}, {@code --memory},
 * {@code --pids}, {@code --timeout} or {@code --cpu} overrides the preset's choice ({@code none} lifts a
 * limit).
 *
 * <p>The limits are upstream sandbox-rs's (strict 128M / 50% / 30s, moderate 512M / 75% / 5m, permissive
 * 2G / 90% / 1h), so its users find what they expect. Where we differ, and why:
 * <ul>
 *   <li>a pids limit in every preset (upstream had none): a fork bomb must not be able to take the host
 *       down, whatever the trust level;
 *   <li>permissive uses the NETWORK seccomp profile and user-mode networking instead of UNRESTRICTED in an
 *       empty network namespace: what a permissive run needs is the network (downloads, package
 *       installs), not mount, ptrace or kexec; {@code -s unrestricted} is still there. Not the host's network:
 *       that would hand the program the host's loopback services, abstract sockets and cloud metadata;
 *   <li>strict and moderate keep a network namespace of their own (only {@code lo}), so a program cannot
 *       reach the host's services or the internet.
 * </ul>
 */
enum SecurityPreset {
    STRICT(
            SeccompProfile.MINIMAL,
            true,
            128L << 20,
            64,
            Duration.ofSeconds(30),
            50,
            "untrusted code: everyday tools only, no network, tight limits"),
    MODERATE(
            SeccompProfile.IO_HEAVY,
            true,
            512L << 20,
            256,
            Duration.ofMinutes(5),
            75,
            "builds and tests: may create and remove files, no network"),
    PERMISSIVE(
            SeccompProfile.NETWORK,
            false,
            2L << 30,
            1024,
            Duration.ofHours(1),
            90,
            "trusted tools that need the network: sockets, user-mode networking, generous limits");

    private final SeccompProfile seccomp;
    private final boolean ownNetwork;
    private final long memoryBytes;
    private final int pids;
    private final Duration timeout;
    private final int cpuPercent;
    private final String description;

    SecurityPreset(
            SeccompProfile seccomp,
            boolean ownNetwork,
            long memoryBytes,
            int pids,
            Duration timeout,
            int cpuPercent,
            String description) {
        this.seccomp = seccomp;
        this.ownNetwork = ownNetwork;
        this.memoryBytes = memoryBytes;
        this.pids = pids;
        this.timeout = timeout;
        this.cpuPercent = cpuPercent;
        this.description = description;
    }

    SeccompProfile seccomp() {
        return seccomp;
    }

    /**
     * Whether the program gets a network namespace with only {@code lo}, up; otherwise user-mode networking (its
     * own namespace reached through slirp4netns, with the default egress rules). Never the host's.
     */
    boolean ownNetwork() {
        return ownNetwork;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    int pids() {
        return pids;
    }

    Duration timeout() {
        return timeout;
    }

    /**
     * Percent of one CPU. Applied where the executor can enforce it (a cpu cgroup: privileged mode) and
     * otherwise left out, so that a preset runs in every mode ({@link ConfigMapping#build}).
     */
    int cpuPercent() {
        return cpuPercent;
    }

    String description() {
        return description;
    }

    /** The spelling of {@code -P}: {@code strict}. */
    String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
