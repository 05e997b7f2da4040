package com.example.sandbox4j.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.Mount;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the preset declares, and that sandbox4j checks it like its own mounts. */
class JdkViewTest {
    @TempDir
    Path classes;

    @Test
    void theJdkTheClassesAndAWorkDirectory() throws Exception {
        Path home = Path.of(System.getProperty("java.home"));
        FilesystemView view = JdkView.view(home, classes, 64L << 20).build();

        assertThat(view.mounts()).contains(new Mount.Bind(home.toRealPath(), home.toRealPath(), false),
                new Mount.Bind(classes.toRealPath(), JdkView.APP, false),
                new Mount.Tmpfs(JdkView.WORK, 64L << 20, 01777));
    }

    @Test
    void whatIsNotAJdkOrDoesNotExistIsNamed() {
        assertThatThrownBy(() -> JdkView.fragment(classes, classes, 1 << 20))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("bin/java");
        assertThatThrownBy(() -> JdkView.view(Path.of(System.getProperty("java.home")), classes.resolve("gone"),
                1 << 20).build()).isInstanceOf(InvalidConfigException.class).hasMessageContaining("does not exist");
    }
}
