package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.ViewFragment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * View fragments against the real kernel, as root and as uid 65534: a Python venv the default view cannot see
 * runs once its fragment is added, and fragments that generate directories and scratch space give the program
 * what they declare, and nothing more.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class ViewFragmentKernelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @BeforeAll
    static void theDefaultViewIsUsableHere() throws Exception {
        boolean usable = KernelTestSupport.defaultViewUsable();
        requireFeature(
                usable && Files.isExecutable(Path.of("/usr/bin/python3")),
                "the default view (Linux 5.12+ mount API) and /usr/bin/python3 with its venv module");
    }

    private static SandboxResult run(FilesystemView view, String script) throws InterruptedException {
        return KernelTestSupport.runInView(view, script, TIMEOUT);
    }

    @Test
    void aVenvOutsideTheDefaultViewRunsOnlyWithItsFragment(@TempDir Path scratch) throws Exception {
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path venv = scratch.resolve("venv");
        Process make = new ProcessBuilder("/usr/bin/python3", "-m", "venv", "--without-pip", venv.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(make.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue())
                .as(new String(make.getInputStream().readAllBytes()))
                .isZero();
        String script =
                venv.toRealPath() + "/bin/python -c 'import sys; print(sys.prefix != sys.base_prefix, sys.prefix)'";

        SandboxResult without = run(FilesystemView.defaults().build(), script);
        SandboxResult with =
                run(FilesystemView.defaults().add(ViewFragment.pythonVenv(venv)).build(), script);

        assertThat(without.exitCode())
                .as("the default view's /tmp is private: no venv there")
                .hasValue(127);
        assertThat(with.exitCode()).as(with.stderrText()).hasValue(0);
        assertThat(with.stdoutText()).isEqualTo("True " + venv.toRealPath() + "\n");
        SandboxResult write = run(
                FilesystemView.defaults().add(ViewFragment.pythonVenv(venv)).build(),
                "touch " + venv.toRealPath() + "/x");
        assertThat(write.exitCode()).as("read-only").isNotEqualTo(OptionalInt.of(0));
        assertThat(write.stderrText()).contains("Read-only file system");
    }

    @Test
    void generatedDirectoriesAndScratchAreWhatTheyDeclare() throws Exception {
        FilesystemView view = FilesystemView.defaults()
                .add(ViewFragment.directories(0750, Path.of("/work"), Path.of("/work/out")))
                .add(ViewFragment.scratch(Path.of("/scratch"), 1L << 20))
                .build();
        SandboxResult r = run(
                view,
                "stat -c '%a %n' /work /work/out /scratch; "
                        + "head -c 2097152 /dev/zero > /scratch/big; echo rc=$?; touch /work/x; echo rc=$?");

        assertThat(r.stdoutText()).startsWith("750 /work\n750 /work/out\n1777 /scratch\nrc=1\nrc=1\n");
        assertThat(r.stderrText()).contains("No space left on device").contains("Read-only file system");
    }
}
