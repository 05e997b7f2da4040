package dev.sandbox4j.exec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A message from the launcher, decoded from one frame (see {@link Wire}). */
sealed interface LauncherEvent {
    /** The workload's execve succeeded. {@code initPid} is the sandbox's init as the host sees it. */
    record ExecOk(int initPid) implements LauncherEvent {}

    /** Plan {@code hold}: init waits in its namespaces, not yet started, until Java releases it. */
    record Held(int initPid) implements LauncherEvent {}

    /** A step before exec failed; the workload never ran. */
    record SetupError(int errno, String step, String detail) implements LauncherEvent {}

    /**
     * The workload ended: its raw wait status and its rusage (including children it reaped). Sent while init still
     * exits; {@link InitReaped} follows.
     */
    record Exit(int waitStatus, long userMicros, long systemMicros, long maxRssKiB) implements LauncherEvent {}

    /** After {@link Exit}: init has been reaped, so no task of the run is left in its cgroups. */
    record InitReaped() implements LauncherEvent {}

    /** Init ended without reporting (it was killed); {@code initWaitStatus} is init's own status. */
    record Aborted(int initWaitStatus) implements LauncherEvent {}

    /** The launcher closed the control channel: it has exited or is about to. */
    record Closed() implements LauncherEvent {}

    /**
     * The supervisor was notified of a call the filter refuses: {@code tid} as the host sees it, the raw
     * {@code seccomp_data}. {@code workload}: the caller belonged to the workload's own process; {@code killed}: its
     * process was killed (otherwise the call failed with the plan's errno).
     */
    record Violation(boolean workload, boolean killed, int tid, int nr, int arch, long instructionPointer, long[] args)
            implements LauncherEvent {}

    /** Learn mode: a call the filter refuses was let through; the first of its syscall number in the run. */
    record Learned(int tid, int nr, int arch, long instructionPointer, long[] args) implements LauncherEvent {}

    /** Test mode: the plan as the launcher decoded and re-encoded it. */
    record Echo(byte[] plan) implements LauncherEvent {}

    /**
     * Decodes one frame's payload.
     *
     * @throws ProtocolException if the type is unknown or the payload malformed
     */
    static LauncherEvent decode(int type, byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        try {
            LauncherEvent event = switch (type) {
                case Wire.MSG_EXEC_OK -> new ExecOk(in.getInt());
                case Wire.MSG_HELD -> new Held(in.getInt());
                case Wire.MSG_SETUP_ERROR -> new SetupError(in.getInt(), string(in), string(in));
                case Wire.MSG_EXIT -> new Exit(in.getInt(), in.getLong(), in.getLong(), in.getLong());
                case Wire.MSG_ABORTED -> new Aborted(in.getInt());
                case Wire.MSG_ECHO -> new Echo(payload.clone());
                case Wire.MSG_INIT_REAPED -> new InitReaped();
                case Wire.MSG_VIOLATION -> violation(in);
                default -> throw new ProtocolException("unknown launcher message type " + type);
            };
            if (type != Wire.MSG_ECHO && in.hasRemaining()) {
                throw new ProtocolException(
                        "launcher message type " + type + " has " + in.remaining() + " extra bytes");
            }
            return event;
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new ProtocolException("truncated launcher message type " + type);
        }
    }

    private static LauncherEvent violation(ByteBuffer in) {
        int flags = in.getInt();
        int tid = in.getInt();
        int nr = in.getInt();
        int arch = in.getInt();
        long ip = in.getLong();
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) {
            args[i] = in.getLong();
        }
        if ((flags & Wire.VIOLATION_CONTINUED) != 0) {
            return new Learned(tid, nr, arch, ip, args);
        }
        return new Violation(
                (flags & Wire.VIOLATION_WORKLOAD) != 0, (flags & Wire.VIOLATION_KILLED) != 0, tid, nr, arch, ip, args);
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("bad string length");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The launcher sent something this version does not understand: a build mismatch, never user error. */
    final class ProtocolException extends dev.sandbox4j.core.SandboxException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }
}
