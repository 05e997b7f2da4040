package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --report and seccomp --export: a regular file atomically, anything else written through and never replaced. */
class OutputFileTest {

    @TempDir
    Path dir;

    @Test
    void whatAProgramLeavesAtTheTargetDoesNotRedirectTheWrite() throws Exception {
        Path victim = Files.writeString(
                Files.createDirectories(dir.resolve("private")).resolve("config"), "keep me");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path report = shared.resolve("report.json");
        // Calibration: a write decided only after the run follows the link the program planted.
        Files.createSymbolicLink(report, victim);
        OutputFile.write(report, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(victim)).isEqualTo("{}");
        Files.writeString(victim, "keep me");
        Files.delete(report);

        // Fixed before the run: the planted link is refused, the victim untouched.
        try (OutputFile.Prepared prepared = OutputFile.prepare(report)) {
            Files.createSymbolicLink(report, victim); // what the program leaves behind
            assertThatThrownBy(() -> prepared.write("{}".getBytes(StandardCharsets.UTF_8)))
                    .hasMessageContaining("no longer a regular file");
        }
        assertThat(Files.readString(victim)).isEqualTo("keep me");
        Files.delete(report);

        // A directory swapped for a link to another one: nothing written anywhere.
        try (OutputFile.Prepared prepared = OutputFile.prepare(report)) {
            Files.move(shared, dir.resolve("shared.old"));
            Files.createSymbolicLink(shared, victim.getParent());
            assertThatThrownBy(() -> prepared.write("{}".getBytes(StandardCharsets.UTF_8)))
                    .hasMessageContaining("was replaced meanwhile");
        }
        try (Stream<Path> files = Files.list(victim.getParent())) {
            assertThat(files).containsExactly(victim);
        }
    }

    @Test
    void aFifoIsWrittenThroughAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("fifo");
        run("mkfifo", fifo.toString());
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        });
        OutputFile.write(fifo, "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo("{\"a\":1}\n");
        assertThat(Files.readAttributes(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                        .get("mode"))
                .as("still a FIFO")
                .matches(m -> ((Integer) m & 0170000) == 0010000);
        assertThat(OutputFile.problemWith(fifo)).isEmpty();
    }

    @Test
    void aCharacterDeviceLikeDevNullIsWrittenThroughNotReplaced() throws Exception {
        // A null device of our own (mknod needs root), so that a regression cannot replace the host's /dev/null.
        Assumptions.assumeTrue(isRoot(), "mknod needs root");
        Path devNull = dir.resolve("null");
        run("mknod", "-m", "666", devNull.toString(), "c", "1", "3");
        OutputFile.write(devNull, "{}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.isRegularFile(devNull, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.readAttributes(devNull, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                        .get("mode"))
                .as("still a character device")
                .matches(m -> ((Integer) m & 0170000) == 0020000);
        assertThat(Files.readAttributes(devNull, "unix:rdev").get("rdev")).isEqualTo(259L); // makedev(1, 3)
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(devNull);
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndStaysALink() throws Exception {
        Path target = Files.writeString(dir.resolve("target.json"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), target.getFileName());
        OutputFile.write(link, "new\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("new\n");

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("made.json"));
        OutputFile.write(dangling, "made\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.isSymbolicLink(dangling)).isTrue();
        assertThat(Files.readString(dir.resolve("made.json"))).isEqualTo("made\n");
    }

    @Test
    void aRegularFileIsReplacedWholeWithNoTemporaryFileLeft() throws Exception {
        Path file = Files.writeString(dir.resolve("r.json"), "old and longer than the new content");
        OutputFile.write(file, "new\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(file)).isEqualTo("new\n");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void targetsThatCannotBeWrittenAreFoundBeforehand() throws Exception {
        assertThat(OutputFile.problemWith(Path.of("/proc/version")))
                .hasValueSatisfying(problem -> assertThat(problem).startsWith("cannot create a file in /proc: "));
        assertThat(OutputFile.problemWith(dir)).contains("is a directory");
        assertThat(OutputFile.problemWith(dir.resolve("x/y")))
                .contains("the directory " + dir.resolve("x") + " does not exist");
        assertThat(OutputFile.problemWith(dir.resolve("new.json"))).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("the check leaves nothing behind").isEmpty();
        }
    }

    private static boolean isRoot() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:"))
                .anyMatch(l -> l.split("\\s+")[2].equals("0"));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }
}
