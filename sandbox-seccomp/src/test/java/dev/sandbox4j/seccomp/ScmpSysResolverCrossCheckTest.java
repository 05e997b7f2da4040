package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our generated tables against libseccomp's, through {@code scmp_sys_resolver} (Debian package
 * {@code seccomp}): every name resolves to our number, every number up to our highest resolves to our
 * name. CI installs the tool, so there a missing tool fails the build instead of skipping.
 */
class ScmpSysResolverCrossCheckTest {
    private static final String TOOL = "scmp_sys_resolver";
    private static String tool;

    @BeforeAll
    static void findTool() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File candidate = new File(dir, TOOL);
            if (candidate.canExecute()) {
                tool = candidate.getPath();
                return;
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            fail(TOOL + " is not installed; CI must install the Debian package 'seccomp'");
        }
        Assumptions.abort(TOOL + " not installed (apt-get install seccomp); cross-check skipped outside CI");
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyNameResolvesToOurNumber(Architecture arch) throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<Integer, String> e : arch.syscalls().byNumber().entrySet()) {
            String theirs = resolve(arch, e.getValue());
            if (!theirs.equals(Integer.toString(e.getKey()))) {
                mismatches.add(e.getValue() + ": ours " + e.getKey() + ", libseccomp " + theirs);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyNumberResolvesToOurName(Architecture arch) throws Exception {
        List<String> mismatches = new ArrayList<>();
        SyscallTable table = arch.syscalls();
        for (int nr = 0; nr <= table.highestNumber(); nr++) {
            String theirs = resolve(arch, Integer.toString(nr));
            String ours = table.nameOf(nr).orElse("UNKNOWN");
            if (!theirs.equals(ours)) {
                mismatches.add(nr + ": ours " + ours + ", libseccomp " + theirs);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    private static String resolve(Architecture arch, String nameOrNumber) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(tool, "-a", arch.kernelName(), nameOrNumber).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(TOOL + " hung on " + nameOrNumber);
        }
        return out;
    }
}
