package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launchers from elsewhere than the jar: accepted by their hash only, refused naming both hashes. */
class LauncherSourceTest {
    private static final String WRONG = "0".repeat(64);

    @TempDir
    Path dir;

    private Map<String, String> env(String cache) throws Exception {
        return Map.of(
                "XDG_CACHE_HOME", Files.createDirectories(dir.resolve(cache)).toString());
    }

    /** A copy of the jar's launcher, as a team's own build or artifact store would hold it. */
    private Path copyOfBundled() throws Exception {
        LauncherBinary bundled = LauncherBinary.locate((String) null, env("bundled"));
        Path copy = dir.resolve("launcher");
        Files.copy(bundled.path(), copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
        return copy;
    }

    @Test
    void suppliedBytesWithTheRightHashAreKeptInThePrivateCache() throws Exception {
        Path copy = copyOfBundled();
        String sha = LauncherBinary.sha256(copy);

        LauncherBinary binary = LauncherBinary.locateSource(
                LauncherSource.verified(sha.toUpperCase(), () -> Files.newInputStream(copy)), env("cache"));

        assertThat(binary.path()).startsWith(dir.resolve("cache/sandbox4j"));
        assertThat(LauncherBinary.sha256(binary.path())).isEqualTo(sha);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(binary.path())))
                .isEqualTo("r-x------");
    }

    @Test
    void suppliedBytesWithAnotherHashAreRefusedAndLeaveNothing() throws Exception {
        Path copy = copyOfBundled();
        String actual = LauncherBinary.sha256(copy);
        Map<String, String> env = env("cache");

        assertThatThrownBy(() -> LauncherBinary.locateSource(
                        LauncherSource.verified(WRONG, () -> Files.newInputStream(copy)), env))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the launcher with SHA-256 " + WRONG + " does not match: SHA-256 " + actual
                        + ", expected " + WRONG + "; refusing to run it");
        try (Stream<Path> files = Files.list(dir.resolve("cache/sandbox4j"))) {
            assertThat(files.filter(Files::isRegularFile))
                    .as("no launcher, no temporary file")
                    .isEmpty();
        }
    }

    @Test
    void anInstalledLauncherWithAHashRunsOnlyWhileItHasIt() throws Exception {
        Path copy = copyOfBundled();
        String sha = LauncherBinary.sha256(copy);

        assertThatThrownBy(() -> LauncherBinary.locateSource(LauncherSource.path(copy, WRONG), env("cache")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the launcher at " + copy + " has SHA-256 " + sha + ", expected " + WRONG);

        LauncherBinary binary = LauncherBinary.locateSource(LauncherSource.path(copy, sha), env("cache"));
        assertThat(binary.path()).isEqualTo(copy);
        binary.checkUnchanged();

        Files.write(copy, new byte[] {'X'}, StandardOpenOption.WRITE); // same inode, other content
        assertThatThrownBy(binary::checkUnchanged)
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("refusing to run it");
    }

    @Test
    void badSourcesAreNamed() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "not executable");
        assertThatThrownBy(() -> LauncherBinary.locateSource(LauncherSource.path(plain), env("cache")))
                .hasMessage("the launcher at " + plain + " is not an executable file");
        assertThatThrownBy(() -> LauncherSource.verified("abc", () -> null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("64 hexadecimal digits");
        assertThatThrownBy(() -> LauncherSource.path(plain, "sha256:" + WRONG))
                .isInstanceOf(InvalidConfigException.class);
    }
}
