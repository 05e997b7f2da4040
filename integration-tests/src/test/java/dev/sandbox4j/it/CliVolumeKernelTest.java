package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.it.SandboxCtlProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sandbox-ctl volume …} and {@code --volume NAME:/path[:ro]}, each command line in a JVM of its own. */
class CliVolumeKernelTest {
    @TempDir
    Path tmp;

    private Result cli(String... args) throws Exception {
        return SandboxCtlProcess.of(args)
                .env("SANDBOX4J_VOLUMES", tmp.resolve("volumes").toString())
                .run();
    }

    @Test
    void aJobOfTwoStepsSharesAVolumeThroughTheCommandLine() throws Exception {
        Result created = cli("volume", "create", "job");
        assertThat(created.status()).as(created.stderr()).isZero();
        assertThat(created.stdout().strip())
                .isEqualTo(tmp.resolve("volumes/job").toString());
        Path job = tmp.resolve("volumes/job");
        Files.writeString(
                job.resolve("hello.c"), "#include <stdio.h>\nint main(void) { puts(\"built in step one\"); }\n");

        Result compile =
                cli("-P", "moderate", "--volume", "job:/work", "--", "gcc", "-o", "/work/hello", "/work/hello.c");
        assertThat(compile.status()).as(compile.stderr()).isZero();
        Result run = cli("--volume", "job:/work:ro", "--", "/work/hello");
        assertThat(run.stdout()).isEqualTo("built in step one\n");
        assertThat(run.status()).isZero();
        Result readOnly = cli("-P", "moderate", "--volume", "job:/work:ro", "--", "sh", "-c", "echo x > /work/y");
        assertThat(readOnly.status()).isEqualTo(2);
        assertThat(readOnly.stderr()).contains("Read-only file system");

        Result listed = cli("volume", "ls");
        assertThat(listed.stdout()).startsWith("job ").contains(job.toString());
        Result du = cli("volume", "du", "job");
        long bytes = Long.parseLong(du.stdout().split("\t")[0]);
        assertThat(bytes).isGreaterThan(Files.size(job.resolve("hello")));
        assertThat(du.stdout()).endsWith("\tjob\n");

        Result removed = cli("volume", "rm", "job");
        assertThat(removed.status()).as(removed.stderr()).isZero();
        assertThat(job).doesNotExist();
    }

    @Test
    void anOverlayKeptInAnUpperTheCallerMadeNeedsNoChownByHand() throws Exception {
        // The caller's own directories, as a root caller makes them: sandbox4j hands upper and work to the program.
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.writeString(lower.resolve("base"), "base\n");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Result r = cli(
                "-P",
                "moderate",
                "--overlay",
                lower + ":/data:" + upper,
                "--",
                "sh",
                "-c",
                "cat /data/base; echo new > /data/new; mkdir /data/dir");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("base\n");
        assertThat(upper.resolve("new")).hasContent("new");
        assertThat(upper.resolve("dir")).isDirectory();
        assertThat(lower.resolve("new")).doesNotExist();
    }

    @Test
    void cpuIsPercentOfOneCpuUpTo100PerCpuAsInTheJavaApi() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        String all = Integer.toString(100 * cpus);
        Result r = cli("--cpu", all, "--", "/bin/echo", "ok");
        if (KernelTestSupport.euid() == 0) {
            assertThat(r.status())
                    .as(r.stderr())
                    .isZero(); // every CPU of this machine: a cgroup quota of cpus × period
            assertThat(r.stdout()).isEqualTo("ok\n");
        } else {
            assertThat(r.status()).as("no cgroup: refused, never ignored").isEqualTo(125);
        }
        Result over = cli("--cpu", Integer.toString(100 * cpus + 1), "--", "/bin/true");
        assertThat(over.status()).isEqualTo(2);
        assertThat(over.stderr())
                .contains("invalid --cpu '" + (100 * cpus + 1) + "'")
                .contains(cpus + " CPU(s)");
    }

    @Test
    void aMissingVolumeOrABadValueIsABadCommandLineNamingIt() throws Exception {
        Result missing = cli("--volume", "nope:/work", "--", "/bin/true");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.stderr()).contains("--volume").contains("nope").contains("volume create");
        Result bad = cli("--volume", "job", "--", "/bin/true");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.stderr()).contains("NAME:/path");
        Result rm = cli("volume", "rm", "nope");
        assertThat(rm.status()).isEqualTo(2);
        assertThat(rm.stderr()).contains("no such volume");
    }
}
