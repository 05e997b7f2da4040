package dev.sandbox4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.LogbackServiceProvider;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import ch.qos.logback.core.util.StatusListenerConfigHelper;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * sandbox-ctl's logging: warnings and errors only, on stderr, one prefixed line each, since stdout and stderr belong
 * to the program; {@code -v} raises sandbox4j's own loggers to DEBUG. Logback finds this configurator as a service,
 * and it applies only in sandbox-ctl's own process ({@link #configure()} from {@code main}): a JVM that merely has this
 * jar on its class path keeps its own logging, as does a user who names a logback configuration file. In
 * {@code target/sandbox-ctl.jar}, slf4j's provider is {@link Provider}, which sets the same up without logback's search.
 */
public final class Logging extends ContextAwareBase implements Configurator {
    static final String SANDBOX4J_LOGGERS = "dev.sandbox4j";
    private static volatile boolean sandboxCtl;

    /** For logback's service loader. */
    public Logging() {}

    /** Sets sandbox-ctl's logging up, before anything logs. */
    static void configure() {
        sandboxCtl = true;
        LoggerFactory.getILoggerFactory();
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (!appliesHere()) {
            return ExecutionStatus.NEUTRAL;
        }
        setUp(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static boolean appliesHere() {
        return sandboxCtl && System.getProperty("logback.configurationFile") == null;
    }

    private static void setUp(LoggerContext context) {
        // A listener of its own: otherwise logback sets up its status printer, and with it java.time's zone rules.
        // Nothing in this configuration can fail to load.
        context.getStatusManager().add(new NopStatusListener());
        OneLineLayout layout = new OneLineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
    }

    /**
     * Logback as slf4j's provider in {@code target/sandbox-ctl.jar} (in place of logback's, see this module's pom), set
     * up as {@link #configure(LoggerContext)} would, without logback's search for configurators and configuration files
     * first; where this set-up does not apply, logback's own.
     */
    public static final class Provider extends LogbackServiceProvider {
        @Override
        public void initialize() {
            if (!appliesHere()) {
                super.initialize();
                return;
            }
            LoggerContext context = (LoggerContext) getLoggerFactory();
            context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
            context.setMDCAdapter((LogbackMDCAdapter) getMDCAdapter());
            StatusListenerConfigHelper.installIfAsked(context);
            setUp(context);
            context.start();
        }
    }

    static void verbose(boolean on) {
        ILoggerFactory bound = LoggerFactory.getILoggerFactory();
        if (bound instanceof LoggerContext context) {
            context.getLogger(SANDBOX4J_LOGGERS).setLevel(on ? Level.DEBUG : null);
        }
    }

    /** {@code sandbox-ctl: LEVEL Logger: message}, then the stack trace if there is one. */
    static final class OneLineLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent event) {
            String logger = event.getLoggerName();
            StringBuilder line = new StringBuilder("sandbox-ctl: ")
                    .append(event.getLevel())
                    .append(' ')
                    .append(logger.substring(logger.lastIndexOf('.') + 1))
                    .append(": ")
                    .append(event.getFormattedMessage())
                    .append(System.lineSeparator());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(ThrowableProxyUtil.asString(thrown)).append(System.lineSeparator());
            }
            return line.toString();
        }
    }
}
