package dev.sandbox4j.exec.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cgroup.FakeTree;
import dev.sandbox4j.namespace.LandlockSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against /proc files captured in a default rootful podman container (podman 4.3, runc) and variations of them. */
class ContainerEnvironmentTest {

    @TempDir
    Path dir;

    private static List<String> names(List<ContainerEnvironment.Restriction> restrictions) {
        return restrictions.stream().map(ContainerEnvironment.Restriction::name).toList();
    }

    @Test
    void aDefaultPodmanContainerHasEveryRestrictionButUserNamespacesEachWithItsLift() {
        FakeTree tree = FakeTree.copyOfSystem("podman-default", dir);
        ContainerEnvironment env = ContainerEnvironment.read(tree.root(), Map.of());
        SystemCapabilities system = SystemCapabilities.read(tree.root(), LandlockSupport.abi(7));

        assertThat(env.container()).contains("a podman container");
        assertThat(env.outerSeccompFilters()).isEqualTo(1);
        assertThat(env.maskedProcPaths()).contains("/proc/acpi", "/proc/keys", "/proc/sys");
        List<ContainerEnvironment.Restriction> found = env.restrictions(system);
        assertThat(names(found)).containsExactly("seccomp", "/proc", "capabilities", "cgroups");
        assertThat(found.get(0).lift()).contains("seccomp=unconfined", "type: Localhost");
        assertThat(found.get(1).lift())
                .contains("unmask=ALL", "systempaths=unconfined", "procMount: Unmasked", "--no-proc");
        assertThat(found.get(2).blocks()).contains("no CAP_SYS_ADMIN");
        assertThat(found.get(2).lift()).contains("--privileged", "privileged: true");
        assertThat(found.get(3).blocks())
                .contains("memory (" + dir.resolve("sys/fs/cgroup/memory") + " read-only)", "RLIMIT_DATA");
        assertThat(found)
                .allSatisfy(r -> assertThat(r.line()).doesNotContain("\n").contains("; lift: "));
    }

    @Test
    void withoutAContainerThereAreNoRestrictionsToReport() {
        FakeTree tree = FakeTree.copyOfSystem("hybrid-root", dir);
        ContainerEnvironment env = ContainerEnvironment.read(tree.root(), Map.of());

        assertThat(env.container()).isEmpty();
        assertThat(env.restrictions(SystemCapabilities.read(tree.root(), LandlockSupport.abi(7))))
                .isEmpty();
    }

    @Test
    void recognisesAPodByItsEnvironmentAndNamesAHostSettingForUserNamespaces() {
        FakeTree tree = FakeTree.copyOfSystem("podman-default", dir)
                .delete("run/.containerenv")
                .file("proc/sys/user/max_user_namespaces", "0\n")
                .file("proc/self/cgroup", "0::/\n");
        ContainerEnvironment env =
                ContainerEnvironment.read(tree.root(), Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"));

        assertThat(env.container()).contains("a Kubernetes pod");
        List<ContainerEnvironment.Restriction> found =
                env.restrictions(SystemCapabilities.read(tree.root(), LandlockSupport.abi(7)));
        assertThat(found.get(found.size() - 1).line())
                .startsWith("user namespaces: unprivileged mode is unusable")
                .contains("user.max_user_namespaces = 0", "the Kubernetes node");
    }

    @Test
    void aBinfmtMiscMountInProcHidesNothing() {
        FakeTree tree = FakeTree.copyOfSystem("hybrid-root", dir)
                .file(
                        "proc/self/mountinfo",
                        "22 1 0:5 / /proc rw - proc proc rw\n"
                                + "23 22 0:20 / /proc/sys/fs/binfmt_misc rw - autofs systemd-1 rw\n"
                                + "24 23 0:21 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n");

        assertThat(ContainerEnvironment.read(tree.root(), Map.of()).maskedProcPaths())
                .isEmpty();
    }
}
