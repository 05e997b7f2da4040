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
    void aJvmThatMerelyHasTheCliOnItsClassPathKeepsItsOwnLogging() {
        // This test JVM has sandbox-cli on its class path but is not sandbox-ctl: its lines must not be
        // labelled as sandbox-ctl's (library tests printed "sandbox-ctl: WARN ForkServer ...").
        assertThat(java.util.ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
                .map(p -> p.type().getName())).doesNotContain(LogbackSetup.class.getName());
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof ch.qos.logback.core.OutputStreamAppender<?> out
                    && out.getEncoder() instanceof ch.qos.logback.core.encoder.LayoutWrappingEncoder<?> encoder) {
                assertThat(encoder.getLayout()).isNotInstanceOf(LogbackSetup.OneLineLayout.class);
            }
        });
    }
}
