package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extracted launcher is verified once and its identity recorded, so that the next JVM need not hash it;
 * whatever changes the file (or the record) makes it hash, and a replaced launcher is put back.
 */
class LauncherBinaryTest {

    @TempDir
    Path cache;

    private LauncherBinary locate() {
        return LauncherBinary.locate(null, Map.of("XDG_CACHE_HOME", cache.toString()));
    }

    private Path record(LauncherBinary launcher) {
        return launcher.path().resolveSibling(launcher.path().getFileName() + ".verified");
    }

    @Test
    void extractionRecordsTheVerifiedIdentityPrivately() throws Exception {
        LauncherBinary launcher = locate();

        Path record = record(launcher);
        assertThat(record).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record)))
                .isEqualTo("rw-------");
        String line = Files.readString(record);
        assertThat(line)
                .startsWith("sha256 " + LauncherBinary.sha256(launcher.path()) + " dev ")
                .contains(" ino ")
                .contains(" ctime ")
                .endsWith("\n");

        // A second JVM's locate trusts the record: same file, same record.
        LauncherBinary again = locate();
        assertThat(again.path()).isEqualTo(launcher.path());
        assertThat(Files.readString(record)).isEqualTo(line);
    }

    @Test
    void aRewrittenLauncherIsReplacedDespiteTheRecord() throws Exception {
        LauncherBinary launcher = locate();
        String good = LauncherBinary.sha256(launcher.path());

        launcher.path().toFile().setWritable(true, true);
        Files.write(launcher.path(), new byte[] {'X'}, StandardOpenOption.WRITE); // same inode, new content

        LauncherBinary next = locate();
        assertThat(LauncherBinary.sha256(next.path())).isEqualTo(good);
    }

    @Test
    void aLauncherSwappedInWithTheOldRecordIsReplaced() throws Exception {
        LauncherBinary launcher = locate();
        String good = LauncherBinary.sha256(launcher.path());
        String record = Files.readString(record(launcher));

        Path impostor = Files.createTempFile(cache, "impostor", "");
        Files.write(impostor, Files.readAllBytes(launcher.path()));
        Files.write(impostor, new byte[] {'X'}, StandardOpenOption.APPEND);
        Files.move(impostor, launcher.path(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(record(launcher), record); // the record of the file that was there before

        LauncherBinary next = locate();
        assertThat(LauncherBinary.sha256(next.path())).isEqualTo(good);
        assertThat(Files.readString(record(next))).isNotEqualTo(record);
    }

    @Test
    void withinAJvmARewriteIsCaughtBeforeTheNextSpawn() throws Exception {
        LauncherBinary launcher = locate();
        String good = LauncherBinary.sha256(launcher.path());

        launcher.path().toFile().setWritable(true, true);
        Files.write(launcher.path(), new byte[] {'X'}, StandardOpenOption.WRITE);
        launcher.checkUnchanged();

        assertThat(LauncherBinary.sha256(launcher.path())).isEqualTo(good);
        try (Stream<Path> files = Files.list(launcher.path().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aFullFilesystemUnderTheFirstCacheFallsBackToTheNext(@TempDir Path home) throws Exception {
        // A tmpfs far smaller than the launcher, as the first choice ($XDG_CACHE_HOME): its directories can be
        // made, the launcher cannot be written (ENOSPC). Mounting needs root; as anyone else the next test
        // makes the same point with a name the launcher cannot take.
        org.junit.jupiter.api.Assumptions.assumeTrue(HostIdentity.current().euid() == 0, "mounting a tmpfs needs root");
        Path full = Files.createDirectory(cache.resolve("full"));
        command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", full.toString());
        try {
            LauncherBinary launcher =
                    LauncherBinary.locate(null, Map.of("XDG_CACHE_HOME", full.toString(), "HOME", home.toString()));
            assertThat(launcher.path()).startsWith(home.resolve(".cache/sandbox4j"));
            assertThat(LauncherBinary.sha256(launcher.path())).isEqualTo(LauncherBinary.sha256(locate().path()));
        } finally {
            command("umount", full.toString());
        }
    }

    @Test
    void aCacheThatCannotTakeTheLauncherFallsBackToTheNext(@TempDir Path home) throws Exception {
        LauncherBinary first = locate();
        // Where the launcher would go in a second cache, a non-empty directory of that name: extracting fails.
        Path blocked = Files.createDirectory(cache.resolve("blocked"));
        Path dir = Files.createDirectory(
                blocked.resolve("sandbox4j"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path obstacle = Files.createDirectory(dir.resolve(first.path().getFileName()));
        Files.createFile(obstacle.resolve("in-the-way"));

        LauncherBinary launcher =
                LauncherBinary.locate(null, Map.of("XDG_CACHE_HOME", blocked.toString(), "HOME", home.toString()));
        assertThat(launcher.path()).startsWith(home.resolve(".cache/sandbox4j"));
        assertThat(Files.isExecutable(launcher.path())).isTrue();
    }

    @Test
    void aDirectoryThatCannotBeCreatedSaysWhy() throws Exception {
        Path file = Files.writeString(cache.resolve("a-file"), "");
        // Used to say only "cannot create X: X".
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LauncherBinary.privateDirectory(file.resolve("sub")))
                .hasMessage("cannot create " + file.resolve("sub") + ": already exists (" + file + ")");
    }

    private static void command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
