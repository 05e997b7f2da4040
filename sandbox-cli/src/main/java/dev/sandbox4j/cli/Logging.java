package dev.sandbox4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** The CLI's only logging switch: {@code -v} turns sandbox4j's own loggers to DEBUG, leaving libraries quiet. */
final class Logging {
    static final String SANDBOX4J_LOGGERS = "dev.sandbox4j";

    private Logging() {
    }

    static void verbose(boolean on) {
        ((Logger) LoggerFactory.getLogger(SANDBOX4J_LOGGERS)).setLevel(on ? Level.DEBUG : null);
    }
}
