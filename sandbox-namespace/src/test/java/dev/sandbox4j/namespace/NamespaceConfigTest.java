package dev.sandbox4j.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.internal.SubordinateIds;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NamespaceConfigTest {
    @Test
    void allSevenByDefaultWithTheKernelsCloneFlags() {
        assertThat(NamespaceConfig.all().namespaces()).hasSize(7);
        // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
        assertThat(NamespaceConfig.all().cloneFlags()).isEqualTo(0x7E020000L);
        assertThat(NamespaceConfig.of(Namespace.USER, Namespace.PID).cloneFlags())
                .isEqualTo(0x30000000L);
    }

    @Test
    void atLeastOneNamespaceIsRequired() {
        assertThatThrownBy(() -> NamespaceConfig.of())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> NamespaceConfig.of(Namespace.NET).without(Namespace.NET))
                .isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void withoutAndWithReturnNewConfigs() {
        NamespaceConfig noNet = NamespaceConfig.all().without(Namespace.NET);
        assertThat(noNet.contains(Namespace.NET)).isFalse();
        assertThat(NamespaceConfig.all().contains(Namespace.NET)).isTrue();
        assertThat(noNet.with(Namespace.NET)).isEqualTo(NamespaceConfig.all());
    }

    @Test
    void idMapRendersProcFormatAndTranslates() {
        IdMap map = IdMap.of(IdMap.range(0, 100000, 1000), IdMap.range(1000, 65534, 1));
        assertThat(map.toProcFormat()).isEqualTo("0 100000 1000\n1000 65534 1\n");
        assertThat(map.toOutside(5)).hasValue(100005);
        assertThat(map.toOutside(1000)).hasValue(65534);
        assertThat(map.toOutside(1001)).isEmpty();
    }

    @Test
    void idMapRejectsWhatTheKernelWould() {
        assertThatThrownBy(() -> IdMap.of(IdMap.range(0, 1000, 10), IdMap.range(5, 5000, 1)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("overlap");
        assertThatThrownBy(() -> IdMap.of(IdMap.range(0, 1000, 10), IdMap.range(100, 1005, 1)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("overlap");
        assertThatThrownBy(() -> IdMap.range(0, 0, 0)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> IdMap.range(-1, 0, 1)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> IdMap.range(0, 0xFFFFFFFFL, 1)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(IdMap::of).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void subordinateIdsMatchNameOrNumberAndIgnoreJunk(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("subuid");
        Files.writeString(file, "garbage\nalice:x:1\n1001:200000:65536\nroot:100000:65536\n");
        assertThat(SubordinateIds.firstRange(file, "root", 0)).hasValue(IdMap.range(0, 100000, 65536));
        assertThat(SubordinateIds.firstRange(file, "bob", 1001)).hasValue(IdMap.range(0, 200000, 65536));
        assertThat(SubordinateIds.firstRange(file, "alice", 1000)).isEmpty();
        assertThat(SubordinateIds.firstRange(dir.resolve("missing"), "root", 0)).isEmpty();
    }

    @Test
    void presetsNameTheNamespacesTheyKeep() {
        assertThat(NamespaceConfig.preset("all")).isEqualTo(NamespaceConfig.all());
        assertThat(NamespaceConfig.preset("all-but-network").namespaces())
                .hasSize(6)
                .doesNotContain(Namespace.NET);
        assertThat(NamespaceConfig.preset("all-but-user").namespaces())
                .hasSize(6)
                .doesNotContain(Namespace.USER);
        assertThat(NamespaceConfig.preset("minimal").namespaces())
                .containsExactlyInAnyOrder(Namespace.PID, Namespace.IPC, Namespace.NET, Namespace.MOUNT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NamespaceConfig.preset("none"))
                .isInstanceOf(dev.sandbox4j.core.InvalidConfigException.class)
                .hasMessageContaining("'none'")
                .hasMessageContaining("all-but-network");
    }
}
