package dev.sandbox4j.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link SandboxKernelTest} again, with a launcher per run started by ProcessBuilder
 * ({@code forkServer(false)}, what the CLI uses), so that path stays tested as well.
 */
class DirectLauncherKernelTest extends SandboxKernelTest {
    // Same names as the superclass's: they hide its methods, so the flag is set before the suite's sandbox exists.
    @BeforeAll
    static void start() throws Exception {
        forkServer = false;
        SandboxKernelTest.start();
    }

    @AfterAll
    static void stop() {
        try {
            SandboxKernelTest.stop();
        } finally {
            forkServer = true;
        }
    }
}
