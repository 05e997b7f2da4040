package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoggingTest {

    @BeforeAll
    static void thisJvmsOwnLoggingIsSetUpFirst() {
        // Before a test calls Logging.configure(), which makes this JVM sandbox-ctl's process for the rest of the run.
        org.slf4j.LoggerFactory.getILoggerFactory();
    }

    @Test
    void rootLogsOnlyWarningsToOneStderrAppender() {
        LoggerContext context = new LoggerContext();
        Logging configurator = new Logging();
        configurator.setContext(context);
        assertThat(configurator.configure(context))
                .as("not sandbox-ctl's process (yet): logback's own set-up")
                .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.NEUTRAL);

        Logging.configure(); // as main does; this test JVM's logging is already set up and stays
        assertThat(configurator.configure(context))
                .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("STDERR")).isNotNull();
        assertThat(root.iteratorForAppenders()).toIterable().hasSize(1);
        assertThat(context.getLogger("dev.sandbox4j.exec.Sandbox").isDebugEnabled())
                .isFalse();
    }

    @Test
    void theProviderInSandboxCtlsJarSetsTheSameUp() {
        Logging.configure(); // as main does
        Logging.Provider provider = new Logging.Provider();

        provider.initialize();

        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.iteratorForAppenders()).toIterable().hasSize(1);
        assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class, stderr -> {
            assertThat(stderr.getTarget()).isEqualTo("System.err");
            assertThat(((LayoutWrappingEncoder<?>) stderr.getEncoder()).getLayout())
                    .isInstanceOf(Logging.OneLineLayout.class);
        });
        assertThat(context.isStarted()).isTrue();
        assertThat(provider.getMDCAdapter()).isSameAs(context.getMDCAdapter());
    }

    @Test
    void aLineIsPrefixedSoItCannotBeTakenForTheProgramsOutput() {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("dev.sandbox4j.exec.Sandbox");
        LoggingEvent event = new LoggingEvent(
                Logger.class.getName(),
                logger,
                Level.WARN,
                "cgroup {} left behind",
                new IllegalStateException("busy"),
                new Object[] {"x"});

        String line = new Logging.OneLineLayout().doLayout(event);

        assertThat(line)
                .startsWith("sandbox-ctl: WARN Sandbox: cgroup x left behind" + System.lineSeparator())
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
