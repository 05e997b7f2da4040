package dev.sandbox4j.exec;

/**
 * The launcher protocol: the one definition, mirrored by {@code src/main/c/wire.h}. WireHeaderTest holds
 * every constant of the two to the same value, and a round-trip test (the launcher decodes a plan and encodes
 * it back) catches a drift in the layout.
 *
 * <p>Every message is a frame: u32 length of what follows, u16 type, payload; all integers little-endian.
 * A plan payload is u16 {@link #PLAN_VERSION} and then fields (u16 tag, u32 length, value) in increasing
 * tag order, only the repeatable ones repeating. The launcher refuses unknown versions, tags and
 * out-of-order fields rather than skipping them: a skipped field could be a security setting. Plans are
 * self-contained, so one connection can later carry many of them (a fork server).
 */
final class Wire {
    private Wire() {}

    static final int PLAN_VERSION = 3;
    static final int MAX_FRAME = 4 << 20;

    // Java -> launcher
    static final int MSG_PLAN = 1;
    static final int MSG_SIGNAL = 2;
    static final int MSG_KILL = 3;
    /** No payload: the cgroups the plan names exist now, limits written; the launcher may move init in. */
    static final int MSG_CGROUPS_READY = 6;
    /** No payload; plan {@link #F_HOLD}: what Java attached to init's namespaces is in place, init may start. */
    static final int MSG_RELEASE = 7;
    /** For a plan with {@link #F_PREWARMED}: the rest of it, a plan payload of F_PROGRAM, F_ARG, F_ENV and F_CWD only. */
    static final int MSG_CONTINUE = 8;

    // Java -> fork server (launcher --serve), on its one connection
    /**
     * u32 request id, then the plan payload (may be empty); attached (SCM_RIGHTS): the workload's stdin, stdout,
     * stderr and the launcher's end of its control connection, and for a plan with {@link #F_PREWARMED} the read end
     * of the pipe Java writes the rest into (u32 length, then what {@link #MSG_CONTINUE} would carry), straight to
     * the held workload.
     */
    static final int MSG_SPAWN = 4;
    /** u32 pid: SIGKILL this live, unreaped child of the server. */
    static final int MSG_KILL_CHILD = 5;

    // launcher -> Java
    static final int MSG_EXEC_OK = 17;
    static final int MSG_SETUP_ERROR = 18;
    /** The workload's end, sent while init still exits; {@link #MSG_INIT_REAPED} follows. */
    static final int MSG_EXIT = 19;

    static final int MSG_ABORTED = 20;
    static final int MSG_ECHO = 21;
    /** No payload; after {@link #MSG_EXIT}: init has been reaped, the run's cgroups are empty. */
    static final int MSG_INIT_REAPED = 25;
    /**
     * u32 flags ({@link #VIOLATION_WORKLOAD}, {@link #VIOLATION_KILLED}), u32 host tid, u32 nr, u32 arch, u64 ip,
     * u64 args[6]: a call the supervisor was notified of. The run's first, and the first of the workload's own
     * process when that came later; sent before the call's process is killed.
     */
    static final int MSG_VIOLATION = 26;
    /** u32 host pid of init; plan {@link #F_HOLD}: init waits in its namespaces until {@link #MSG_RELEASE}. */
    static final int MSG_HELD = 27;

    static final int VIOLATION_WORKLOAD = 1;
    static final int VIOLATION_KILLED = 2;
    /** Learn mode: the call was let through; sent once per syscall number, for every process of the run. */
    static final int VIOLATION_CONTINUED = 4;

    // fork server -> Java
    /** u32 request id, u32 pid of the new launcher. */
    static final int MSG_SPAWNED = 22;
    /** u32 request id, u32 errno. */
    static final int MSG_SPAWN_FAILED = 23;
    /** u32 pid, u32 wait status: a launcher the server forked has ended and been reaped. */
    static final int MSG_REAPED = 24;

    // plan fields, in the order they must appear
    static final int F_CLONE_FLAGS = 1;
    static final int F_PROGRAM = 2;
    static final int F_ARG = 3;
    static final int F_ENV = 4;
    static final int F_CWD = 5;
    static final int F_HOSTNAME = 6;
    static final int F_UID_MAP = 7;
    static final int F_GID_MAP = 8;
    static final int F_SETGROUPS_DENY = 9;
    static final int F_UID = 10;
    static final int F_GID = 11;
    static final int F_CLEAR_GROUPS = 12;
    static final int F_RLIMIT = 13;
    static final int F_CGROUP_PROCS = 14;
    static final int F_MOUNT = 15;
    static final int F_LOOPBACK_UP = 16;
    static final int F_NEW_SESSION = 17;
    static final int F_SECCOMP = 18;
    static final int F_LANDLOCK_RULESET = 19; // u64 handled_access_fs
    static final int F_LANDLOCK_RULE = 20; // u64 allowed_access, u32 flags, path bytes; repeatable
    /**
     * u32 response to F_SECCOMP's USER_NOTIF returns: 0 = kill the caller's process, 1..4095 = that errno,
     * {@link #NOTIFY_CONTINUE} = let the call run and report it (learn mode).
     */
    static final int F_SECCOMP_NOTIFY = 21;

    static final int NOTIFY_CONTINUE = 0x10000;
    /** Empty: hold init before it starts the workload ({@link #MSG_HELD}), for a network stack to be attached. */
    static final int F_HOLD = 22;
    /**
     * Empty: the workload, set up but before chdir, waits for the rest (on the pipe that came with {@link #MSG_SPAWN},
     * or {@link #MSG_CONTINUE} passed on by a launcher ProcessBuilder started): a pre-warmed sandbox.
     */
    static final int F_PREWARMED = 23;

    /** F_LANDLOCK_RULE flag: skip the rule when its path does not exist. */
    static final int LANDLOCK_RULE_OPTIONAL = 1;

    static final int MOUNT_PRIVATE_ROOT = 1;
    static final int MOUNT_PROC = 2;
    // Kinds from 3 on share one layout: u32 kind, u64 attributes, u32 mode, str source, str target,
    // str fstype, str data (see dev.sandbox4j.namespace.internal.MountPlan.Kind for what each does).
    static final int MOUNT_FILESYSTEM = 3;
    static final int MOUNT_BIND = 4;
    static final int MOUNT_DIRECTORY = 5;
    static final int MOUNT_FILE = 6;
    static final int MOUNT_SYMLINK = 7;
    static final int MOUNT_SET_ATTRIBUTES = 8;
    static final int MOUNT_PIVOT = 9;
    static final int MOUNT_ROOT = 10;
    static final int MOUNT_MASK = 11;
}
