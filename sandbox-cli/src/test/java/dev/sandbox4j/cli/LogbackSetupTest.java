package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class LogbackSetupTest {

    @Test
    void rootLogsOnlyWarningsToOneStderrAppender() {
        LoggerContext context = new LoggerContext();
        new LogbackSetup().configure(context);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("STDERR")).isNotNull();
        assertThat(context.getLogger("dev.sandbox4j.exec.Sandbox").isDebugEnabled()).isFalse();
    }

    @Test
    void aLineIsPrefixedSoItCannotBeTakenForTheProgramsOutput() {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("dev.sandbox4j.exec.Sandbox");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
                "cgroup {} left behind", new IllegalStateException("busy"), new Object[] {"x"});

        String line = new LogbackSetup.OneLineLayout().doLayout(event);

        assertThat(line).startsWith("sandbox-ctl: WARN Sandbox: cgroup x left behind" + System.lineSeparator())
                .contains("java.lang.IllegalStateException: busy");
    }

    @Test
    void theServiceLoaderFindsTheConfiguration() {
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        var stderr = (ch.qos.logback.core.ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME)
                .getAppender("STDERR");
        var encoder = (ch.qos.logback.core.encoder.LayoutWrappingEncoder<?>) stderr.getEncoder();
        assertThat(encoder.getLayout()).isInstanceOf(LogbackSetup.OneLineLayout.class);
    }
}
