package dev.sandbox4j.exec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the launcher does for one sandboxed program, decided in Java: flags, maps, ids, limits,
 * mounts, the filter. The launcher executes it without policy of its own. Immutable once built.
 */
final class LaunchPlan {
    /** An rlimit to lower to; -1 (all bits set) is RLIM_INFINITY. */
    record Rlimit(int resource, long soft, long hard) {}

    /**
     * One mount step. Kinds 1 and 2 carry at most a target; the others (a compiled
     * {@link dev.sandbox4j.namespace.internal.MountPlan} operation) carry every field.
     */
    record Mount(int kind, String source, String target, String fstype, long attributes, int mode, String data) {
        static Mount privateRoot() {
            return new Mount(Wire.MOUNT_PRIVATE_ROOT, null, null, null, 0, 0, null);
        }

        static Mount proc(String target) {
            return new Mount(Wire.MOUNT_PROC, null, target, null, 0, 0, null);
        }

        static Mount of(dev.sandbox4j.namespace.internal.MountPlan.Operation op) {
            int kind = switch (op.kind()) {
                case FILESYSTEM -> Wire.MOUNT_FILESYSTEM;
                case BIND -> Wire.MOUNT_BIND;
                case DIRECTORY -> Wire.MOUNT_DIRECTORY;
                case FILE -> Wire.MOUNT_FILE;
                case SYMLINK -> Wire.MOUNT_SYMLINK;
                case SET_ATTRIBUTES -> Wire.MOUNT_SET_ATTRIBUTES;
                case PIVOT -> Wire.MOUNT_PIVOT;
                case ROOT -> Wire.MOUNT_ROOT;
                case MASK -> Wire.MOUNT_MASK;
            };
            return new Mount(kind, op.source(), op.target(), op.fstype(), op.attributes(), op.mode(), op.data());
        }
    }

    /** A Landlock rule: {@code allowed} rights beneath {@code path} (inside the sandbox). */
    record LandlockRule(String path, long allowed, boolean optional) {}

    final long cloneFlags;
    final String program;
    final List<String> argv;
    final List<String> env;
    final String cwd;
    final String hostname;
    final String uidMap;
    final String gidMap;
    final boolean setgroupsDeny;
    final long uid;
    final long gid;
    final boolean clearGroups;
    final List<Rlimit> rlimits;
    final List<String> cgroupProcs;
    final List<Mount> mounts;
    final boolean loopbackUp;
    final boolean newSession;
    private final byte[] seccomp;
    /** The supervisor's answer to the filter's notifications: -1 none, 0 kill, else an errno. */
    final int seccompNotify;

    final boolean hold;
    final long landlockHandled; // 0: no Landlock
    final List<LandlockRule> landlockRules;
    /** A pre-warmed sandbox's plan: no program, argv, env or cwd; they follow as {@link #encodeRest()}. */
    final boolean prewarmed;

    private LaunchPlan(Builder b) {
        cloneFlags = b.cloneFlags;
        program = b.program;
        argv = List.copyOf(b.argv);
        env = List.copyOf(b.env);
        cwd = b.cwd;
        hostname = b.hostname;
        uidMap = b.uidMap;
        gidMap = b.gidMap;
        setgroupsDeny = b.setgroupsDeny;
        uid = b.uid;
        gid = b.gid;
        clearGroups = b.clearGroups;
        rlimits = List.copyOf(b.rlimits);
        cgroupProcs = List.copyOf(b.cgroupProcs);
        mounts = List.copyOf(b.mounts);
        loopbackUp = b.loopbackUp;
        newSession = b.newSession;
        seccomp = b.seccomp == null ? null : b.seccomp.clone();
        seccompNotify = b.seccompNotify;
        hold = b.hold;
        landlockHandled = b.landlockHandled;
        landlockRules = List.copyOf(b.landlockRules);
        prewarmed = b.prewarmed;
        if (prewarmed
                ? program != null || !argv.isEmpty() || !env.isEmpty() || cwd != null
                : program == null || argv.isEmpty()) {
            throw new IllegalStateException(
                    prewarmed
                            ? "a pre-warmed plan gets its program, argv, env and cwd later"
                            : "a plan needs a program and argv[0]");
        }
        if (seccompNotify >= 0 && seccomp == null || seccompNotify > 4095 && seccompNotify != Wire.NOTIFY_CONTINUE) {
            throw new IllegalStateException("a supervised filter needs a program and an errno of at most 4095");
        }
    }

    static Builder builder() {
        return new Builder();
    }

    boolean hasSeccomp() {
        return seccomp != null;
    }

    /** The plan as one frame, ready to write to the launcher's control socket. */
    byte[] toFrame() {
        return frame(Wire.MSG_PLAN, encode());
    }

    /** The plan payload: version, then the fields in tag order (the order the launcher enforces). */
    /**
     * The largest encoded plan the launcher takes: one frame ({@link Wire#MAX_FRAME}), less what a fork server's
     * SPAWN request puts before the plan (type, request id, the socket path of at most 107 bytes).
     */
    static final int MAX_ENCODED = Wire.MAX_FRAME - 2 - 4 - 4 - 108;

    private static final int E2BIG = 7;

    /**
     * Refuses a plan too large for the launcher before anything is sent: a frame beyond the limit would be
     * refused at the other end, or worse. Large data belongs in a file or on standard input.
     *
     * @throws dev.sandbox4j.core.SandboxSetupException at step "launch plan" with E2BIG, naming both sizes
     */
    void checkSize(byte[] encoded) {
        if (encoded.length <= MAX_ENCODED) {
            return;
        }
        long args = argv.stream()
                .mapToLong(a -> a.getBytes(StandardCharsets.UTF_8).length + 1L)
                .sum();
        long environment = env.stream()
                .mapToLong(e -> e.getBytes(StandardCharsets.UTF_8).length + 1L)
                .sum();
        throw new dev.sandbox4j.core.SandboxSetupException(
                "launch plan",
                E2BIG,
                "the plan is " + encoded.length
                        + " bytes (arguments " + args + ", environment " + environment
                        + "), more than the launcher's limit of "
                        + MAX_ENCODED + " bytes (a 4 MiB frame); pass large data through a file or standard input");
    }

    byte[] encode() {
        Out out = new Out();
        out.u16(Wire.PLAN_VERSION);
        Out v = new Out();
        v.u64(cloneFlags);
        out.field(Wire.F_CLONE_FLAGS, v);
        out.text(Wire.F_PROGRAM, program);
        argv.forEach(a -> out.text(Wire.F_ARG, a));
        env.forEach(e -> out.text(Wire.F_ENV, e));
        out.text(Wire.F_CWD, cwd);
        out.text(Wire.F_HOSTNAME, hostname);
        out.text(Wire.F_UID_MAP, uidMap);
        out.text(Wire.F_GID_MAP, gidMap);
        out.flag(Wire.F_SETGROUPS_DENY, setgroupsDeny);
        if (uid >= 0) {
            out.field(Wire.F_UID, new Out().u32(uid));
        }
        if (gid >= 0) {
            out.field(Wire.F_GID, new Out().u32(gid));
        }
        out.flag(Wire.F_CLEAR_GROUPS, clearGroups);
        for (Rlimit r : rlimits) {
            out.field(Wire.F_RLIMIT, new Out().u32(r.resource()).u64(r.soft()).u64(r.hard()));
        }
        cgroupProcs.forEach(p -> out.text(Wire.F_CGROUP_PROCS, p));
        for (Mount m : mounts) {
            Out mv = new Out().u32(m.kind());
            if (m.kind() >= Wire.MOUNT_FILESYSTEM) {
                mv.u64(m.attributes())
                        .u32(m.mode())
                        .str(m.source())
                        .str(m.target())
                        .str(m.fstype())
                        .str(m.data());
            } else if (m.target() != null) {
                mv.str(m.target());
            }
            out.field(Wire.F_MOUNT, mv);
        }
        out.flag(Wire.F_LOOPBACK_UP, loopbackUp);
        out.flag(Wire.F_NEW_SESSION, newSession);
        if (seccomp != null) {
            out.field(Wire.F_SECCOMP, new Out().bytes(seccomp));
        }
        if (landlockHandled != 0) {
            out.field(Wire.F_LANDLOCK_RULESET, new Out().u64(landlockHandled));
            for (LandlockRule r : landlockRules) {
                out.field(
                        Wire.F_LANDLOCK_RULE,
                        new Out()
                                .u64(r.allowed())
                                .u32(r.optional() ? Wire.LANDLOCK_RULE_OPTIONAL : 0)
                                .bytes(utf8(r.path())));
            }
        }
        if (seccompNotify >= 0) {
            out.field(Wire.F_SECCOMP_NOTIFY, new Out().u32(seccompNotify));
        }
        out.flag(Wire.F_HOLD, hold);
        out.flag(Wire.F_PREWARMED, prewarmed);
        return out.toByteArray();
    }

    /**
     * What a pre-warmed plan still lacks, from this full plan of the same sandbox: the payload of
     * {@link Wire#MSG_CONTINUE}, the program, argv, env and cwd and nothing else.
     */
    byte[] encodeRest() {
        Out out = new Out();
        out.u16(Wire.PLAN_VERSION);
        out.text(Wire.F_PROGRAM, program);
        argv.forEach(a -> out.text(Wire.F_ARG, a));
        env.forEach(e -> out.text(Wire.F_ENV, e));
        out.text(Wire.F_CWD, cwd);
        return out.toByteArray();
    }

    static byte[] frame(int type, byte[] payload) {
        Out f = new Out();
        f.u32(2L + payload.length).u16(type).bytes(payload);
        return f.toByteArray();
    }

    /** Little-endian writer, the only encoder of the protocol. */
    static final class Out extends ByteArrayOutputStream {
        Out u16(int v) {
            write(v);
            write(v >>> 8);
            return this;
        }

        Out u32(long v) {
            for (int i = 0; i < 4; i++) {
                write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Out u64(long v) {
            return u32(v).u32(v >>> 32);
        }

        Out bytes(byte[] b) {
            write(b, 0, b.length);
            return this;
        }

        Out str(String s) {
            byte[] b = utf8(s);
            return u32(b.length).bytes(b);
        }

        void field(int tag, Out value) {
            u16(tag).u32(value.size());
            value.writeTo(this);
        }

        private void writeTo(Out other) {
            other.write(buf, 0, count);
        }

        void text(int tag, String s) {
            if (s != null) {
                field(tag, new Out().bytes(utf8(s)));
            }
        }

        void flag(int tag, boolean set) {
            if (set) {
                field(tag, new Out());
            }
        }
    }

    /** UTF-8 bytes; a NUL would silently cut the string at execve, so it is refused here. */
    static byte[] utf8(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string contains a NUL character: " + s.replace('\0', '?'));
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final class Builder {
        private long cloneFlags;
        private String program;
        private final List<String> argv = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private String cwd;
        private String hostname;
        private String uidMap;
        private String gidMap;
        private boolean setgroupsDeny;
        private long uid = -1;
        private long gid = -1;
        private boolean clearGroups;
        private final List<Rlimit> rlimits = new ArrayList<>();
        private final List<String> cgroupProcs = new ArrayList<>();
        private final List<Mount> mounts = new ArrayList<>();
        private boolean loopbackUp;
        private boolean newSession;
        private byte[] seccomp;
        private int seccompNotify = -1;
        private boolean hold;
        private long landlockHandled;
        private final List<LandlockRule> landlockRules = new ArrayList<>();
        private boolean prewarmed;

        Builder cloneFlags(long v) {
            cloneFlags = v;
            return this;
        }

        Builder program(String v) {
            program = v;
            return this;
        }

        Builder argv(List<String> v) {
            argv.addAll(v);
            return this;
        }

        Builder env(List<String> v) {
            env.addAll(v);
            return this;
        }

        Builder cwd(String v) {
            cwd = v;
            return this;
        }

        Builder hostname(String v) {
            hostname = v;
            return this;
        }

        Builder uidMap(String v) {
            uidMap = v;
            return this;
        }

        Builder gidMap(String v) {
            gidMap = v;
            return this;
        }

        Builder setgroupsDeny(boolean v) {
            setgroupsDeny = v;
            return this;
        }

        Builder uid(long v) {
            uid = v;
            return this;
        }

        Builder gid(long v) {
            gid = v;
            return this;
        }

        Builder clearGroups(boolean v) {
            clearGroups = v;
            return this;
        }

        Builder rlimit(int resource, long soft, long hard) {
            rlimits.add(new Rlimit(resource, soft, hard));
            return this;
        }

        Builder cgroupProcs(String v) {
            cgroupProcs.add(v);
            return this;
        }

        Builder mount(Mount v) {
            mounts.add(v);
            return this;
        }

        Builder loopbackUp(boolean v) {
            loopbackUp = v;
            return this;
        }

        Builder newSession(boolean v) {
            newSession = v;
            return this;
        }

        Builder seccomp(byte[] v) {
            seccomp = v;
            return this;
        }
        /** The filter's USER_NOTIF returns are answered by the launcher: 0 kills the caller's process, n fails the call with errno n. */
        Builder seccompNotify(int response) {
            seccompNotify = response;
            return this;
        }

        Builder hold(boolean v) {
            hold = v;
            return this;
        }

        Builder landlock(long handled) {
            landlockHandled = handled;
            return this;
        }

        Builder landlockRule(LandlockRule v) {
            landlockRules.add(v);
            return this;
        }
        /** The workload waits, set up, for the rest of the plan (see {@link Wire#F_PREWARMED}). */
        Builder prewarmed() {
            prewarmed = true;
            return this;
        }

        LaunchPlan build() {
            return new LaunchPlan(this);
        }
    }
}
