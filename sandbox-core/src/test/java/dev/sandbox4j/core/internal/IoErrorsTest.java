package dev.sandbox4j.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** java.nio's exceptions often carry only a path as message: the reason must still be said. */
class IoErrorsTest {

    @Test
    void theReasonIsSaidWhenTheMessageIsOnlyThePath() {
        // As "cannot create /tmp/sandbox4j-65534: /tmp/sandbox4j-65534" used to say it.
        assertThat(IoErrors.describe(new AccessDeniedException("/tmp/sandbox4j-65534"), "/tmp/sandbox4j-65534"))
                .isEqualTo("permission denied");
        assertThat(IoErrors.describe(new NoSuchFileException("/a/b"), "/a/b")).isEqualTo("no such file or directory");
        assertThat(IoErrors.describe(new FileSystemException("/full/x", null, "No space left on device"), "/full/x"))
                .isEqualTo("No space left on device");
    }

    @Test
    void anotherFileThanTheOneAskedAboutIsNamed() {
        assertThat(IoErrors.describe(new AccessDeniedException("/home/x/.cache"), "/home/x/.cache/sandbox4j"))
                .isEqualTo("permission denied (/home/x/.cache)");
        assertThat(IoErrors.reason(new AccessDeniedException("/home/x/.cache"))).isEqualTo("permission denied");
        assertThat(IoErrors.describe(new IOException("Broken pipe"), "/x")).isEqualTo("Broken pipe");
    }
}
