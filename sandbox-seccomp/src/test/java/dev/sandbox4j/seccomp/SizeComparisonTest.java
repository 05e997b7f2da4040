package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Our programs are no longer than libseccomp's for the same rules (its smaller of the linear and the
 * binary-tree layout), on the built-in profiles and a 200-rule filter; prints the table for the README.
 * Needs python3-seccomp like {@link LibseccompDifferentialTest}, which fails CI when it is missing.
 */
class SizeComparisonTest {

    @Test
    void programsAreNoLongerThanLibseccompsForTheSameRules() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/python3").canExecute(), "/usr/bin/python3 missing");
        Architecture arch = Architecture.current();
        StringBuilder input = new StringBuilder();
        for (SizeComparison.Case c : SizeComparison.cases()) {
            input.append(SizeComparison.libseccompSpec(c.name() + ".1", c.filter(), arch, 1));
            input.append(SizeComparison.libseccompSpec(c.name() + ".2", c.filter(), arch, 2));
        }
        Path script = Files.createTempFile("libseccomp-compile", ".py");
        try (var in = getClass().getResourceAsStream("/libseccomp-compile.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString()).start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input.toString().getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Files.delete(script);
        Map<String, Integer> theirs = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3 && f[1].equals("ok")) {
                theirs.put(f[0], f[2].length() / 2 / BpfInstruction.SIZE);
            }
        }
        Assumptions.assumeTrue(!theirs.isEmpty(), "python3-seccomp missing: " + out);
        StringBuilder table = new StringBuilder(
                String.format("program length (%s): sandbox4j | libseccomp linear" + " | libseccomp tree%n", arch));
        for (SizeComparison.Case c : SizeComparison.cases()) {
            int ours = c.filter().compile(arch).length();
            Integer linear = theirs.get(c.name() + ".1");
            Integer tree = theirs.get(c.name() + ".2");
            table.append(String.format("| %s | %d | %s | %s |%n", c.name(), ours, linear, tree));
        }
        System.out.println(table);
        for (SizeComparison.Case c : SizeComparison.cases()) {
            int ours = c.filter().compile(arch).length();
            Integer linear = theirs.get(c.name() + ".1");
            Integer tree = theirs.get(c.name() + ".2");
            assertThat(linear).as("libseccomp compiled %s: %s", c.name(), out).isNotNull();
            assertThat(ours)
                    .as("%s: ours against libseccomp's %d / %d", c.name(), linear, tree)
                    .isLessThanOrEqualTo(Math.min(linear, tree == null ? linear : tree));
        }
    }
}
