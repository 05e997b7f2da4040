package dev.sandbox4j.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesystem view and Landlock as an unprivileged user: when the build runs as root, runs
 * {@link FilesystemViewKernelTest} and {@link LandlockKernelTest} again in a child JVM as uid 65534.
 */
class UnprivilegedFilesystemKernelTest {
    @Test
    void theFilesystemTestsPassAsUid65534(@TempDir Path scratch) throws Exception {
        UnprivilegedKernelTest.runAsNobody(scratch, FilesystemViewKernelTest.class, LandlockKernelTest.class);
    }
}
