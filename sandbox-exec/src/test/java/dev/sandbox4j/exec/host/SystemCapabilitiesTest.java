package dev.sandbox4j.exec.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.cgroup.FakeTree;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PermissionDeniedException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.ResolvedMode;
import dev.sandbox4j.core.internal.ProcFiles;
import dev.sandbox4j.namespace.LandlockSupport;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemCapabilitiesTest {

    private static final String ALL_CAPS = "000001ffffffffff";
    private static final String ROOT_WITHOUT_SYS_RESOURCE = "000001fffeffffff";
    private static final String NO_CAPS = "0000000000000000";
    private static final LandlockSupport ABI_7 = LandlockSupport.abi(7);

    @TempDir
    Path dir;

    private SystemCapabilities read(FakeTree tree) {
        return SystemCapabilities.read(tree.root(), ABI_7);
    }

    @Test
    void thisMachineRootWithoutSysResourceIsStillPrivileged() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("hybrid-root", dir));

        assertThat(system.isRoot()).isTrue();
        assertThat(system.effectiveCapabilities().contains(Capability.CAP_SYS_RESOURCE))
                .isFalse();
        assertThat(system.effectiveCapabilities().contains(Capability.CAP_SYS_ADMIN))
                .isTrue();
        assertThat(system.effectiveCapabilities().describe()).isEqualTo("all 41 known except CAP_SYS_RESOURCE");
        assertThat(system.userNamespaces()).isEqualTo(FeatureStatus.yes("max_user_namespaces = 96364"));
        assertThat(system.seccomp().available()).isTrue();
        assertThat(system.seccomp().detail()).contains("user_notif");
        assertThat(system.landlock().abi()).isEqualTo(7);
        assertThat(system.overlayfs().available()).isTrue();
        assertThat(system.kernelRelease()).isEqualTo("6.18.44-fc-v782");
        assertThat(system.cgroups().kind()).isEqualTo(CgroupLayout.Kind.HYBRID);

        ResolvedMode auto = system.resolve(PrivilegeMode.AUTO);
        assertThat(auto.mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
        assertThat(auto.reason())
                .contains("CAP_SYS_ADMIN")
                .contains("memory (v1 "
                        + dir.resolve("sys/fs/cgroup/memory/process_api/0940eaeff507ca313fb39f8db74e53fd"))
                .contains("pids (v1 " + dir.resolve("sys/fs/cgroup/pids"));
        assertThat(system.resolve(PrivilegeMode.UNPRIVILEGED).mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
    }

    @Test
    void rootWithEveryCapability() {
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("hybrid-root", dir).identity(0, ALL_CAPS));

        assertThat(system.effectiveCapabilities().describe()).isEqualTo("all 41 known");
        assertThat(system.effectiveCapabilities().known()).containsExactlyInAnyOrder(Capability.values());
        assertThat(system.resolve(PrivilegeMode.AUTO).mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
        assertThat(system.resolve(PrivilegeMode.PRIVILEGED).reason()).startsWith("requested; ");
    }

    @Test
    void capabilityBitsBeyondTheKnownOnesAreKeptAsNumbers() {
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("hybrid-root", dir).identity(0, "000003ffffffffff"));

        assertThat(system.effectiveCapabilities().unknownBits()).containsExactly(41);
        assertThat(system.effectiveCapabilities().describe()).isEqualTo("all 41 known + cap_41");
    }

    @Test
    void rootWithoutSysAdminIsNotPrivileged() {
        // e.g. a default Docker container: root, but only the default capability set
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("hybrid-root", dir).identity(0, "00000000a80425fb"));

        ResolvedMode auto = system.resolve(PrivilegeMode.AUTO);
        assertThat(auto.mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(auto.reason()).contains("CAP_SYS_ADMIN").contains("user namespaces available");
        assertThatThrownBy(() -> system.resolve(PrivilegeMode.PRIVILEGED))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessage("privileged mode needs CAP_SYS_ADMIN in the effective capability set, which this root "
                        + "process lacks; run as root with these capabilities, or use the unprivileged mode");
    }

    @Test
    void unprivilegedUserGetsTheUnprivilegedMode() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("unified-user", dir));

        assertThat(system.isRoot()).isFalse();
        assertThat(system.euid()).isEqualTo(1000);
        assertThat(system.effectiveCapabilities().isEmpty()).isTrue();
        assertThat(system.effectiveCapabilities().describe()).isEqualTo("none");
        assertThat(system.cgroups().kind()).isEqualTo(CgroupLayout.Kind.UNIFIED);
        assertThat(system.seccomp().detail()).contains("already filtered (1 filters");
        assertThat(system.overlayfs().available()).isFalse();

        ResolvedMode auto = system.resolve(PrivilegeMode.AUTO);
        assertThat(auto.mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(auto.reason()).contains("CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN");
        assertThatThrownBy(() -> system.resolve(PrivilegeMode.PRIVILEGED))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("this process (euid 1000) lacks");
    }

    @Test
    void userNamespacesDisabledByMaxUserNamespaces() {
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("unified-user", dir).file("proc/sys/user/max_user_namespaces", "0\n"));

        assertThat(system.userNamespaces().available()).isFalse();
        assertThat(system.userNamespaces().detail()).contains("user.max_user_namespaces = 0");
        assertThatThrownBy(() -> system.resolve(PrivilegeMode.UNPRIVILEGED))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageStartingWith("user namespaces is not available: disabled by user.max_user_namespaces = 0");
        assertThatThrownBy(() -> system.resolve(PrivilegeMode.AUTO))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("privileged mode unusable (privileged mode needs CAP_KILL")
                .hasMessageContaining("unprivileged mode needs user namespaces: disabled by");
    }

    @Test
    void maxUserNamespacesZeroStopsRootToo() {
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("hybrid-root", dir).file("proc/sys/user/max_user_namespaces", "0\n"));

        assertThat(system.userNamespaces().available()).isFalse();
        assertThat(system.resolve(PrivilegeMode.AUTO).mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
    }

    @Test
    void userNamespacesDisabledForUsersByDebianSysctl() {
        SystemCapabilities user = read(
                FakeTree.copyOfSystem("unified-user", dir).file("proc/sys/kernel/unprivileged_userns_clone", "0\n"));

        assertThat(user.userNamespaces().available()).isFalse();
        assertThat(user.userNamespaces().detail())
                .contains("kernel.unprivileged_userns_clone = 0")
                .contains("sysctl -w kernel.unprivileged_userns_clone=1");
    }

    @Test
    void debianSysctlDoesNotStopACallerWithSysAdmin(@TempDir Path other) {
        SystemCapabilities root = read(
                FakeTree.copyOfSystem("hybrid-root", other).file("proc/sys/kernel/unprivileged_userns_clone", "0\n"));

        assertThat(root.userNamespaces().available()).isTrue();
        assertThat(root.userNamespaces().detail()).contains("restrictions do not apply with CAP_SYS_ADMIN");
    }

    @Test
    void userNamespacesRestrictedByUbuntuAppArmorSysctl() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("unified-user", dir)
                .file("proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n"));

        assertThat(system.userNamespaces().available()).isFalse();
        assertThat(system.userNamespaces().detail()).contains("AppArmor").contains("= 1");
    }

    @Test
    void enabledSysctlsAreShownAsEvidence() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("unified-user", dir)
                .file("proc/sys/kernel/unprivileged_userns_clone", "1\n")
                .file("proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0\n"));

        assertThat(system.userNamespaces())
                .isEqualTo(FeatureStatus.yes("max_user_namespaces = 63318, "
                        + "unprivileged_userns_clone = 1, apparmor_restrict_unprivileged_userns = 0"));
    }

    @Test
    void kernelWithoutUserNamespaces() {
        SystemCapabilities system =
                read(FakeTree.copyOfSystem("unified-user", dir).delete("proc/sys/user/max_user_namespaces"));

        assertThat(system.userNamespaces().detail()).contains("this kernel has no user namespaces");
    }

    @Test
    void noCgroupHierarchyMeansUnprivilegedEvenForRoot() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("hybrid-root", dir)
                .identity(0, ALL_CAPS)
                .file("proc/self/mountinfo", "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"));

        assertThat(system.cgroups().kind()).isEqualTo(CgroupLayout.Kind.NONE);
        ResolvedMode auto = system.resolve(PrivilegeMode.AUTO);
        assertThat(auto.mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(auto.reason()).contains("memory cgroup controller is not available");
        assertThatThrownBy(() -> system.resolve(PrivilegeMode.PRIVILEGED))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessage("the memory cgroup controller is not available: "
                        + "no mounted cgroup hierarchy offers it (cgroup layout: none)");
        assertThat(system.summary()).contains("none mounted (limits fall back to rlimits)");
    }

    @Test
    void readOnlyCgroupMountIsNotPrivileged() {
        SystemCapabilities system = read(FakeTree.copyOfSystem("unified-user", dir)
                .identity(0, ALL_CAPS)
                .file(
                        "proc/self/mountinfo",
                        "35 24 0:30 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"));

        assertThatThrownBy(() -> system.resolve(PrivilegeMode.PRIVILEGED))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("is mounted read-only");
    }

    @Test
    void pidsControllerMissingFromTheOwnV2CgroupIsNotPrivileged() {
        String own = "sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/app-terminal.scope";
        SystemCapabilities system = read(FakeTree.copyOfSystem("unified-user", dir)
                .identity(0, ALL_CAPS)
                .file(own + "/cgroup.controllers", "memory\n"));

        assertThat(system.resolve(PrivilegeMode.AUTO).reason()).contains("the pids cgroup controller");
    }

    @Test
    void seccompStrictModeAndMissingFilterSupport(@TempDir Path other) {
        FakeTree strict = FakeTree.copyOfSystem("unified-user", dir);
        strict.file("proc/self/status", readStatus(strict).replaceAll("(?m)^Seccomp:.*$", "Seccomp:\t1"));
        assertThat(read(strict).seccomp()).isEqualTo(FeatureStatus.no("this process runs in seccomp strict mode"));

        FakeTree old = FakeTree.copyOfSystem("unified-user", other).delete("proc/sys/kernel/seccomp/actions_avail");
        assertThat(read(old).seccomp().available()).isFalse();
        assertThat(read(old).seccomp().detail()).contains("no seccomp filter support");
    }

    @Test
    void userNotificationIsWhatTheKernelListsAmongItsActions(@TempDir Path other) {
        FakeTree with = FakeTree.copyOfSystem("unified-user", dir)
                .file(
                        "proc/sys/kernel/seccomp/actions_avail",
                        "kill_process kill_thread trap errno user_notif trace log allow\n");
        assertThat(read(with).seccompUserNotification().available()).isTrue();
        assertThat(read(with).summary()).contains("seccomp notify     yes: user notification");

        FakeTree without = FakeTree.copyOfSystem("unified-user", other)
                .file("proc/sys/kernel/seccomp/actions_avail", "kill_process kill_thread trap errno trace log allow\n");
        assertThat(read(without).seccompUserNotification().available()).isFalse();
        assertThat(read(without).seccompUserNotification().detail())
                .contains("Linux 5.0+")
                .contains("cannot name it");
    }

    @Test
    void missingProcIsReportedNotGuessed() {
        assertThatThrownBy(() -> SystemCapabilities.read(dir, ABI_7))
                .isInstanceOf(FeatureUnavailableException.class)
                .hasMessageContaining("needs a mounted proc file system");
    }

    @Test
    void summaryIsATableOfEveryFact() {
        SystemCapabilities system = SystemCapabilities.read(
                FakeTree.copyOfSystem("hybrid-root", dir).root(),
                LandlockSupport.unavailable("disabled at boot (EOPNOTSUPP)"));

        String summary = system.summary();

        assertThat(summary.lines()).anySatisfy(l -> assertThat(l).matches("user +root \\(euid 0\\)"));
        assertThat(summary)
                .contains("all 41 known except CAP_SYS_RESOURCE")
                .contains("landlock           no: disabled at boot (EOPNOTSUPP)")
                .contains("hybrid (v1 controllers + cgroup2 mount)")
                .contains("  v1 cpuacct ")
                .contains("  v2 unified       " + dir.resolve("sys/fs/cgroup/unified") + " controllers hugetlb")
                .contains("privileged mode    yes")
                .contains("unprivileged mode  yes");
    }

    @Test
    void landlockIsProbedOnlyWhenAskedAndOnlyOnce() {
        AtomicInteger probes = new AtomicInteger();
        SystemCapabilities system = SystemCapabilities.read(
                FakeTree.copyOfSystem("hybrid-root", dir).root(), () -> {
                    probes.incrementAndGet();
                    return ABI_7;
                });

        // Deciding the mode, and every fact /proc gives, leave the syscall (and jnr-ffi) alone.
        assertThat(system.resolve(PrivilegeMode.AUTO).mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
        assertThat(system.resolve(PrivilegeMode.UNPRIVILEGED).mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(system.isRoot()).isTrue();
        assertThat(system.userNamespaces().available()).isTrue();
        assertThat(system.seccomp().available()).isTrue();
        assertThat(system.cgroups().kind()).isEqualTo(CgroupLayout.Kind.HYBRID);
        assertThat(probes).hasValue(0);

        assertThat(system.landlock()).isEqualTo(ABI_7);
        assertThat(system.summary()).contains("landlock           yes: ABI 7");
        assertThat(system.toString()).contains("landlock=ABI 7");
        assertThat(system.landlock()).isSameAs(system.landlock());
        assertThat(probes).hasValue(1);
    }

    @Test
    void aProbeThatAnswersNothingIsAnError() {
        SystemCapabilities system = SystemCapabilities.read(
                FakeTree.copyOfSystem("hybrid-root", dir).root(), () -> null);

        assertThatThrownBy(system::landlock).isInstanceOf(NullPointerException.class);
    }

    @Test
    void detectOnThisMachine() throws java.io.IOException {
        SystemCapabilities system = SystemCapabilities.detect();

        // /proc/self belongs to the effective uid of the process reading it.
        assertThat(system.euid()).isEqualTo(java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        assertThat(system.kernelRelease()).isEqualTo(System.getProperty("os.version"));
        assertThat(system.summary()).contains("capabilities").contains("cgroups");
        assertThat(system.landlock()).isEqualTo(LandlockSupport.probe());
        // AUTO either resolves or explains why nothing can work; it never returns AUTO.
        try {
            assertThat(system.resolve(PrivilegeMode.AUTO).mode()).isNotEqualTo(PrivilegeMode.AUTO);
        } catch (FeatureUnavailableException e) {
            assertThat(e.getMessage()).contains("unprivileged mode needs user namespaces");
        }
    }

    private static String readStatus(FakeTree tree) {
        return ProcFiles.read(tree.root().resolve("proc/self/status")).orElseThrow();
    }
}
