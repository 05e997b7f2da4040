package com.example.sandbox4j.jdk;

import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.Mount;
import dev.sandbox4j.namespace.ViewFragment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A view preset for running Java programs: the default view, a JDK (read-only), the program's classes
 * (read-only at {@code /app}) and a private writable {@code /work}; with {@link #environment} the program
 * finds {@code java} by name. Composed only of sandbox4j's view fragments: nothing here touches the launcher.
 */
public final class JdkView {
    /** Where the program's classes appear. */
    public static final Path APP = Path.of("/app");
    /** The program's writable scratch directory, gone after the run. */
    public static final Path WORK = Path.of("/work");

    private JdkView() {
    }

    /** The fragment: the JDK at {@code javaHome}, {@code classes} at {@link #APP}, {@link #WORK} of {@code workBytes}. */
    public static ViewFragment fragment(Path javaHome, Path classes, long workBytes) {
        List<Mount> mounts = new ArrayList<>(ViewFragment.jdk(javaHome).mounts());
        mounts.add(new Mount.Bind(classes.toAbsolutePath(), APP, false));
        mounts.addAll(ViewFragment.scratch(WORK, workBytes).mounts());
        return () -> mounts;
    }

    /** The default view plus {@link #fragment}, ready to build or to extend further. */
    public static FilesystemView.Builder view(Path javaHome, Path classes, long workBytes) {
        return FilesystemView.defaults().add(fragment(javaHome, classes, workBytes));
    }

    /** {@code JAVA_HOME} and a {@code PATH} that starts with its {@code bin}. */
    public static Map<String, String> environment(Path javaHome) {
        Path home = javaHome.toAbsolutePath().normalize();
        return Map.of("JAVA_HOME", home.toString(), "PATH", home.resolve("bin") + ":/usr/bin:/bin");
    }
}
