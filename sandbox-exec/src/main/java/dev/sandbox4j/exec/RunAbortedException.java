package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.util.Objects;

/**
 * The run was ended by sandbox4j's own machinery, not by the program, its limits or its caller: there is no
 * result, because none would be true. Without this a run whose fork server died, or whose {@link Sandbox} was
 * closed under it, would look exactly like a program killed by SIGKILL (an OOM kill, say). A service can retry
 * such a run, or report an internal error, instead of blaming the workload.
 *
 * <p>A program that ended on its own before the kill reached it keeps its real result; a run the caller killed
 * ({@link SandboxProcess#destroyForcibly()}) or that timed out ends with an ordinary result as before.
 */
public final class RunAbortedException extends SandboxException {
    private static final long serialVersionUID = 1L;

    /** What ended the run. */
    public enum Reason {
        /** The JVM's fork server, parent of the run's launcher, died; the run was killed through its own channel. */
        FORK_SERVER_DIED("the launchers' fork server died"),
        /** {@link Sandbox#close()} was called while the run was in flight. */
        SANDBOX_CLOSED("the sandbox was closed while it ran"),
        /** The run's launcher ended without reporting the program's end (it crashed, or something killed it). */
        LAUNCHER_DIED("its launcher died without reporting the program's end");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        /** In words, e.g. {@code "the sandbox was closed while it ran"}. */
        public String description() {
            return description;
        }
    }

    private final String sandboxId;
    private final Reason reason;

    RunAbortedException(String sandboxId, Reason reason, String detail) {
        super("sandbox " + sandboxId + ": the run was ended by sandbox4j, not by the program: " + reason.description()
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.sandboxId = Objects.requireNonNull(sandboxId, "sandboxId");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The {@link SandboxConfig#id()} of the sandbox the run belonged to. */
    public String sandboxId() {
        return sandboxId;
    }

    public Reason reason() {
        return reason;
    }
}
