package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every library jar is a named module on the module path, under a name that does not change with the jar's
 * file name; and no package is in two of them (a split package stops the module graph from resolving).
 */
class ModuleNamesTest {
    private static final Map<String, Class<?>> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put("dev.sandbox4j.core", dev.sandbox4j.core.SandboxException.class);
        MODULES.put("dev.sandbox4j.seccomp", dev.sandbox4j.seccomp.SeccompFilter.class);
        MODULES.put("dev.sandbox4j.cgroup", dev.sandbox4j.cgroup.CgroupConfig.class);
        MODULES.put("dev.sandbox4j.namespace", dev.sandbox4j.namespace.FilesystemView.class);
        MODULES.put("dev.sandbox4j.exec", dev.sandbox4j.exec.Sandbox.class);
        MODULES.put("dev.sandbox4j.cli", dev.sandbox4j.cli.SandboxCtl.class);
    }

    @Test
    void eachLibraryHasItsStableModuleName() throws Exception {
        for (Map.Entry<String, Class<?>> module : MODULES.entrySet()) {
            Path location = location(module.getValue());
            if (Files.isDirectory(location)) {
                // Built but not packaged (mvn test): the name the jar will get is the module's pom property.
                String pom = Files.readString(location.resolve("../../pom.xml").normalize());
                assertThat(pom)
                        .as(location.toString())
                        .contains("<sandbox4j.module.name>" + module.getKey() + "</sandbox4j.module.name>");
                continue;
            }
            Set<ModuleReference> found = ModuleFinder.of(location).findAll();
            assertThat(found).as(location.toString()).hasSize(1);
            ModuleDescriptor descriptor = found.iterator().next().descriptor();
            assertThat(descriptor.name()).as(location.toString()).isEqualTo(module.getKey());
            assertThat(descriptor.packages()).allMatch(p -> p.startsWith(module.getKey()));
        }
    }

    @Test
    void noPackageIsInTwoModules() throws Exception {
        Map<String, String> owner = new LinkedHashMap<>();
        for (Map.Entry<String, Class<?>> module : MODULES.entrySet()) {
            Path location = location(module.getValue());
            Set<String> packages = Files.isDirectory(location)
                    ? packagesIn(location)
                    : ModuleFinder.of(location)
                            .findAll()
                            .iterator()
                            .next()
                            .descriptor()
                            .packages();
            for (String p : packages) {
                assertThat(owner.put(p, module.getKey())).as("package " + p).isNull();
            }
        }
    }

    private static Path location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Set<String> packagesIn(Path classes) throws Exception {
        try (var files = Files.walk(classes)) {
            return files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> classes.relativize(f.getParent()).toString().replace('/', '.'))
                    .collect(Collectors.toSet());
        }
    }
}
