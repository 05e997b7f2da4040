package dev.sandbox4j.cli;

import java.util.ArrayList;
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
    /** Where signals go; null until the program has started. Guarded by this. */
    private IntConsumer target;
    /** Signals that arrived before there was a target. Guarded by this. */
    private final List<Integer> pending = new ArrayList<>();

    private SignalForwarding() {}

    /**
     * Takes SIGINT, SIGTERM and SIGHUP from the JVM. Done before the program starts, because the program runs
     * (and may say it is ready) before {@code Sandbox.start} returns: a signal in between is held, not lost, and
     * not fatal to the JVM.
     */
    static SignalForwarding install() {
        SignalForwarding forwarding = new SignalForwarding();
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            forwarding.previous.put(signal, Signal.handle(signal, received -> {
                LOG.debug("forwarding SIG{} to the program", received.getName());
                forwarding.received(received.getNumber());
            }));
        }
        return forwarding;
    }

    /** From now on signals go to {@code target}, those held so far first. */
    synchronized void forwardTo(IntConsumer target) {
        this.target = Objects.requireNonNull(target, "target");
        pending.forEach(this::send);
        pending.clear();
    }

    private synchronized void received(int signal) {
        if (target == null) {
            pending.add(signal);
        } else {
            send(signal);
        }
    }

    private void send(int signal) {
        try {
            target.accept(signal);
        } catch (RuntimeException e) {
            // The program ended in the meantime: there is nobody left to tell.
            LOG.debug("could not forward signal {}: {}", signal, e.toString());
        }
    }

    /** Gives the signals back to the JVM's own handlers; signals still held are dropped. */
    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
