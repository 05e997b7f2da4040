package dev.sandbox4j.it;

import static dev.sandbox4j.it.KernelTestSupport.requireFeature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesystem view against the real kernel, as root and (through {@link UnprivilegedKernelTest}) as
 * uid 65534. As root the workload is host uid 65534 too, so the host directories a test shares with it
 * are made accessible to everyone.
 */
@ExtendWith(KernelTestSupport.LeakCheck.class)
class FilesystemViewKernelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @BeforeAll
    static void theDefaultViewIsUsableHere() throws Exception {
        boolean usable = KernelTestSupport.defaultViewUsable();
        requireFeature(usable, "mount namespaces with the new mount API (Linux 5.12+) in a user namespace");
    }

    private static SandboxResult run(FilesystemView view, String script) throws InterruptedException {
        return KernelTestSupport.runInView(view, script, TIMEOUT);
    }

    /** A directory the workload may use whoever it runs as on the host (root's workload is 65534). */
    private static Path shared(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    private static String mountTable() throws IOException {
        // Mount ids and the harness's own mounts stay; what matters is that no line appears or goes.
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }

    @Test
    void theDefaultViewRunsProgramsWritesOnlyItsOwnTmpAndLeavesTheHostAlone(@TempDir Path hostTmpDir) throws Exception {
        String mountsBefore = mountTable();
        Path hostMarker = Files.writeString(shared(hostTmpDir).resolve("host-only"), "host");
        String probe = "sbx-probe-" + ProcessHandle.current().pid();
        SandboxResult r = run(
                FilesystemView.defaults().build(),
                "ls /usr/bin >/dev/null && echo LS-OK; echo data > /tmp/" + probe + " && cat /tmp/" + probe + ";"
                        + "for d in /usr /usr/bin /usr/lib /etc / /proc/1 /dev; do touch $d/" + probe
                        + " 2>/dev/null && echo WROTE $d; done;"
                        + "test -e " + hostMarker + " && echo SEES-HOST-TMP;"
                        + "find /usr /etc -maxdepth 3 ! -type l -writable -printf 'WRITABLE %p\\n' 2>/dev/null; test -w / && echo WRITABLE /;"
                        + "ls / | tr '\\n' ' '");
        assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).contains("LS-OK", "data").doesNotContain("WROTE", "SEES-HOST-TMP", "WRITABLE");
        // /sys holds only the run's cgroups (fs/cgroup), where there are cgroups: privileged mode
        assertThat(r.stdoutText())
                .contains("bin dev etc lib")
                .contains(
                        r.mode() == dev.sandbox4j.core.PrivilegeMode.PRIVILEGED
                                ? "proc sbin sys tmp usr"
                                : "proc sbin tmp usr");
        // /tmp is the sandbox's own: the file is gone with the run, and never reached the host.
        SandboxResult again = run(
                FilesystemView.defaults().build(),
                "test -e /tmp/" + probe + " && echo STILL-THERE; ls -A /tmp | wc -l");
        assertThat(again.stdoutText()).doesNotContain("STILL-THERE").isEqualTo("0\n");
        // A name of this run's own: a host's /tmp may hold anything, even a directory called x.
        assertThat(Path.of("/tmp", probe))
                .as("no /tmp file on the host from the sandbox")
                .doesNotExist();
        for (String d : List.of("/usr", "/usr/bin", "/usr/lib", "/etc")) {
            assertThat(Path.of(d, probe)).doesNotExist();
        }
        assertThat(mountTable()).as("the host's mount table").isEqualTo(mountsBefore);
    }

    @Test
    void withoutProcTheProgramHasNoProcButStillItsOwnPidNamespaceAndTheResultSaysSo() throws Exception {
        String script = "ls -A /proc | wc -l; test -e /proc/self/status && echo HAS-PROC-SELF; echo PID $$";
        // Calibration: with the default view /proc is there, and the shell is PID 1's child.
        SandboxResult with = run(FilesystemView.defaults().build(), script);
        assertThat(with.stdoutText()).contains("HAS-PROC-SELF");
        assertThat(with.degradations()).isEmpty();
        SandboxConfig config = SandboxConfig.builder()
                .timeout(TIMEOUT)
                .filesystem(FilesystemView.defaults().build())
                .withoutProc()
                .build();
        try (Sandbox sandbox = Sandbox.create(config)) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", script));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
            assertThat(r.stdoutText())
                    .startsWith("0\n")
                    .doesNotContain("HAS-PROC-SELF")
                    .contains("PID 2\n");
            assertThat(r.degradations()).singleElement().asString().startsWith("/proc: none inside");
        }
        // Without a view too: the host's /proc would otherwise stay in sight, with every host process in it.
        try (Sandbox sandbox = Sandbox.create(
                SandboxConfig.builder().timeout(TIMEOUT).withoutProc().build())) {
            SandboxResult r = sandbox.run(List.of("/bin/sh", "-c", script));
            assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
            assertThat(r.stdoutText()).startsWith("0\n").doesNotContain("HAS-PROC-SELF");
        }
    }

    @Test
    void aReadOnlyBindIsReadableAndNotWritable(@TempDir Path dir) throws Exception {
        Files.writeString(shared(dir).resolve("file"), "content\n");
        Files.setPosixFilePermissions(dir.resolve("file"), PosixFilePermissions.fromString("rw-rw-rw-"));
        SandboxResult r = run(
                FilesystemView.defaults().roBind(dir, Path.of("/data")).build(),
                "cat /data/file; echo more >> /data/file || echo APPEND-REFUSED; touch /data/new || echo CREATE-REFUSED");
        assertThat(r.stdoutText()).isEqualTo("content\nAPPEND-REFUSED\nCREATE-REFUSED\n");
        assertThat(r.stderrText()).contains("Read-only file system");
        assertThat(Files.readString(dir.resolve("file"))).isEqualTo("content\n");
        assertThat(dir.resolve("new")).doesNotExist();
    }

    @Test
    void aReadWriteBindsWritesAppearOnTheHost(@TempDir Path dir) throws Exception {
        SandboxResult r = run(
                FilesystemView.defaults().bind(shared(dir), Path.of("/work")).build(),
                "echo written > /work/out && mkdir /work/sub && echo ok");
        assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("ok\n");
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("written\n");
        assertThat(dir.resolve("sub")).isDirectory();
    }

    @Test
    void aSizedTmpfsRefusesMoreThanItsSize() throws Exception {
        SandboxResult r = run(
                FilesystemView.defaults().tmpfs(Path.of("/scratch"), "1M").build(),
                "head -c 524288 /dev/zero > /scratch/half && echo HALF-OK;"
                        + "head -c 2097152 /dev/zero > /scratch/big || echo REFUSED; df -k /scratch | tail -1");
        assertThat(r.stdoutText()).as(r.stderrText()).contains("HALF-OK", "REFUSED");
        assertThat(r.stderrText()).contains("No space left on device");
        Matcher size = Pattern.compile("\\S+\\s+(\\d+)")
                .matcher(r.stdoutText().lines().reduce((a, b) -> b).orElse(""));
        assertThat(size.find()).isTrue();
        assertThat(Long.parseLong(size.group(1))).as("tmpfs size in KiB").isEqualTo(1024);
    }

    @Test
    void anOverlayShowsTheHostDirectoryTakesWritesAndLeavesItUnchanged(@TempDir Path dir) throws Exception {
        Path lower = Files.createDirectories(dir.resolve("lower"));
        Files.writeString(lower.resolve("a.txt"), "alpha\n");
        Files.createDirectories(lower.resolve("sub"));
        Files.writeString(lower.resolve("sub/b.txt"), "beta\n");
        // Writable by everyone: as root's workload is host uid 65534, it may change only what others may.
        for (Path p : List.of(dir, lower, lower.resolve("sub"))) {
            shared(p);
        }
        for (Path p : List.of(lower.resolve("a.txt"), lower.resolve("sub/b.txt"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        ownedByTheWorkload(lower);
        Map<String, String> before = snapshot(lower);
        SandboxResult r = run(
                FilesystemView.defaults().overlay(lower, Path.of("/work")).build(),
                "cat /work/a.txt /work/sub/b.txt && echo changed > /work/a.txt && rm /work/sub/b.txt"
                        + " && echo new > /work/c.txt && mkdir /work/d && cat /work/a.txt /work/c.txt && ls /work | tr '\\n' ' '");
        assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("alpha\nbeta\nchanged\nnew\na.txt c.txt d sub ");
        assertThat(snapshot(lower)).as("the lower directory, byte for byte").isEqualTo(before);
    }

    @Test
    void anOverlayWithAKeptUpperLayerKeepsTheChangesThere(@TempDir Path dir) throws Exception {
        Path lower = Files.createDirectories(dir.resolve("lower"));
        Files.writeString(lower.resolve("a.txt"), "alpha\n");
        Files.setPosixFilePermissions(lower.resolve("a.txt"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Path upper = Files.createDirectories(dir.resolve("upper"));
        for (Path p : List.of(dir, lower, upper)) {
            shared(p);
        }
        ownedByTheWorkload(lower);
        Map<String, String> before = snapshot(lower);
        SandboxResult r = run(
                FilesystemView.defaults()
                        .overlay(List.of(lower), Path.of("/work"), upper, dir.resolve("work"))
                        .build(),
                "echo changed > /work/a.txt && echo new > /work/c.txt && echo ok");
        assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("ok\n");
        assertThat(snapshot(lower)).isEqualTo(before);
        assertThat(Files.readString(upper.resolve("a.txt"))).isEqualTo("changed\n");
        assertThat(Files.readString(upper.resolve("c.txt"))).isEqualTo("new\n");
        // overlayfs leaves a mode-000 directory in its work dir; open it up so @TempDir can clean up.
        openUp(dir.resolve("work"));
    }

    /**
     * overlayfs copies a file up with its owner, which must be mapped in the sandbox's user namespace: a
     * root caller's files (uid 0, unmapped) can be read through an overlay but not changed. Give them to
     * the id root's workload runs as; an unprivileged caller's own files need nothing.
     */
    private static void ownedByTheWorkload(Path tree) throws IOException {
        if (KernelTestSupport.euid() != 0) {
            return;
        }
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setAttribute(p, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", 65534, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    private static void openUp(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    openUp(child);
                }
            }
        }
    }

    @Test
    void anExistingRootIsAllTheProgramCanReach(@TempDir Path dir) throws Exception {
        Path rootfs = minimalRootfs(shared(dir).resolve("rootfs"));
        Files.writeString(dir.resolve("beside-the-root"), "host\n");
        Files.setPosixFilePermissions(dir.resolve("beside-the-root"), PosixFilePermissions.fromString("rw-r--r--"));
        FilesystemView view = FilesystemView.root(rootfs)
                .proc(Path.of("/proc"))
                .dev(Path.of("/dev"))
                .tmpfs(Path.of("/tmp"))
                .build();
        // Only shell builtins: the rootfs has nothing but sh and its libraries.
        SandboxResult r = run(
                view,
                "cd /; echo /*; cd /..; echo /../*; cd -P /proc/1/root/.. 2>/dev/null; echo $(pwd -P) *;"
                        + "for p in /../beside-the-root /proc/1/root/../beside-the-root /proc/self/root/../beside-the-root"
                        + " /proc/self/cwd/../beside-the-root ../beside-the-root /etc/os-release /usr/bin/java; do"
                        + " test -e $p && echo REACHED $p; done;"
                        + "echo fds: $(cd /proc/self/fd && echo *); echo x > /bin/new || echo RO-ROOT");
        assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        List<String> lines = r.stdoutText().lines().toList();
        assertThat(lines.get(0)).isEqualTo("/bin /dev /lib /lib64 /proc /tmp");
        assertThat(lines.get(1)).isEqualTo("/../bin /../dev /../lib /../lib64 /../proc /../tmp");
        assertThat(lines.get(2)).isEqualTo("/ bin dev lib lib64 proc tmp");
        assertThat(r.stdoutText()).doesNotContain("REACHED");
        // 0, 1, 2 and the directory the glob itself reads: nothing inherited from the host.
        assertThat(lines).contains("fds: 0 1 2 3", "RO-ROOT");
        assertThat(rootfs.resolve("bin/new")).doesNotExist();
    }

    @Test
    void aWritableExistingRootTakesWrites(@TempDir Path dir) throws Exception {
        Path rootfs = minimalRootfs(shared(dir).resolve("rootfs"));
        Files.setPosixFilePermissions(rootfs, PosixFilePermissions.fromString("rwxrwxrwx"));
        SandboxResult r = run(FilesystemView.root(rootfs).writableRoot(true).build(), "echo kept > /kept && echo ok");
        assertThat(r.stdoutText()).as(r.stderrText()).isEqualTo("ok\n");
        assertThat(Files.readString(rootfs.resolve("kept"))).isEqualTo("kept\n");
    }

    @Test
    void badInputFailsAtBuildNamingThePathAndMountsNothing(@TempDir Path dir) throws Exception {
        String mountsBefore = mountTable();
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() ->
                        FilesystemView.defaults().bind(missing, Path.of("/m")).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> FilesystemView.defaults()
                        .roBind(dir, Path.of("relative/dst"))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("relative/dst")
                .hasMessageContaining("absolute");
        assertThatThrownBy(() ->
                        FilesystemView.defaults().overlay(file, Path.of("/o")).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() ->
                        FilesystemView.defaults().tmpfs(Path.of("/t"), "lots").build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("lots")
                .hasMessageContaining("/t");
        assertThatThrownBy(() -> FilesystemView.root(missing).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(missing.toString());
        // A source removed after the view was built is caught again at the sandbox's build().
        Path vanishing = Files.createDirectories(dir.resolve("vanishing"));
        FilesystemView view =
                FilesystemView.defaults().bind(vanishing, Path.of("/v")).build();
        Files.delete(vanishing);
        assertThatThrownBy(() -> SandboxConfig.builder().filesystem(view).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(vanishing.toString());
        assertThat(mountTable()).isEqualTo(mountsBefore);
    }

    @Test
    void aMountPointMissingInAReadOnlyRootIsABuildError(@TempDir Path dir) throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        assertThatThrownBy(
                        () -> FilesystemView.root(rootfs).proc(Path.of("/proc")).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("/proc")
                .hasMessageContaining("read-only root");
    }

    @Test
    void aSetupFailureInsideTheViewNamesThePath(@TempDir Path dir) throws Exception {
        // /etc is bound read-only, so the launcher cannot create a mount point in it.
        Path data = Files.createDirectories(shared(dir).resolve("data"));
        assertThatThrownBy(() -> run(
                        FilesystemView.defaults()
                                .roBind(data, Path.of("/etc/sbx-nonexistent/data"))
                                .build(),
                        "true"))
                .isInstanceOfSatisfying(SandboxSetupException.class, e -> {
                    assertThat(e.step()).isEqualTo("mkdir");
                    assertThat(e.errnoName()).isEqualTo("EROFS");
                    assertThat(e.detail()).isEqualTo("/etc/sbx-nonexistent");
                });
    }

    /** A root with /bin/sh and exactly the libraries ldd names, plus empty mount points. */
    static Path minimalRootfs(Path rootfs) throws IOException, InterruptedException {
        Path sh = Path.of("/bin/sh").toRealPath();
        copyInto(rootfs, sh, Path.of("/bin/sh"));
        Process ldd = new ProcessBuilder("ldd", sh.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(ldd.getInputStream().readAllBytes());
        assertThat(ldd.waitFor()).as(out).isZero();
        Matcher lib = Pattern.compile("(/\\S+)").matcher(out);
        List<Path> libs = new ArrayList<>();
        while (lib.find()) {
            libs.add(Path.of(lib.group(1)));
        }
        assertThat(libs).as("libraries of " + sh).isNotEmpty();
        for (Path l : libs) {
            copyInto(rootfs, l.toRealPath(), l);
        }
        for (String d : List.of("proc", "dev", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        try (Stream<Path> tree = Files.walk(rootfs)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(
                        p,
                        PosixFilePermissions.fromString(
                                Files.isDirectory(p) || Files.isExecutable(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return rootfs;
    }

    /** Copies a host file to its path inside the rootfs, keeping a leading directory symlink such as /lib64 out. */
    private static void copyInto(Path rootfs, Path hostFile, Path inside) throws IOException {
        Path target = rootfs.resolve(Path.of("/").relativize(inside).toString());
        Files.createDirectories(target.getParent());
        Files.copy(hostFile, target, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Every file and directory beneath dir with its content and permissions. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                String key = dir.relativize(p).toString();
                String perms =
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                state.put(key, perms + (Files.isRegularFile(p) ? " " + Files.readString(p) : " dir"));
            }
        }
        return state;
    }
}
