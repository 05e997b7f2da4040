package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fragments of a view: what each declares, and that the view checks them like its own mounts. */
class ViewFragmentTest {
    @TempDir
    Path dir;

    @Test
    void aJdkIsItsRealHomeReadOnly() throws Exception {
        Path home = Path.of(System.getProperty("java.home")).toRealPath();
        assertThat(ViewFragment.jdk(Path.of(System.getProperty("java.home"))).mounts())
                .containsExactly(new Mount.Bind(home, home, false));
        assertThatThrownBy(() -> ViewFragment.jdk(dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("has no executable bin/java");
        assertThatThrownBy(() -> ViewFragment.jdk(dir.resolve("none"))).hasMessageContaining("does not exist");
    }

    @Test
    void aVenvBringsItsInterpretersPrefixOnlyWhenTheDefaultViewLacksIt() throws Exception {
        Path venv = Files.createDirectory(dir.resolve("venv"));
        Path prefix = Files.createDirectories(dir.resolve("pyenv/3.12"));
        Files.createDirectory(prefix.resolve("bin"));
        Files.writeString(venv.resolve("pyvenv.cfg"), "home = " + prefix.resolve("bin") + "\nversion = 3.12\n");
        Path real = venv.toRealPath();
        assertThat(ViewFragment.pythonVenv(venv).mounts())
                .containsExactly(
                        new Mount.Bind(prefix.toRealPath(), prefix.toRealPath(), false),
                        new Mount.Bind(real, real, false));

        Files.writeString(venv.resolve("pyvenv.cfg"), "home = /usr/bin\n");
        assertThat(ViewFragment.pythonVenv(venv).mounts())
                .as("/usr is in the default view")
                .containsExactly(new Mount.Bind(real, real, false));

        Files.writeString(venv.resolve("pyvenv.cfg"), "version = 3\n");
        assertThatThrownBy(() -> ViewFragment.pythonVenv(venv))
                .hasMessageContaining("names no absolute interpreter home");
        assertThatThrownBy(() -> ViewFragment.pythonVenv(dir)).hasMessageContaining("no readable pyvenv.cfg");
    }

    @Test
    void theToolchainIsThePathsOwnDirectoriesNotTheSystemsNorWorldWritableOnes() throws Exception {
        Path go = Files.createDirectories(dir.resolve("opt/go/bin"));
        Path nested = Files.createDirectories(dir.resolve("opt/go/bin/inner"));
        Path open = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        String path = go + ":" + nested + ":/usr/bin:/bin:" + open + ":relative/bin::" + dir.resolve("missing");

        assertThat(ViewFragment.toolchain(path).mounts())
                .containsExactly(new Mount.Bind(go.toRealPath(), go.toRealPath(), false));
    }

    @Test
    void fragmentsAreCheckedByTheViewLikeItsOwnMounts() {
        FilesystemView view = FilesystemView.defaults()
                .add(ViewFragment.directories(0700, Path.of("/work"), Path.of("/work/out")))
                .add(ViewFragment.scratch(Path.of("/scratch"), 64L << 20))
                .build();
        assertThat(view.mounts())
                .contains(
                        new Mount.Dir(Path.of("/work"), 0700),
                        new Mount.Dir(Path.of("/work/out"), 0700),
                        new Mount.Tmpfs(Path.of("/scratch"), 64L << 20, 01777));

        assertThatThrownBy(() -> FilesystemView.defaults()
                        .add(ViewFragment.directories(0755, Path.of("/tmp")))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/tmp")
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> FilesystemView.builder()
                        .add(ViewFragment.of(new Mount.Bind(dir.resolve("gone"), Path.of("/x"), false)))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ViewFragment.directories(0755, Path.of("/a/../etc")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("..");
        assertThatThrownBy(() -> ViewFragment.scratch(Path.of("/s"), 0)).hasMessageContaining("must be positive");
    }
}
