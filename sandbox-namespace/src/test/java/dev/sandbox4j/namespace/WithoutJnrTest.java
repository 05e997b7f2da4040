package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** jnr-ffi is optional for this module: without it on the class path, everything but the Landlock probe works. */
class WithoutJnrTest {

    @Test
    void theModuleRunsWithoutJnrAndTheProbeSaysWhyLandlockIsUnavailable() throws Exception {
        List<URL> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (!name.startsWith("jnr-") && !name.startsWith("jffi-") && !name.startsWith("asm")) {
                classPath.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader loader =
                new URLClassLoader(classPath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThat(loader.getResource("jnr/ffi/LibraryLoader.class")).isNull();

            Class<?> builder = Class.forName(FilesystemView.class.getName(), true, loader);
            Object view = builder.getMethod("builder").invoke(null);
            view = view.getClass().getMethod("build").invoke(view);
            assertThat(view.getClass().getName()).isEqualTo(FilesystemView.class.getName());

            Method probe =
                    Class.forName(LandlockSupport.class.getName(), true, loader).getMethod("probe");
            Object landlock = probe.invoke(null);
            assertThat(landlock.toString()).startsWith("unavailable: cannot call into libc");
        }
    }
}
