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

    private void stat(int policy) throws Exception {
        // pid (comm) state, then fields 4 to 40, policy as field 41, then the rest
        StringBuilder stat = new StringBuilder("4242 (java (main)) S");
        for (int field = 4; field <= 40; field++) {
            stat.append(' ').append(field);
        }
        stat.append(' ').append(policy).append(" 0 0 0");
        Path p = procSys.resolve("proc/self/stat");
        Files.createDirectories(p.getParent());
        Files.writeString(p, stat + "\n");
    }

    @Test
    void blamesRealTimeSchedulingWhenACpuCgroupRefusesTheSandbox() throws Exception {
        stat(1); // SCHED_FIFO
        assertThat(SetupHints.hint("join cgroup", 22, procSys)).contains("real-time scheduling");
        stat(2); // SCHED_RR
        assertThat(SetupHints.hint("join cgroup", 22, procSys)).contains("cpu.rt_runtime_us");

        stat(0); // SCHED_OTHER: something else is wrong
        assertThat(SetupHints.hint("join cgroup", 22, procSys)).isNull();
        stat(1);
        assertThat(SetupHints.hint("join cgroup", 13, procSys)).isNull();
    }
}
