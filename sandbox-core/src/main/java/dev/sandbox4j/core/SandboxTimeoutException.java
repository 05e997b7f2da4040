package dev.sandbox4j.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A wait on a sandboxed process ran out of time. A workload's own timeout is not an exception (the result
 * says {@code timedOut}); this is thrown where a caller asked to wait a bounded time and the wait itself
 * expired, e.g. a sandbox's {@code close()} waiting for running workloads.
 */
public class SandboxTimeoutException extends SandboxException {
    private static final long serialVersionUID = 1L;

    private final transient Duration timeout;

    public SandboxTimeoutException(String what, Duration timeout) {
        super(what + " did not finish within "
                + Objects.requireNonNull(timeout, "timeout").toMillis() + " ms");
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
