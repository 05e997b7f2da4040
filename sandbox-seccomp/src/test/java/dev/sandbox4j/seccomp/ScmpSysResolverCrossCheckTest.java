package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        Map<String, String> resolved =
                resolveAll(arch, new ArrayList<>(arch.syscalls().names()));
        for (Map.Entry<Integer, String> e : arch.syscalls().byNumber().entrySet()) {
            String theirs = resolved.get(e.getValue());
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
        List<String> numbers = new ArrayList<>();
        for (int nr = 0; nr <= table.highestNumber(); nr++) {
            numbers.add(Integer.toString(nr));
        }
        Map<String, String> resolved = resolveAll(arch, numbers);
        for (int nr = 0; nr <= table.highestNumber(); nr++) {
            String theirs = resolved.get(Integer.toString(nr));
            String ours = table.nameOf(nr).orElse("UNKNOWN");
            if (!theirs.equals(ours)) {
                mismatches.add(nr + ": ours " + ours + ", libseccomp " + theirs);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    /**
     * The tool answers one query per run; a shell loops over them, because starting ~700 processes from
     * the JVM costs far more than from sh.
     */
    private static Map<String, String> resolveAll(Architecture arch, List<String> queries)
            throws IOException, InterruptedException {
        String loop = "while read -r q; do printf '%s %s\\n' \"$q\" \"$(\"$0\" -a \"$1\" \"$q\" 2>&1)\"; done";
        Process p = new ProcessBuilder("sh", "-c", loop, tool, arch.kernelName())
                .redirectErrorStream(true)
                .start();
        try (var stdin = p.getOutputStream()) {
            stdin.write((String.join("\n", queries) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(TOOL + " did not finish");
        }
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] fields = line.trim().split("\\s+", 2);
            if (fields.length == 2) {
                results.put(fields[0], fields[1]);
            }
        }
        assertThat(results).as("one answer per query").hasSize(queries.size());
        return results;
    }
}
