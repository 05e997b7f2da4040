package dev.sandbox4j.exec;

/**
 * The piped streams of one run together: one lock for both and one arrival counter, so that what came on stdout
 * and what came on stderr can be handed out in the order the JVM read it ({@link SandboxEvents}), while each
 * stream stays readable on its own ({@link PipedOutput}). A stream that is not piped is absent.
 */
final class PipedOutputs {
    private long arrivals;
    private PipedOutput stdout;
    private PipedOutput stderr;
    private boolean streamRead; // a caller read a stream directly: its bytes are no longer there for events
    private boolean eventsTaken; // the streams are consumed through events from now on

    /** The next arrival number; called with this object's lock held, as the chunk is queued. */
    long nextArrival() {
        return arrivals++;
    }

    synchronized void stdout(PipedOutput out) {
        stdout = out;
    }

    synchronized void stderr(PipedOutput out) {
        stderr = out;
    }

    /** Null when stdout is not piped; read with this object's lock held. */
    PipedOutput stdout() {
        return stdout;
    }

    /** Null when stderr is not piped; read with this object's lock held. */
    PipedOutput stderr() {
        return stderr;
    }

    /** A direct read of a stream; refused once the streams belong to events. Called with this lock held. */
    void checkDirectRead() throws java.io.IOException {
        if (eventsTaken) {
            throw new java.io.IOException("the output is consumed through SandboxProcess.events(), not its streams");
        }
        streamRead = true;
    }

    /** Hands both streams to events; refused when a caller has read from either already. */
    synchronized void takeForEvents() {
        if (streamRead) {
            throw new IllegalStateException("stdout or stderr was read directly; events would miss what was read");
        }
        eventsTaken = true;
    }

    /** The stream whose oldest unread chunk arrived first, or null when neither holds one. Lock held. */
    PipedOutput oldest() {
        long a = stdout == null ? Long.MAX_VALUE : stdout.headArrival();
        long b = stderr == null ? Long.MAX_VALUE : stderr.headArrival();
        if (a == Long.MAX_VALUE && b == Long.MAX_VALUE) {
            return null;
        }
        return a < b ? stdout : stderr;
    }

    /** Whether every piped stream has reached its end and been read to it (or closed). Lock held. */
    boolean drained() {
        return (stdout == null || stdout.drained()) && (stderr == null || stderr.drained());
    }
}
