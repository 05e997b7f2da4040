package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.Volume;
import dev.sandbox4j.exec.Volumes;
import dev.sandbox4j.namespace.FilesystemView;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Named volumes and kept overlays: the program's host ids can write them without a chown by hand. */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class VolumesKernelTest {
    private static SandboxConfig withView(FilesystemView view) {
        return SandboxConfig.builder()
                .filesystem(view)
                .timeout(Duration.ofSeconds(120))
                .build();
    }

    @Test
    void volumesAreCreatedListedMeasuredAndDeleted(@TempDir Path tmp) throws Exception {
        Volumes volumes = Volumes.at(tmp.resolve("vols"));
        assertThat(volumes.list()).isEmpty();
        Volume a = volumes.create("alpha");
        volumes.create("beta");
        assertThat(volumes.list()).extracting(Volume::name).containsExactly("alpha", "beta");
        assertThat(a.path()).isEqualTo(tmp.resolve("vols/alpha"));
        assertThat(a.sizeBytes()).isZero();
        Files.write(a.path().resolve("f"), new byte[1234]);
        Files.createDirectories(a.path().resolve("d/e"));
        Files.write(a.path().resolve("d/e/g"), new byte[766]);
        Files.createDirectories(a.path().resolve("locked"));
        Files.setPosixFilePermissions(
                a.path().resolve("locked"), java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        assertThat(volumes.get("alpha").sizeBytes()).isEqualTo(2000);
        assertThatThrownBy(() -> volumes.create("alpha"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("exists already");
        for (String bad : new String[] {"", "..", ".hidden", "a/b", "x".repeat(65), "sp ace"}) {
            assertThatThrownBy(() -> volumes.create(bad))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("volume name");
        }
        assertThatThrownBy(() -> volumes.get("gamma"))
                .hasMessageContaining("no such volume")
                .hasMessageContaining("gamma");
        assertThat(volumes.delete("alpha")).isTrue();
        assertThat(volumes.delete("alpha")).isFalse();
        assertThat(a.path()).doesNotExist();
        assertThat(volumes.list()).extracting(Volume::name).containsExactly("beta");
    }

    @Test
    void aJobCompilesIntoAVolumeInOneRunAndRunsTheBinaryFromItInTheNext(@TempDir Path tmp) throws Exception {
        Volumes volumes = Volumes.at(tmp.resolve("vols"));
        SandboxConfig probe = SandboxConfig.builder().build();
        Volume build = volumes.create("build", probe);
        Files.writeString(
                build.path().resolve("hello.c"),
                "#include <stdio.h>\nint main(void) { puts(\"hello from the volume\"); return 0; }\n");
        Path gcc = Path.of("/usr/bin/gcc");
        KernelTestSupport.requireFeature(Files.isExecutable(gcc), "gcc");

        SandboxConfig compile = withView(
                FilesystemView.defaults().bind(build.path(), Path.of("/work")).build());
        try (Sandbox sandbox = Sandbox.create(compile)) {
            SandboxResult r = sandbox.run(List.of("gcc", "-o", "/work/hello", "/work/hello.c"));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        }
        Path binary = build.path().resolve("hello");
        assertThat(binary).isExecutable();
        if (KernelTestSupport.euid() == 0) {
            // A root caller's program is uid 65534 on the host: the volume is its, so it could write there.
            assertThat(Files.getAttribute(binary, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(65534);
        }

        SandboxConfig runIt = withView(
                FilesystemView.defaults().roBind(build.path(), Path.of("/work")).build());
        try (Sandbox sandbox = Sandbox.create(runIt)) {
            assertThat(sandbox.run(List.of("/work/hello")).stdoutText()).isEqualTo("hello from the volume\n");
            SandboxResult write = sandbox.run(List.of("/bin/sh", "-c", "echo x > /work/new"));
            assertThat(write.exitCode()).as("read-only here").hasValue(2);
            assertThat(write.stderrText()).contains("Read-only file system");
        }
        assertThat(build.sizeBytes()).isGreaterThan(Files.size(binary));
        assertThat(volumes.delete("build")).isTrue();
        assertThat(tmp.resolve("vols/build")).doesNotExist();
    }

    @Test
    void keptOverlayUpperAndWorkDirectoriesAreMadeReadyForTheProgram(@TempDir Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.writeString(lower.resolve("old"), "from the lower layer\n");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = tmp.resolve("work"); // missing: made by sandbox4j, not in a directory the program may write
        SandboxConfig config = withView(FilesystemView.defaults()
                .overlay(List.of(lower), Path.of("/data"), upper, work)
                .build());
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r =
                    sandbox.run(List.of("/bin/sh", "-c", "cat /data/old; echo new > /data/new; mkdir /data/d"));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
            assertThat(r.stdoutText()).isEqualTo("from the lower layer\n");
        }
        assertThat(upper.resolve("new")).hasContent("new");
        assertThat(upper.resolve("d")).isDirectory();
        if (KernelTestSupport.euid() == 0) {
            assertThat(Files.getAttribute(upper.resolve("new"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(65534);
        }
        assertThat(lower.resolve("new")).doesNotExist();
        assertThat(work).isDirectory();
    }

    @Test
    void anOverlayUpperTheProgramCannotReachIsRefusedNamingTheDirectory(@TempDir Path tmp) throws Exception {
        if (KernelTestSupport.euid() != 0) {
            return; // an unprivileged caller's program is the caller: every directory it can name, its program reaches
        }
        Path hidden = Files.createDirectories(tmp.resolve("private"));
        Files.setPosixFilePermissions(hidden, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Path upper = Files.createDirectories(hidden.resolve("upper"));
        SandboxConfig config = withView(FilesystemView.defaults()
                .overlay(List.of(lower), Path.of("/data"), upper, hidden.resolve("work"))
                .build());
        try (Sandbox sandbox = Sandbox.create(config)) {
            assertThatThrownBy(() -> sandbox.run(List.of("/bin/true")))
                    .isInstanceOf(dev.sandbox4j.core.SandboxSetupException.class)
                    .hasMessageContaining(hidden.toString())
                    .hasMessageContaining("65534");
        }
        assertThat(hidden.resolve("work")).as("nothing half-made").doesNotExist();
    }
}
