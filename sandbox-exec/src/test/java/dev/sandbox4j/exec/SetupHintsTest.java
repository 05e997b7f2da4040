package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /** A default podman container as its /proc shows it: one outer seccomp filter, masked /proc paths. */
    private void podmanContainer(boolean filtered, boolean masked) throws Exception {
        Files.createDirectories(procSys.resolve("proc/self"));
        Files.createDirectories(procSys.resolve("run"));
        Files.writeString(procSys.resolve("run/.containerenv"), "");
        Files.writeString(
                procSys.resolve("proc/self/status"),
                "Name:\tjava\nSeccomp:\t" + (filtered ? "2" : "0") + "\nSeccomp_filters:\t" + (filtered ? "1" : "0")
                        + "\n");
        Files.writeString(
                procSys.resolve("proc/self/mountinfo"),
                "80 76 0:42 / /proc rw,nosuid - proc proc rw\n"
                        + (masked
                                ? "55 80 0:47 / /proc/acpi ro,relatime - tmpfs tmpfs ro\n"
                                        + "56 80 0:43 /null /proc/keys rw,nosuid - tmpfs tmpfs rw\n"
                                : ""));
    }

    @Test
    void namesTheContainersSeccompFilterAndItsLiftWhenSethostnameIsRefused() throws Exception {
        assertThat(SetupHints.hint("sethostname", 1, "box", procSys, Map.of())).isNull();
        podmanContainer(true, true);
        assertThat(SetupHints.hint("sethostname", 1, "box", procSys, Map.of()))
                .startsWith("the seccomp filter of a podman container refuses sethostname")
                .contains("seccomp=unconfined", "localhostProfile: sandbox4j-seccomp.json");
        assertThat(SetupHints.hint("sethostname", 22, "box", procSys, Map.of())).isNull();
    }

    @Test
    void namesTheMaskedProcAndItsLiftWhenAProcMountIsRefused() throws Exception {
        podmanContainer(false, true);
        assertThat(SetupHints.hint("mount", 1, "proc /proc", procSys, Map.of()))
                .contains(
                        "/proc is masked (/proc/acpi, /proc/keys over-mounted)",
                        "unmask=ALL",
                        "systempaths=unconfined",
                        "procMount: Unmasked",
                        "--no-proc");
        // Not masked, not filtered: nothing container-specific to say about a failed mount.
        podmanContainer(false, false);
        assertThat(SetupHints.hint("mount", 1, "proc /proc", procSys, Map.of())).isNull();
    }

    @Test
    void blamesTheOuterFilterForRefusedNamespacesInAKubernetesPod() throws Exception {
        podmanContainer(true, false);
        Files.delete(procSys.resolve("run/.containerenv"));
        assertThat(SetupHints.hint("clone", 1, null, procSys, Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")))
                .startsWith("the seccomp filter of a Kubernetes pod refuses creating namespaces")
                .contains("RuntimeDefault", "type: Localhost");
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
