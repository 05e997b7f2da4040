package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeccompProfileRegistryTest {
    private static final String ALLOW_READ = """
            {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""";

    @Test
    void findsBuiltInRegisteredUserAndSystemProfilesInThatOrder(@TempDir Path tmp) throws Exception {
        Path user = Files.createDirectories(tmp.resolve("user"));
        Path system = Files.createDirectories(tmp.resolve("system"));
        Files.writeString(user.resolve("team.json"), ALLOW_READ);
        Files.writeString(system.resolve("team.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        Files.writeString(system.resolve("ops.json"), "{\"defaultAction\": \"SCMP_ACT_LOG\"}");
        Files.writeString(user.resolve("minimal.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        SeccompProfileRegistry r = SeccompProfileRegistry.withDirectories(List.of(user, system));

        assertThat(r.resolve("minimal").builtIn()).contains(SeccompProfile.MINIMAL); // files cannot shadow built-ins
        assertThat(r.resolve("team").source())
                .isEqualTo(user.resolve("team.json").toString());
        assertThat(r.resolve("team").filter().defaultAction()).isEqualTo(SeccompAction.errno(1));
        assertThat(r.resolve("ops").filter().defaultAction()).isEqualTo(SeccompAction.LOG);

        SeccompFilter judge =
                SeccompProfile.ESSENTIAL.filter().toBuilder().allow("getpid").build();
        r.register("team", judge);
        assertThat(r.resolve("team").filter()).isEqualTo(judge);
        assertThat(r.resolve("team").source()).isEqualTo("registered");
        assertThat(r.available())
                .containsEntry("team", "registered")
                .containsEntry("ops", system.resolve("ops.json").toString())
                .containsEntry("minimal", "built-in");
        assertThat(r.unregister("team")).isTrue();
        assertThat(r.resolve("team").source()).endsWith("team.json");

        Path file = tmp.resolve("here.json");
        Files.writeString(file, ALLOW_READ);
        assertThat(r.resolve(file.toString()).name()).isEqualTo(file.toString());
    }

    @Test
    void refusesUnknownNamesBadNamesAndBuiltInRegistrations(@TempDir Path tmp) throws Exception {
        SeccompProfileRegistry r = SeccompProfileRegistry.withDirectories(List.of(tmp));
        assertThatThrownBy(() -> r.resolve("nosuch"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("nosuch")
                .hasMessageContaining("essential, minimal")
                .hasMessageContaining("NAME.json in " + tmp + " (there is no nosuch.json)");
        assertThatThrownBy(() -> r.register("io-heavy", SeccompProfile.MINIMAL.filter()))
                .hasMessageContaining("built-in");
        assertThatThrownBy(() -> r.register("a b", SeccompProfile.MINIMAL.filter()))
                .hasMessageContaining("'a b'");
        Files.writeString(
                tmp.resolve("broken.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
                        + "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALOW\"}]}");
        assertThatThrownBy(() -> r.resolve("broken"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(tmp.resolve("broken.json") + ": $.syscalls[0].action 'SCMP_ACT_ALOW'");
        assertThatThrownBy(() -> r.resolve(tmp.resolve("absent.json").toString()))
                .hasMessageContaining("absent.json: no such file");
    }
}
