package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class LoggingTest {

    @Test
    void rootLogsOnlyWarningsToOneStderrAppender() {
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        try {
            Logging.configure();

            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
            assertThat(root.getAppender("STDERR")).isNotNull();
            assertThat(context.getLogger("dev.sandbox4j.exec.Sandbox").isDebugEnabled()).isFalse();
            assertThat(root.iteratorForAppenders()).toIterable().hasSize(1);
        } finally {
            context.reset();
            try {
                new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig(); // the test's own again
            } catch (ch.qos.logback.core.joran.spi.JoranException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aLineIsPrefixedSoItCannotBeTakenForTheProgramsOutput() {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("dev.sandbox4j.exec.Sandbox");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
                "cgroup {} left behind", new IllegalStateException("busy"), new Object[] {"x"});

        String line = new Logging.OneLineLayout().doLayout(event);

        assertThat(line).startsWith("sandbox-ctl: WARN Sandbox: cgroup x left behind" + System.lineSeparator())
                .contains("java.lang.IllegalStateException: busy");
    }

    @Test
    void aJvmThatMerelyHasTheCliOnItsClassPathKeepsItsOwnLogging() {
        // Only main() sets sandbox-ctl's logging up: library tests with this jar on their class path keep theirs.
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof ch.qos.logback.core.OutputStreamAppender<?> out
                    && out.getEncoder() instanceof ch.qos.logback.core.encoder.LayoutWrappingEncoder<?> encoder) {
                assertThat(encoder.getLayout()).isNotInstanceOf(Logging.OneLineLayout.class);
            }
        });
    }
}
