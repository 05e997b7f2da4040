package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StringSettersTest {
    @Test
    void sizesAndDurationsAsTextMeanWhatTheCommandLineMeans() {
        SandboxConfig c =
                SandboxConfig.builder().memoryLimit("256M").timeout("1.5s").build();
        assertThat(c.memoryLimit()).hasValue(256L << 20);
        assertThat(c.timeout()).hasValue(Duration.ofMillis(1500));
        assertThat(SandboxConfig.builder()
                        .memoryLimit("1.5G")
                        .timeout("2m")
                        .build()
                        .timeout())
                .hasValue(Duration.ofMinutes(2));
    }

    @Test
    void badTextIsRefusedAsWrittenNamingTheSetting() {
        assertThatThrownBy(() -> SandboxConfig.builder().memoryLimit("12Q"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("memory limit")
                .hasMessageContaining("'12Q'");
        assertThatThrownBy(() -> SandboxConfig.builder().memoryLimit("1M"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("memory limit")
                .hasMessageContaining("'1M'");
        assertThatThrownBy(() -> SandboxConfig.builder().timeout("0s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("timeout")
                .hasMessageContaining("'0s'");
        assertThatThrownBy(() -> SandboxConfig.builder().timeout("soon"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'soon'");
    }

    @Test
    void volumesLiveWhereTheCallerOrTheirUserSays() {
        assertThat(Volumes.defaultDirectory(Map.of("HOME", "/home/u"), null, 1000))
                .isEqualTo(Path.of("/home/u/.local/share/sandbox4j/volumes"));
        assertThat(Volumes.defaultDirectory(Map.of("HOME", "/home/u", "XDG_DATA_HOME", "/data"), null, 1000))
                .isEqualTo(Path.of("/data/sandbox4j/volumes"));
        assertThat(Volumes.defaultDirectory(Map.of("HOME", "/root"), null, 0))
                .isEqualTo(Path.of("/var/lib/sandbox4j/volumes"));
        assertThat(Volumes.defaultDirectory(Map.of("SANDBOX4J_VOLUMES", "/v"), null, 0))
                .isEqualTo(Path.of("/v"));
        assertThat(Volumes.defaultDirectory(Map.of("SANDBOX4J_VOLUMES", "/v"), "/p", 0))
                .isEqualTo(Path.of("/p"));
    }
}
