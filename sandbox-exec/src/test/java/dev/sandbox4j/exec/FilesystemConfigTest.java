package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.asUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem view and Landlock settings: consistency at build() and what the plan carries. */
class FilesystemConfigTest {
    @Test
    void aViewNeedsAMountNamespaceAndItsProcAPidNamespace() {
        FilesystemView view = FilesystemView.defaults().build();
        assertThatThrownBy(() -> asUser(SandboxConfig.builder()
                        .filesystem(view)
                        .namespaces(NamespaceConfig.all().without(Namespace.MOUNT))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("mount namespace");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder()
                        .filesystem(view)
                        .namespaces(NamespaceConfig.all().without(Namespace.PID))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/proc");
    }

    @Test
    void theViewIsCheckedAgainAtBuildAndCarriedByToBuilder(@TempDir Path dir) throws Exception {
        Path source = Files.createDirectories(dir.resolve("src"));
        FilesystemView view =
                FilesystemView.defaults().bind(source, Path.of("/src")).build();
        SandboxConfig config = asUser(SandboxConfig.builder().filesystem(view));
        assertThat(config.filesystem()).contains(view);
        assertThat(asUser(config.toBuilder()).filesystem()).contains(view);
        Files.delete(source);
        assertThatThrownBy(() -> asUser(config.toBuilder()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(source.toString());
    }

    @Test
    void thePlanStartsPrivateThenRunsTheViewAndLooksTheProgramUpInIt() {
        SandboxConfig config = asUser(
                SandboxConfig.builder().filesystem(FilesystemView.defaults().build()));
        LaunchPlan plan = Planner.plan(config, List.of("sh", "-c", "true"));
        assertThat(plan.mounts.get(0).kind()).isEqualTo(Wire.MOUNT_PRIVATE_ROOT);
        assertThat(plan.mounts.get(plan.mounts.size() - 1).kind()).isEqualTo(Wire.MOUNT_PIVOT);
        assertThat(plan.mounts).noneMatch(m -> m.kind() == Wire.MOUNT_PROC); // the view mounts its own
        assertThat(plan.program).startsWith("/usr/").endsWith("/sh");
        assertThat(plan.cwd).isNull(); // the launcher starts at the new "/" after the pivot
        assertThatThrownBy(() -> Planner.plan(config, List.of("/home/not-in-the-view")))
                .isInstanceOf(ProgramNotRunnableException.class);
    }

    @Test
    void withoutProcLeavesOutTheViewsProcAndTheOneMadeWithoutAView() {
        SandboxConfig withView = asUser(
                SandboxConfig.builder().filesystem(FilesystemView.defaults().build()));
        assertThat(Planner.plan(withView, List.of("/bin/true")).mounts).anyMatch(m -> "proc".equals(m.fstype()));
        SandboxConfig noProc = asUser(withView.toBuilder().withoutProc());
        assertThat(noProc.withoutProc()).isTrue();
        assertThat(Planner.plan(noProc, List.of("/bin/true")).mounts)
                .noneMatch(m -> "proc".equals(m.fstype()))
                .noneMatch(m -> m.kind() == Wire.MOUNT_PROC);
        SandboxConfig noView = asUser(SandboxConfig.builder());
        assertThat(Planner.plan(noView, List.of("/bin/true")).mounts).anyMatch(m -> m.kind() == Wire.MOUNT_PROC);
        assertThat(Planner.plan(asUser(noView.toBuilder().withoutProc()), List.of("/bin/true")).mounts)
                .noneMatch(m -> m.kind() == Wire.MOUNT_PROC)
                .as("the host's /proc covered, not left in sight")
                .anyMatch(m -> m.kind() == Wire.MOUNT_MASK && "/proc".equals(m.target()));
    }

    @Test
    void theDefaultHostnameCanBeLeftOutOfThePlanAChosenOneIsKnownAsChosen() {
        SandboxConfig config = asUser(SandboxConfig.builder());
        assertThat(config.hostnameChosen()).isFalse();
        assertThat(Planner.plan(config, List.of("/bin/true")).hostname).isEqualTo("sandbox");
        assertThat(Planner.plan(config, List.of("/bin/true"), List.of(), List.of(), true).hostname)
                .isNull();
        assertThat(asUser(SandboxConfig.builder().hostname("judge")).hostnameChosen())
                .isTrue();
    }

    @Test
    void landlockRulesAreCompiledForThisKernelOrLeftOut() {
        LandlockRules rules = LandlockRules.builder().systemDefaults().build();
        SandboxConfig config = asUser(SandboxConfig.builder().landlock(rules));
        assertThat(config.landlock()).contains(rules);
        LaunchPlan plan = Planner.plan(config, List.of("/bin/true"));
        if (config.effectiveLandlock().isPresent()) {
            assertThat(plan.landlockHandled)
                    .isEqualTo(config.effectiveLandlock().get().handledAccess())
                    .isNotZero();
            assertThat(plan.landlockRules).hasSameSizeAs(rules.rules());
        } else {
            assertThat(plan.landlockHandled).isZero();
        }
    }

    @Test
    void aMissingLandlockPathIsABuildErrorWhenTheProgramSeesTheHostsTree(@TempDir Path dir) {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> asUser(SandboxConfig.builder()
                        .landlock(LandlockRules.builder().readOnly(missing).build())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(missing.toString());
        // Inside a view the path is the view's, checked by the launcher in the final tree.
        asUser(SandboxConfig.builder()
                .filesystem(FilesystemView.defaults().build())
                .landlock(LandlockRules.builder().readOnly(missing).build()));
    }
}
