package dev.sandbox4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/** The CLI's only logging switch: {@code -v} turns sandbox4j's own loggers to DEBUG, leaving libraries quiet. */
final class Logging {
    static final String SANDBOX4J_LOGGERS = "dev.sandbox4j";
    private static final String PROVIDER_PROPERTY = "slf4j.provider";

    private Logging() {
    }

    /**
     * Makes {@link LazyLogback} the slf4j binding, before anything asks for a logger; unless the user chose a
     * binding or a logback configuration file, which the usual discovery then honours.
     */
    static void useLazyLogback() {
        if (System.getProperty(PROVIDER_PROPERTY) == null && System.getProperty("logback.configurationFile") == null) {
            System.setProperty(PROVIDER_PROPERTY, LazyLogback.class.getName());
            // slf4j announces an explicitly chosen provider on stderr, which belongs to the program.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
    }

    static void verbose(boolean on) {
        ILoggerFactory bound = LoggerFactory.getILoggerFactory();
        LoggerContext context;
        if (bound instanceof LoggerContext logback) {
            context = logback;
        } else if (bound instanceof LazyLogback.Factory) {
            if (!on && !LazyLogback.started()) {
                return; // quiet already
            }
            context = LazyLogback.context();
        } else {
            return; // another binding, configured by whoever chose it
        }
        context.getLogger(SANDBOX4J_LOGGERS).setLevel(on ? Level.DEBUG : null);
    }
}
