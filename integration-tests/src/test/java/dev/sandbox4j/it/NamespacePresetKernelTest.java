package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each namespace preset gives the program exactly its namespaces: the others are the host's own. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class NamespacePresetKernelTest {
    private static final List<String> KINDS = List.of("user", "pid", "net", "mnt", "ipc", "uts", "cgroup");

    private static String kind(Namespace n) {
        return n == Namespace.MOUNT ? "mnt" : n.name().toLowerCase(Locale.ROOT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"all", "all-but-network", "all-but-user", "minimal"})
    void thePresetsNamespacesAreNewAndTheRestAreTheHosts(String name) throws Exception {
        NamespaceConfig preset = NamespaceConfig.preset(name);
        if (!preset.contains(Namespace.USER) && KernelTestSupport.euid() != 0) {
            return; // without a user namespace a sandbox needs privileged mode: refused at build() for this caller
        }
        StringBuilder script = new StringBuilder();
        for (String k : KINDS) {
            script.append("readlink /proc/self/ns/").append(k).append("; ");
        }
        SandboxConfig config = SandboxConfig.builder()
                .namespaces(preset)
                .filesystem(FilesystemView.defaults().build())
                .timeout(Duration.ofSeconds(30))
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", script.toString()));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
            List<String> inside = r.stdoutText().lines().toList();
            List<String> fresh = new ArrayList<>();
            for (int i = 0; i < KINDS.size(); i++) {
                String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + KINDS.get(i)))
                        .toString();
                if (!inside.get(i).equals(host)) {
                    fresh.add(KINDS.get(i));
                }
            }
            assertThat(fresh)
                    .containsExactlyInAnyOrderElementsOf(preset.namespaces().stream()
                            .map(NamespacePresetKernelTest::kind)
                            .toList());
        }
    }
}
