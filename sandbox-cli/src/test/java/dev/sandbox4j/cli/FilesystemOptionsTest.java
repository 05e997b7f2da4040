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
    private static FilesystemSettings parse(String... args) {
        FilesystemOptions filesystem = new FilesystemOptions();
        CommandSpec probe = CommandSpec.create().name("probe");
        probe.addMixin("filesystem", filesystem.mixin());
        new CommandLine(probe).parseArgs(args);
        return filesystem.toSettings();
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
        FilesystemSettings s = parse("--ro-bind", a.toString(), "--bind", b + ":/out", "--ro-bind", c + ":/in",
                "--bind", a + ":/a2");
        assertThat(s.binds()).containsExactly(new FilesystemSettings.Bind(a, a, false),
                new FilesystemSettings.Bind(b, Path.of("/out"), true), new FilesystemSettings.Bind(c, Path.of("/in"), false),
                new FilesystemSettings.Bind(a, Path.of("/a2"), true));
    }

    @Test
    void everyOptionKeepsItsOrderAndMeaning(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path upper = Files.createDirectories(dir.resolve("up"));
        FilesystemSettings s = parse("--bind", a + ":/work", "--ro-bind", a.toString(), "--tmpfs", "/scratch:1M",
                "--tmpfs", "/t2", "--overlay", a + ":/o", "--overlay", a + ":/k:" + upper, "--rw",
                "--landlock-ro", "/data", "--landlock-rw", "/work");
        assertThat(s.binds()).containsExactly(new FilesystemSettings.Bind(a, Path.of("/work"), true),
                new FilesystemSettings.Bind(a, a, false));
        assertThat(s.tmpfs()).containsExactly(new FilesystemSettings.Tmpfs(Path.of("/scratch"), Optional.of("1M")),
                new FilesystemSettings.Tmpfs(Path.of("/t2"), Optional.empty()));
        assertThat(s.overlays().get(1).work()).isEqualTo(dir.resolve(".up.work"));
        assertThat(s.writableRoot()).isTrue();

        FilesystemView view = s.view(Optional.empty());
        assertThat(view.writableRoot()).isTrue();
        assertThat(view.mounts()).contains(new Mount.Bind(a, Path.of("/work"), true), new Mount.Bind(a, a, false),
                new Mount.Tmpfs(Path.of("/scratch"), 1 << 20, 0755),
                new Mount.Overlay(List.of(a), Path.of("/k"), upper, dir.resolve(".up.work")));
        assertThat(s.landlock()).get().extracting(LandlockRules::rules).asList()
                .anyMatch(r -> ((LandlockRules.Rule) r).path().equals(Path.of("/data")));
    }

    @Test
    void relativeSourcesAreTheCurrentDirectorysAndDestinationsMustBeAbsolute() {
        FilesystemSettings s = parse("--ro-bind", "some/dir:/in");
        assertThat(s.binds().get(0).source()).isEqualTo(Path.of("some/dir").toAbsolutePath());
        InvalidConfigException e = rejection("--bind", "/x:relative");
        assertThat(e.getMessage()).contains("--bind", "'relative'", "absolute");
        assertThat(rejection("--tmpfs", "tmp").getMessage()).contains("--tmpfs", "absolute");
        assertThat(rejection("--overlay", "/only-lower").getMessage()).contains("LOWER:DST[:UPPER]");
        assertThat(rejection("--landlock-rw", "rel").getMessage()).contains("--landlock-rw");
    }

    @Test
    void badValuesFailWhenTheViewIsBuiltNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> parse("--bind", missing + ":/m").view(Optional.empty()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> parse("--tmpfs", "/t:huge").view(Optional.empty()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("huge");
        // Zero is not "unlimited" (the kernel's reading of size=0): refused, with what to do instead.
        assertThatThrownBy(() -> parse("--tmpfs", "/t:0").view(Optional.empty()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("/t").hasMessageContaining("'0'")
                .hasMessageContaining("leave the size out");
    }

    @Test
    void theRootIsReadOnlyUnlessRwAndGetsOnlyTheMountPointsItHas(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("proc"));
        FilesystemView readOnly = FilesystemSettings.none().view(Optional.of(dir));
        assertThat(readOnly.existingRoot()).contains(dir);
        assertThat(readOnly.writableRoot()).isFalse();
        assertThat(readOnly.mounts()).containsExactly(new Mount.Proc(Path.of("/proc")));
        FilesystemView writable = parse("--rw").view(Optional.of(dir));
        assertThat(writable.writableRoot()).isTrue();
        assertThat(writable.mounts()).hasSize(3);
        assertThat(FilesystemSettings.none().landlock()).isEmpty();
    }
}
