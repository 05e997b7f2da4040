package dev.sandbox4j.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.spi.LocationAwareLogger;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * sandbox-ctl's slf4j binding: logback, configured by {@link LogbackSetup}, but only once something
 * is logged that logback will print, or {@code -v} asks for more. {@code main} selects it through the
 * {@code slf4j.provider} system property.
 *
 * <p>Why: binding logback at the first {@code getLogger} searched every jar for slf4j's and logback's
 * service files and built the whole logging context, a tenth of a quiet start that prints nothing. Until
 * logback runs, the loggers answer what the quiet configuration would (warnings and errors on, the rest
 * off), so nothing changes for the user: the first warning or error starts logback and logback prints it.
 */
public final class LazyLogback implements SLF4JServiceProvider {
    private static final Object LOCK = new Object();
    private static volatile LoggerContext context; // null until started

    private final ILoggerFactory loggers = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    /** Whether logback has been started. */
    static boolean started() {
        return context != null;
    }

    /** Logback's context, started and configured by {@link LogbackSetup} on the first call. */
    static LoggerContext context() {
        LoggerContext started = context;
        if (started == null) {
            synchronized (LOCK) {
                started = context;
                if (started == null) {
                    // Configured here, not found by logback's own discovery: a service file for it would configure
                    // every JVM that merely has this jar on its class path (a library's tests, an application
                    // embedding the CLI) and label their lines as sandbox-ctl's.
                    started = new LoggerContext();
                    started.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
                    started.setMDCAdapter(new LogbackMDCAdapter()); // as logback's own provider does
                    LogbackSetup setup = new LogbackSetup();
                    setup.setContext(started);
                    setup.configure(started);
                    started.start();
                    context = started;
                }
            }
        }
        return started;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing until a logger needs logback
    }

    /** Hands out {@link LazyLogger}s. */
    static final class Factory implements ILoggerFactory {
        @Override
        public Logger getLogger(String name) {
            return new LazyLogger(name);
        }
    }

    /** A logger that is logback's own once logback runs, and quiet-configured logback's stand-in before. */
    static final class LazyLogger extends LegacyAbstractLogger {
        private static final String FQCN = LazyLogger.class.getName();
        private transient volatile ch.qos.logback.classic.Logger delegate;

        LazyLogger(String name) {
            this.name = name;
        }

        private ch.qos.logback.classic.Logger delegate() {
            ch.qos.logback.classic.Logger logger = delegate;
            if (logger == null) {
                logger = context().getLogger(name);
                delegate = logger;
            }
            return logger;
        }

        @Override
        public boolean isTraceEnabled() {
            return started() && delegate().isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return started() && delegate().isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return started() && delegate().isInfoEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return !started() || delegate().isWarnEnabled();
        }

        @Override
        public boolean isErrorEnabled() {
            return !started() || delegate().isErrorEnabled();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return FQCN;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
                Object[] arguments, Throwable throwable) {
            ((LocationAwareLogger) delegate()).log(marker, FQCN, level.toInt(), messagePattern, arguments, throwable);
        }
    }
}
