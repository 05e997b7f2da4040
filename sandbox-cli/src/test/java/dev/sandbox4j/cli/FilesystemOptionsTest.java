package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class FilesystemOptionsTest {
    private static FilesystemOptions parse(String... args) {
        FilesystemOptions filesystem = new FilesystemOptions();
        CommandSpec probe = CommandSpec.create().name("probe");
        probe.addMixin("filesystem", filesystem.mixin());
        new CommandLine(probe).parseArgs(args);
        return filesystem;
    }

    /** The InvalidConfigException a converter threw, as picocli wraps it. */
    private static InvalidConfigException rejection(String... args) {
        try {
            parse(args);
        } catch (CommandLine.ParameterException e) {
            Throwable cause = e.getCause();
            assertThat(cause).isInstanceOf(InvalidConfigException.class);
            return (InvalidConfigException) cause;
        }
        throw new AssertionError("accepted: " + List.of(args));
    }

    @Test
    void bindsRepeatAndInterleaveInCommandLineOrder(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Path c = Files.createDirectories(dir.resolve("c"));
        FilesystemOptions s =
                parse("--ro-bind", a.toString(), "--bind", b + ":/out", "--ro-bind", c + ":/in", "--bind", a + ":/a2");
        assertThat(s.binds)
                .containsExactly(
                        new FilesystemOptions.Bind(a, a, false),
                        new FilesystemOptions.Bind(b, Path.of("/out"), true),
                        new FilesystemOptions.Bind(c, Path.of("/in"), false),
                        new FilesystemOptions.Bind(a, Path.of("/a2"), true));
    }

    @Test
    void everyOptionKeepsItsOrderAndMeaning(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path upper = Files.createDirectories(dir.resolve("up"));
        FilesystemOptions s = parse(
                "--bind",
                a + ":/work",
                "--ro-bind",
                a.toString(),
                "--tmpfs",
                "/scratch:1M",
                "--tmpfs",
                "/t2",
                "--overlay",
                a + ":/o",
                "--overlay",
                a + ":/k:" + upper,
                "--rw",
                "--landlock-ro",
                "/data",
                "--landlock-rw",
                "/work");
        assertThat(s.binds)
                .containsExactly(
                        new FilesystemOptions.Bind(a, Path.of("/work"), true), new FilesystemOptions.Bind(a, a, false));
        assertThat(s.tmpfs)
                .containsExactly(
                        new FilesystemOptions.Tmpfs(Path.of("/scratch"), Optional.of("1M")),
                        new FilesystemOptions.Tmpfs(Path.of("/t2"), Optional.empty()));
        assertThat(s.overlays.get(1).work()).isEqualTo(dir.resolve(".up.work"));
        assertThat(s.writableRoot).isTrue();

        FilesystemView view = s.view();
        assertThat(view.writableRoot()).isTrue();
        assertThat(view.mounts())
                .contains(
                        new Mount.Bind(a, Path.of("/work"), true),
                        new Mount.Bind(a, a, false),
                        new Mount.Tmpfs(Path.of("/scratch"), 1 << 20, 0755),
                        new Mount.Overlay(List.of(a), Path.of("/k"), upper, dir.resolve(".up.work")));
        assertThat(s.landlock())
                .get()
                .extracting(LandlockRules::rules)
                .asList()
                .anyMatch(r -> ((LandlockRules.Rule) r).path().equals(Path.of("/data")));
    }

    @Test
    void relativeSourcesAreTheCurrentDirectorysAndDestinationsMustBeAbsolute() {
        FilesystemOptions s = parse("--ro-bind", "some/dir:/in");
        assertThat(s.binds.get(0).source()).isEqualTo(Path.of("some/dir").toAbsolutePath());
        InvalidConfigException e = rejection("--bind", "/x:relative");
        assertThat(e.getMessage()).contains("--bind", "'relative'", "absolute");
        assertThat(rejection("--tmpfs", "tmp").getMessage()).contains("--tmpfs", "absolute");
        assertThat(rejection("--overlay", "/only-lower").getMessage()).contains("LOWER:DST[:UPPER]");
    }

    @Test
    void badValuesFailWhenTheViewIsBuiltNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> parse("--bind", missing + ":/m").view())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> parse("--tmpfs", "/t:huge").view())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("huge");
        // Zero is not "unlimited" (the kernel's reading of size=0): refused, with what to do instead.
        assertThatThrownBy(() -> parse("--tmpfs", "/t:0").view())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/t")
                .hasMessageContaining("'0'")
                .hasMessageContaining("leave the size out");
    }

    @Test
    void theRootIsReadOnlyUnlessRwAndGetsOnlyTheMountPointsItHas(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("proc"));
        FilesystemView readOnly = parse("-r", dir.toString()).view();
        assertThat(readOnly.existingRoot()).contains(dir);
        assertThat(readOnly.writableRoot()).isFalse();
        assertThat(readOnly.mounts()).containsExactly(new Mount.Proc(Path.of("/proc")));
        FilesystemView writable = parse("-r", dir.toString(), "--rw").view();
        assertThat(writable.writableRoot()).isTrue();
        assertThat(writable.mounts()).hasSize(3);
        assertThat(parse().landlock()).isEmpty();
    }

    @Test
    void aVolumeValueOfTheWrongShapeIsRefusedBeforeAnyVolumeIsLookedUp() {
        assertThat(rejection("--volume", "job").getMessage())
                .isEqualTo("invalid --volume 'job': expected NAME:/path or NAME:/path:ro");
        assertThat(rejection("--volume", "job:/work:rx").getMessage())
                .isEqualTo("invalid --volume 'job:/work:rx': expected NAME:/path or NAME:/path:ro");
        assertThat(rejection("--volume", "job:work").getMessage())
                .isEqualTo("invalid --volume 'work': the path inside the sandbox must be absolute");
        assertThat(rejection("--volume", "job:/").getMessage())
                .startsWith("invalid --volume 'job:/': cannot mount over");
    }
}
