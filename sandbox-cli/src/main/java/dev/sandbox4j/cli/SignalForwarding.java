package dev.sandbox4j.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While the program runs, SIGINT, SIGTERM and SIGHUP sent to sandbox-ctl go to the program instead of ending
 * the JVM, the way {@code timeout(1)} and {@code docker run} pass them on: the program decides whether and how
 * to stop, and sandbox-ctl still exits with its status and writes the report. Without this the JVM would exit
 * at once (143, 130…) and its death would take the sandbox with it: clean, but the program could not clean up
 * and no report would be written.
 *
 * <p>SIGQUIT stays the JVM's (thread dumps). {@code sun.misc.Signal} is the JDK's only way to handle a signal;
 * it lives in {@code jdk.unsupported}, which exists for exactly such uses, hence the one compiler warning.
 */
final class SignalForwarding implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignalForwarding.class);
    static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private SignalForwarding() {
    }

    /** Sends each forwarded signal's number to {@code target} until {@link #close()}. */
    static SignalForwarding to(IntConsumer target) {
        Objects.requireNonNull(target, "target");
        SignalForwarding forwarding = new SignalForwarding();
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            forwarding.previous.put(signal, Signal.handle(signal, received -> {
                LOG.debug("forwarding SIG{} to the program", received.getName());
                try {
                    target.accept(received.getNumber());
                } catch (RuntimeException e) {
                    // The program ended in the meantime: there is nobody left to tell.
                    LOG.debug("could not forward SIG{}: {}", received.getName(), e.toString());
                }
            }));
        }
        return forwarding;
    }

    /** Gives the signals back to the JVM's own handlers. */
    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
