package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the JVM is on the host, from {@code /proc/self/status}: effective ids, effective capabilities,
 * supplementary groups; what the id maps are derived from. Capabilities rather than the uid decide which
 * maps the kernel will accept: writing another id than one's own needs CAP_SETUID/CAP_SETGID in the parent
 * namespace. (The privilege mode is core's {@code SystemCapabilities}' decision.)
 */
record HostIdentity(long euid, long egid, long effectiveCaps, List<Long> groups, String userName) {
    static final int CAP_SETGID = 6;
    static final int CAP_SETUID = 7;

    private static volatile HostIdentity current;

    /** The JVM's identity; read once, since a JVM does not change its credentials. */
    static HostIdentity current() {
        HostIdentity id = current;
        if (id == null) {
            try {
                id = parse(Files.readAllLines(Path.of("/proc/self/status")), System.getProperty("user.name", ""));
            } catch (IOException e) {
                throw new SandboxException("cannot read /proc/self/status: " + e.getMessage(), e);
            }
            current = id;
        }
        return id;
    }

    static HostIdentity parse(List<String> status, String userName) {
        long euid = -1;
        long egid = -1;
        long caps = 0;
        List<Long> groups = new ArrayList<>();
        for (String line : status) {
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "Uid:" -> euid = Long.parseLong(f[2]);
                case "Gid:" -> egid = Long.parseLong(f[2]);
                case "CapEff:" -> caps = Long.parseUnsignedLong(f[1], 16);
                case "Groups:" -> {
                    for (int i = 1; i < f.length; i++) {
                        groups.add(Long.parseLong(f[i]));
                    }
                }
                default -> {}
            }
        }
        if (euid < 0 || egid < 0) {
            throw new SandboxException("no Uid/Gid lines in /proc/self/status");
        }
        return new HostIdentity(euid, egid, caps, List.copyOf(groups), userName);
    }

    boolean hasCapability(int cap) {
        return (effectiveCaps & (1L << cap)) != 0;
    }
}
