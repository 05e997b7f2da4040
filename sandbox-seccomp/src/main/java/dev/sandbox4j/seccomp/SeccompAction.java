package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.Errno;
import dev.sandbox4j.core.InvalidConfigException;
import java.util.Locale;
import java.util.Objects;

/**
 * What the kernel does with a system call: the value a filter returns ({@code SECCOMP_RET_*}).
 *
 * <p>Immutable and compared by value. When several rules for one syscall match, the one whose action has
 * the highest {@linkplain #precedence() precedence} wins, exactly as the kernel ranks the results of
 * several stacked filters; so adding a stronger rule can never be undone by adding a weaker one.
 */
public final class SeccompAction {

    /** The action part of a return value (upper 16 bits). Declared strongest first. */
    public enum Kind {
        /** Kill the whole process, as if by SIGSYS. The safe "kill": threads cannot survive it. */
        KILL_PROCESS(0x80000000),
        /** Kill the calling thread only. Numerically 0, so an unset return means this. */
        KILL_THREAD(0x00000000),
        /** Send SIGSYS to the thread; without a handler the process dies like KILL. */
        TRAP(0x00030000),
        /** Do not run the syscall; return {@code -data} as errno. */
        ERRNO(0x00050000),
        /** Ask the supervisor holding the listener fd; ENOSYS when there is none. */
        USER_NOTIF(0x7fc00000),
        /** Notify a ptrace tracer; ENOSYS when there is none. */
        TRACE(0x7ff00000),
        /** Run the syscall and write an audit record. */
        LOG(0x7ffc0000),
        /** Run the syscall. */
        ALLOW(0x7fff0000);

        private final int value;

        Kind(int value) {
            this.value = value;
        }

        /** The {@code SECCOMP_RET_*} constant. */
        public int value() {
            return value;
        }
    }

    /** Largest errno the kernel returns unchanged ({@code MAX_ERRNO}); it caps larger data. */
    public static final int MAX_ERRNO = 4095;

    private static final int ACTION_MASK = 0xffff0000;
    private static final int DATA_MASK = 0x0000ffff;

    public static final SeccompAction KILL_PROCESS = new SeccompAction(Kind.KILL_PROCESS, 0);
    public static final SeccompAction KILL_THREAD = new SeccompAction(Kind.KILL_THREAD, 0);
    public static final SeccompAction TRAP = new SeccompAction(Kind.TRAP, 0);
    public static final SeccompAction USER_NOTIF = new SeccompAction(Kind.USER_NOTIF, 0);
    public static final SeccompAction LOG = new SeccompAction(Kind.LOG, 0);
    public static final SeccompAction ALLOW = new SeccompAction(Kind.ALLOW, 0);

    private final Kind kind;
    private final int data;

    private SeccompAction(Kind kind, int data) {
        this.kind = kind;
        this.data = data;
    }

    /**
     * Fail the syscall with this errno without running it.
     *
     * @param errno 0..4095. 0, as in libseccomp and OCI profiles, makes the call return 0 — "succeed" —
     *              without running: use it only for calls whose callers take 0 as a plain success
     *              (a no-op {@code fsync}); a call that "cannot fail" (getppid) would report 0 as its result
     */
    public static SeccompAction errno(int errno) {
        if (errno < 0 || errno > MAX_ERRNO) {
            throw new InvalidConfigException(
                    "seccomp errno", Integer.toString(errno), "must be between 0 and " + MAX_ERRNO);
        }
        return new SeccompAction(Kind.ERRNO, errno);
    }

    /** Hand the syscall to a ptrace tracer, with a 16-bit value it can read. */
    public static SeccompAction trace(int data) {
        if (data < 0 || data > DATA_MASK) {
            throw new InvalidConfigException("seccomp trace data", Integer.toString(data), "must fit 16 bits");
        }
        return new SeccompAction(Kind.TRACE, data);
    }

    /**
     * The action a filter return value stands for, as the kernel reads it: unknown action values act as
     * KILL_PROCESS, and an errno above {@link #MAX_ERRNO} is capped.
     */
    public static SeccompAction fromReturnValue(int value) {
        int action = value & ACTION_MASK;
        int data = value & DATA_MASK;
        for (Kind kind : Kind.values()) {
            if (kind.value == action) {
                switch (kind) {
                    case ERRNO:
                        return new SeccompAction(Kind.ERRNO, Math.min(data, MAX_ERRNO));
                    case TRACE:
                        return new SeccompAction(Kind.TRACE, data);
                    default:
                        return of(kind);
                }
            }
        }
        return KILL_PROCESS;
    }

    private static SeccompAction of(Kind kind) {
        switch (kind) {
            case KILL_PROCESS:
                return KILL_PROCESS;
            case KILL_THREAD:
                return KILL_THREAD;
            case TRAP:
                return TRAP;
            case USER_NOTIF:
                return USER_NOTIF;
            case LOG:
                return LOG;
            case ALLOW:
                return ALLOW;
            default:
                throw new IllegalArgumentException(kind + " needs data");
        }
    }

    /** Parses what {@link #toString()} prints: {@code KILL_PROCESS}, {@code ERRNO(13)}, {@code LOG}, … */
    public static SeccompAction parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        try {
            if (t.startsWith("ERRNO(") && t.endsWith(")")) {
                return errno(Integer.parseInt(t.substring(6, t.length() - 1).trim()));
            }
            if (t.startsWith("TRACE(") && t.endsWith(")")) {
                return trace(Integer.parseInt(t.substring(6, t.length() - 1).trim()));
            }
            Kind kind = Kind.valueOf(t);
            if (kind != Kind.ERRNO && kind != Kind.TRACE) {
                return of(kind);
            }
        } catch (IllegalArgumentException e) {
            // falls through to the message below, which lists what is accepted
        }
        throw new InvalidConfigException(
                "seccomp action",
                text,
                "expected KILL_PROCESS, KILL_THREAD, TRAP, ERRNO(n), USER_NOTIF, TRACE(n), LOG or ALLOW");
    }

    public Kind kind() {
        return kind;
    }

    /** The errno for ERRNO, the tracer's value for TRACE, otherwise 0. */
    public int data() {
        return data;
    }

    /** The 32-bit value a filter returns for this action. */
    public int returnValue() {
        return kind.value | data;
    }

    /**
     * Rank among actions, higher wins; the kernel's order (it compares return values as signed ints after
     * masking the data), so KILL_PROCESS is strongest and ALLOW weakest.
     */
    public int precedence() {
        return Kind.values().length - kind.ordinal();
    }

    /** Whether the syscall runs under this action (ALLOW and LOG). */
    public boolean runsSyscall() {
        return kind == Kind.ALLOW || kind == Kind.LOG;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompAction && ((SeccompAction) o).kind == kind && ((SeccompAction) o).data == data;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, data);
    }

    /** {@code ERRNO(1)}, {@code TRACE(7)}, or the kind's name; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return kind == Kind.ERRNO || kind == Kind.TRACE ? kind + "(" + data + ")" : kind.name();
    }

    /** {@code ERRNO(1) EPERM} — for people reading a profile. */
    public String describe() {
        return kind == Kind.ERRNO ? this + " " + Errno.name(data) : toString();
    }
}
