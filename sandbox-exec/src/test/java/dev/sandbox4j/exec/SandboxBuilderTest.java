package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.cgroup.RlimitConfig;
import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.PermissionDeniedException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.IdMap;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SandboxBuilderTest {
    static final long ALL_CAPS = 0x1FFFEFFFFFFL; // this machine: root without CAP_SYS_RESOURCE
    static final HostIdentity ROOT = new HostIdentity(0, 0, ALL_CAPS, List.of(), "root");
    static final HostIdentity USER = new HostIdentity(1000, 1000, 0, List.of(1000L), "alice");
    static final UnaryOperator<PrivilegeMode> PRIVILEGED_HOST =
            m -> m == PrivilegeMode.UNPRIVILEGED ? m : PrivilegeMode.PRIVILEGED;
    static final UnaryOperator<PrivilegeMode> UNPRIVILEGED_HOST = m -> {
        if (m == PrivilegeMode.PRIVILEGED) {
            throw new PermissionDeniedException("privileged mode needs CAP_SYS_ADMIN");
        }
        return PrivilegeMode.UNPRIVILEGED;
    };

    static SandboxConfig asRoot(SandboxBuilder b) {
        return b.build(ROOT, PRIVILEGED_HOST, FakeCgroupHost.ALL_AVAILABLE);
    }

    static SandboxConfig asUser(SandboxBuilder b) {
        return b.build(USER, UNPRIVILEGED_HOST);
    }

    @Test
    void aConfigWithoutAnIdGetsARandomLabel() {
        String first = asRoot(SandboxConfig.builder()).id();
        String second = asRoot(SandboxConfig.builder()).id();
        assertThat(first).matches("sbx-[0-9a-f]{8}");
        assertThat(second).matches("sbx-[0-9a-f]{8}").isNotEqualTo(first);
        assertThat(asRoot(SandboxConfig.builder().id("judge-7")).id()).isEqualTo("judge-7");
    }

    @Test
    void aSandboxIdIsCheckedByTheCgroupLibrarysRule() {
        assertThatThrownBy(() -> SandboxConfig.builder().id("-x"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("invalid sandbox id '-x'")
                .hasMessageContaining("since it becomes part of a cgroup directory name");
        assertThatThrownBy(() -> SandboxConfig.builder().id("a".repeat(65))).isInstanceOf(InvalidConfigException.class);
        assertThat(asRoot(SandboxConfig.builder().id("a.b-c_1")).id()).isEqualTo("a.b-c_1");
    }

    @Test
    void rootsWorkloadIsRootInsideAndNobodyOutsideNeverHostRoot() {
        SandboxConfig c = asRoot(SandboxConfig.builder());
        assertThat(c.mode()).isEqualTo(PrivilegeMode.PRIVILEGED);
        assertThat(c.uid()).isZero();
        assertThat(c.uidMap()).hasValue(IdMap.single(0, 65534));
        assertThat(c.gidMap()).hasValue(IdMap.single(0, 65534));
        assertThat(c.clearGroups())
                .as("root may keep setgroups and must use it to drop its groups")
                .isTrue();
        assertThat(c.setgroupsDeny()).isFalse();
    }

    @Test
    void anUnprivilegedCallerIsRootInsideAndItselfOutside() {
        SandboxConfig c = asUser(SandboxConfig.builder().uid(1000).gid(100));
        assertThat(c.mode()).isEqualTo(PrivilegeMode.UNPRIVILEGED);
        assertThat(c.uidMap()).hasValue(IdMap.single(1000, 1000));
        assertThat(c.gidMap()).hasValue(IdMap.single(100, 1000));
        assertThat(c.setgroupsDeny())
                .as("the kernel demands it before an unprivileged gid_map")
                .isTrue();
        assertThat(c.clearGroups()).isFalse();
    }

    @Test
    void mapsThatWouldGiveTheSandboxHostRootAreRefused() {
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder().uidMap(IdMap.single(0, 0))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("host uid 0");
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder().uid(5).uidMap(IdMap.single(0, 100000))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("does not map the uid 5");
    }

    @Test
    void withoutAUserNamespaceTheWorkloadNeedsPrivilegeAndANonRootUid() {
        SandboxBuilder noUserNs =
                SandboxConfig.builder().namespaces(NamespaceConfig.all().without(Namespace.USER));
        SandboxConfig c = asRoot(noUserNs);
        assertThat(c.uid()).isEqualTo(65534);
        assertThat(c.uidMap()).isEmpty();
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder()
                        .namespaces(NamespaceConfig.of(Namespace.PID))
                        .uid(0)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("host root");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().namespaces(NamespaceConfig.of(Namespace.PID))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("privileged mode");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder().privilegeMode(PrivilegeMode.PRIVILEGED)))
                .isInstanceOf(PermissionDeniedException.class);
    }

    @Test
    void settersRejectBadValuesNamingTheSetting() {
        SandboxBuilder b = SandboxConfig.builder();
        assertThatThrownBy(() -> b.timeout(Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("timeout");
        // A deadline is nanoTime arithmetic: beyond 2^63-1 ns a timeout is refused here, not an overflow at run time.
        b.timeout(Duration.ofDays(106751));
        assertThatThrownBy(() -> b.timeout(Duration.ofDays(106752)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("the longest timeout is 106751 days");
        assertThatThrownBy(() -> b.env("A\tB", "1"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage(
                        "invalid environment variable name 'A\\tB': must be non-empty, without '=', spaces or control characters");
        assertThatThrownBy(() -> b.memoryLimit(1000))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("memory limit");
        assertThatThrownBy(() -> b.cpuPercent(0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("cpu");
        assertThatThrownBy(() -> b.pidsLimit(0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("pids");
        assertThatThrownBy(() -> b.cwd(Path.of("relative")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> b.hostname("bad host"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("hostname");
        assertThatThrownBy(() -> b.id("a/b")).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> b.uid(-1)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> b.env("A=B", "x"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> b.env("A", "x\0y"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder()
                        .namespaces(NamespaceConfig.of(Namespace.USER))
                        .hostname("h")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("UTS");
    }

    @Test
    void theEnvironmentIsCleanByDefaultAndPassesOnlyWhatIsAsked() {
        Map<String, String> host =
                Map.of("PATH", "/host/bin", "AWS_SECRET_ACCESS_KEY", "s3cr3t", "LANG", "de_DE.UTF-8", "TERM", "xterm");
        SandboxConfig clean = asRoot(SandboxConfig.builder().hostEnvironment(host));
        assertThat(clean.environment())
                .containsExactly(
                        Map.entry("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                        Map.entry("HOME", "/"),
                        Map.entry("TERM", "dumb"),
                        Map.entry("LANG", "C.UTF-8"));

        SandboxConfig passed = asRoot(SandboxConfig.builder()
                .hostEnvironment(host)
                .passEnv("TERM", "MISSING")
                .env("APP", "1")
                .unsetEnv("HOME"));
        assertThat(passed.environment())
                .containsEntry("TERM", "xterm")
                .containsEntry("APP", "1")
                .doesNotContainKeys("HOME", "MISSING", "AWS_SECRET_ACCESS_KEY");

        SandboxConfig inherited = asRoot(
                SandboxConfig.builder().hostEnvironment(host).inheritEnv(true).env("PATH", "/bin"));
        assertThat(inherited.environment())
                .containsEntry("AWS_SECRET_ACCESS_KEY", "s3cr3t")
                .containsEntry("PATH", "/bin")
                .doesNotContainKey("HOME");
        assertThat(inherited.toString()).doesNotContain("s3cr3t");
    }

    /** A builder whose every field differs from a new builder's (fields set directly where setters exclude). */
    private static SandboxBuilder everySettingChanged() {
        SandboxBuilder b = SandboxConfig.builder()
                .id("every-setting")
                .privilegeMode(PrivilegeMode.PRIVILEGED)
                .namespaces(NamespaceConfig.allButNetwork())
                .uid(1000)
                .gid(1000)
                .uidMap(IdMap.single(1000, 100000))
                .gidMap(IdMap.single(1000, 100000))
                .hostname("box")
                .withoutProc()
                .network(Network.host())
                .cwd(Path.of("/tmp"))
                .timeout(Duration.ofSeconds(5))
                .cpuTimeLimit(Duration.ofSeconds(2))
                .killGrace(Duration.ofSeconds(1))
                .memoryLimit(64L << 20)
                .swapLimit(0)
                .rlimits(RlimitConfig.builder().processes(10).build())
                .seccomp(SeccompProfile.MINIMAL)
                .seccompLearning(new SeccompLearner())
                .stdin(Input.text("in"))
                .stdout(Output.discard())
                .stderr(Output.discard())
                .inheritEnv(true)
                .passEnv("LANG")
                .env("A", "1")
                .hostEnvironment(Map.of("LANG", "C"))
                .filesystem(FilesystemView.defaults().build())
                .landlock(LandlockRules.builder().readOnly(Path.of("/usr")).build())
                .forkServer(false);
        b.seccompProgram = SeccompProfile.MINIMAL.filter().compile(Architecture.current());
        return b;
    }

    @Test
    void aCopiedBuilderHasEverySettingAndSharesNothingMutable() throws IllegalAccessException {
        SandboxBuilder original = everySettingChanged();
        SandboxBuilder fresh = SandboxConfig.builder();
        SandboxBuilder copy = new SandboxBuilder(original);
        for (Field field : SandboxBuilder.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            Object value = field.get(original);
            assertThat(value)
                    .as("%s is set by everySettingChanged(): a new field must be added there", field.getName())
                    .isNotEqualTo(field.get(fresh));
            assertThat(field.get(copy)).as("%s copied", field.getName()).isEqualTo(value);
            if (value instanceof Collection
                    || value instanceof Map && field.getName().equals("env")) {
                assertThat(field.get(copy))
                        .as("%s is the copy's own", field.getName())
                        .isNotSameAs(value);
            }
        }
    }

    @Test
    void aDerivedConfigKeepsLearnMode() {
        SeccompLearner learner = new SeccompLearner();
        SandboxConfig learning =
                asRoot(SandboxConfig.builder().seccomp(SeccompProfile.MINIMAL).seccompLearning(learner));
        assertThat(asRoot(learning.toBuilder()).seccompLearner()).containsSame(learner);
    }

    @Test
    void configsAreImmutableAndDeriveThroughToBuilder() {
        SandboxBuilder b = SandboxConfig.builder()
                .id("first")
                .timeout(Duration.ofSeconds(5))
                .seccomp(SeccompProfile.MINIMAL);
        SandboxConfig first = asRoot(b);
        b.timeout(Duration.ofSeconds(9)).id("changed");
        assertThat(first.timeout()).hasValue(Duration.ofSeconds(5));
        assertThat(first.id()).isEqualTo("first");
        assertThat(first.seccompProgram()).isPresent();
        SandboxConfig second = asRoot(first.toBuilder().cpuPercent(50).noSeccomp());
        assertThat(second.id()).isEqualTo("first");
        assertThat(second.timeout()).hasValue(Duration.ofSeconds(5));
        assertThat(second.cpuPercent()).hasValue(50);
        assertThat(second.seccompProgram()).isEmpty();
        assertThatThrownBy(() -> first.environment().put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void thePlanCarriesTheDecisions() {
        SandboxConfig c = asRoot(SandboxConfig.builder().hostname("box").cwd(Path.of("/tmp")));
        LaunchPlan plan = Planner.plan(c, List.of("sh", "-c", "true"));
        assertThat(plan.program).isIn("/usr/bin/sh", "/bin/sh");
        assertThat(plan.argv).containsExactly("sh", "-c", "true");
        assertThat(plan.cloneFlags).isEqualTo(NamespaceConfig.all().cloneFlags());
        assertThat(plan.uidMap).isEqualTo("0 65534 1\n");
        assertThat(plan.hostname).isEqualTo("box");
        assertThat(plan.loopbackUp).isTrue();
        assertThat(plan.newSession).isTrue();
        // sandbox4j's own cache and run directory, covered on the host's tree of the sandbox's mount namespace.
        LaunchPlan.Mount hideCache = new LaunchPlan.Mount(
                Wire.MOUNT_MASK, "", LauncherBinary.get().privateDirectory().toString(), "", 0, 0, "");
        // So are those of the workload's host uid (65534 for a root caller) that exist on this machine.
        List<LaunchPlan.Mount> expected = new java.util.ArrayList<>(List.of(LaunchPlan.Mount.privateRoot(), hideCache));
        for (Path cache : LauncherBinary.cacheCandidates(java.util.Map.of(), 65534)) {
            if (!cache.equals(LauncherBinary.get().privateDirectory())
                    && java.nio.file.Files.isDirectory(cache, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                expected.add(new LaunchPlan.Mount(Wire.MOUNT_MASK, "", cache.toString(), "", 0, 0, ""));
            }
        }
        expected.add(LaunchPlan.Mount.proc("/proc"));
        assertThat(plan.mounts).containsExactlyElementsOf(expected);
        assertThat(plan.rlimits).containsExactly(new LaunchPlan.Rlimit(4, 0, 0));
        assertThat(plan.cgroupProcs).isEmpty();
        assertThat(Planner.plan(c, List.of("/bin/true"), List.of("/cg/a/cgroup.procs", "/cg/b/cgroup.procs"), List.of())
                        .cgroupProcs)
                .containsExactly("/cg/a/cgroup.procs", "/cg/b/cgroup.procs");
        LaunchPlan noPid = Planner.plan(
                asRoot(SandboxConfig.builder().namespaces(NamespaceConfig.all().without(Namespace.PID, Namespace.NET))),
                List.of("/bin/true"));
        assertThat(noPid.mounts)
                .as("a fresh /proc needs a PID namespace to show")
                .containsExactlyElementsOf(expected.subList(0, expected.size() - 1));
        assertThat(noPid.loopbackUp).isFalse();
        assertThatThrownBy(() -> Planner.plan(c, List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
