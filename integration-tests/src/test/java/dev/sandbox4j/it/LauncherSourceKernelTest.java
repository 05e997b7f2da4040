package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher supplied from outside the jar, verified by its SHA-256, runs sandboxes; the same bytes under
 * another hash are refused before any sandbox starts. Each case in a fresh JVM, since the launcher is chosen
 * once per JVM. Runs as root and as uid 65534.
 */
class LauncherSourceKernelTest {

    private static String[] run(Path launcher, String sha, Path home) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                        KernelTestSupport.javaMain(RunWithLauncher.class, launcher.toString(), sha))
                .redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    /** The launcher this build made, as a team's artifact store would hold it. */
    private static Path builtLauncher() {
        Path launcher = Path.of("../sandbox-exec/target/classes/native/linux-"
                + (System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64") + "/sandbox4j-launcher");
        assertThat(launcher).as("the build's launcher").isRegularFile();
        return launcher.toAbsolutePath().normalize();
    }

    @Test
    void aVerifiedLauncherRunsSandboxesAndAWrongHashIsRefused(@TempDir Path home) throws Exception {
        Path launcher = builtLauncher();
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(launcher)));
        String wrong = sha.substring(1) + (sha.charAt(0) == 'a' ? 'b' : 'a');

        String[] good = run(launcher, sha, home);
        String[] bad = run(launcher, wrong, home);

        assertThat(good[0]).as(good[1]).isEqualTo("0");
        assertThat(good[1])
                .startsWith("from the verified launcher\n"
                        + "cannot use the launcher at /bin/true: this JVM already runs the launcher with SHA-256 " + sha
                        + " (")
                .endsWith("); choose the launcher before the first sandbox is created\n");
        assertThat(bad[0]).as(bad[1]).isEqualTo("3");
        assertThat(bad[1])
                .isEqualTo("SandboxException: the launcher with SHA-256 " + wrong + " does not match: " + "SHA-256 "
                        + sha + ", expected " + wrong + "; refusing to run it\n");
    }
}
