package dev.sandbox4j.exec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SetupHintsTest {
    @TempDir
    Path procSys;

    private void sysctl(String name, String value) throws Exception {
        Path p = procSys.resolve("proc/sys").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, value + "\n");
    }

    @Test
    void namesTheSysctlThatBlocksUserNamespaces() throws Exception {
        assertThat(SetupHints.hint("clone", 1, procSys)).isNull();
        sysctl("kernel/apparmor_restrict_unprivileged_userns", "1");
        assertThat(SetupHints.hint("write uid_map", 13, procSys)).contains("AppArmor");
        sysctl("kernel/unprivileged_userns_clone", "0");
        assertThat(SetupHints.hint("clone", 1, procSys)).contains("unprivileged_userns_clone = 0");
        sysctl("user/max_user_namespaces", "0");
        assertThat(SetupHints.hint("clone", 28, procSys)).contains("max_user_namespaces = 0");
    }

    @Test
    void staysQuietForStepsAndErrorsItCannotExplain() throws Exception {
        sysctl("kernel/apparmor_restrict_unprivileged_userns", "1");
        assertThat(SetupHints.hint("chdir", 13, procSys)).isNull();
        assertThat(SetupHints.hint("clone", 22, procSys)).isNull();
    }

    @Test
    void suspectsAContainersSeccompProfileWhenNothingElseExplainsIt() throws Exception {
        Files.writeString(procSys.resolve(".dockerenv"), "");
        assertThat(SetupHints.hint("clone", 1, procSys)).contains("container");
    }
}
