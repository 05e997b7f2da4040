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
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record))).isEqualTo("rw-------");
        String line = Files.readString(record);
        assertThat(line).startsWith("sha256 " + LauncherBinary.sha256(launcher.path()) + " dev ")
                .contains(" ino ").contains(" ctime ").endsWith("\n");

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
}
