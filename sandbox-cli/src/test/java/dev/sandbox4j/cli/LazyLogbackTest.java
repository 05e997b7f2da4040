package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The binding main() selects. One test, in order, because logback starts once per JVM: before it starts the
 * loggers answer as the quiet configuration would; the first warning starts it and it prints the line.
 */
class LazyLogbackTest {

    @Test
    void quietUntilSomethingPrintsThenLogbackAsConfigured() {
        Logger logger = new LazyLogback().getLoggerFactory().getLogger("dev.sandbox4j.exec.Sandbox");
        PrintStream systemErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(logger.isDebugEnabled()).isFalse();
            assertThat(logger.isInfoEnabled()).isFalse();
            assertThat(logger.isWarnEnabled()).isTrue();
            assertThat(logger.isErrorEnabled()).isTrue();
            logger.debug("not printed {}", 1);
            logger.atDebug().log("nor this");
            assertThat(LazyLogback.started()).as("debug calls leave logback alone").isFalse();

            logger.warn("cgroup {} left behind", "x");

            assertThat(LazyLogback.started()).isTrue();
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .isEqualTo("sandbox-ctl: WARN Sandbox: cgroup x left behind" + System.lineSeparator());
            assertThat(logger.isDebugEnabled()).isFalse();

            LazyLogback.context().getLogger(Logging.SANDBOX4J_LOGGERS).setLevel(ch.qos.logback.classic.Level.DEBUG);
            assertThat(logger.isDebugEnabled()).isTrue();
            logger.debug("now {}", "printed");
            assertThat(err.toString(StandardCharsets.UTF_8)).endsWith("sandbox-ctl: DEBUG Sandbox: now printed"
                    + System.lineSeparator());
        } finally {
            LazyLogback.context().getLogger(Logging.SANDBOX4J_LOGGERS).setLevel(null);
            System.setErr(systemErr);
        }
    }
}
