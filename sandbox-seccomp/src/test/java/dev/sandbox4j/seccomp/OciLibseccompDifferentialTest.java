package dev.sandbox4j.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI/Docker profiles, read by sandbox4j and compiled by libseccomp: podman's default profile from Debian's
 * containers-common, every built-in profile exported with {@link OciSeccompProfile#toJson}, and a profile
 * written by {@code sandbox-ctl seccomp learn}. libseccomp's side is {@code libseccomp-oci.py}, which reads the
 * JSON the way runc does (python3-seccomp), independently of {@link OciSeccompProfile}. On every syscall number
 * of the table and beyond it, with arguments at every edge of the rules, sandbox4j's rules, sandbox4j's compiled
 * program and libseccomp's compiled program must decide alike — and for an export, also the filter exported.
 *
 * <p>CI installs python3-seccomp and golang-github-containers-common, so there a missing one fails the build.
 */
class OciLibseccompDifferentialTest {
    private static final String PYTHON = "/usr/bin/python3";
    static final Path PODMAN_PROFILE = Path.of("/usr/share/containers/seccomp.json");
    private static final String KERNEL = "6.1";
    private static final long SEED = Long.getLong("libseccomp.seed", 20261206L);
    private static final int MIXES = 2000;

    @BeforeAll
    static void findLibseccomp() throws Exception {
        String missing = null;
        if (!new File(PYTHON).canExecute()) {
            missing = PYTHON + " is not installed";
        } else if (new ProcessBuilder(PYTHON, "-c", "import seccomp").start().waitFor() != 0) {
            missing = "python3-seccomp is not installed";
        } else if (!Files.isReadable(PODMAN_PROFILE)) {
            missing = PODMAN_PROFILE + " is missing (Debian package golang-github-containers-common)";
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(missing + "; CI must install python3-seccomp and golang-github-containers-common");
            }
            Assumptions.abort(missing + "; OCI differential test skipped outside CI");
        }
    }

    @Test
    void everyDecisionOfRealProfilesMatchesLibseccomp(@TempDir Path dir) throws Exception {
        Architecture arch = Architecture.current();
        Map<Path, SeccompFilter> files = new LinkedHashMap<>(); // file → the filter it must mean (null: as read)
        files.put(PODMAN_PROFILE, null);
        for (SeccompProfile p : SeccompProfile.values()) {
            Path f = dir.resolve(p.cliName() + ".json");
            Files.writeString(f, OciSeccompProfile.toJson(p.filter(), arch));
            files.put(f, p.filter());
        }
        Path learned = dir.resolve("learned-cmake.json");
        try (InputStream in = getClass().getResourceAsStream("/learned-cmake.json")) {
            Files.write(learned, in.readAllBytes());
        }
        files.put(learned, null);

        // Written for this test: every op, an unconditional rule after and before conditional ones, several
        // conditions on one argument, a mask with value bits outside it, 64-bit edges, ERRNO(0), includes/excludes.
        Path semantics = dir.resolve("oci-semantics.json");
        try (InputStream in = getClass().getResourceAsStream("/oci-semantics.json")) {
            Files.write(semantics, in.readAllBytes());
        }
        files.put(semantics, null);

        Path script = dir.resolve("libseccomp-oci.py");
        try (InputStream in = getClass().getResourceAsStream("/libseccomp-oci.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), OciSeccompProfile.goArch(arch), KERNEL));
        files.keySet().forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("libseccomp-oci.py").isZero();

        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(" ", 3);
            assertThat(fields[1])
                    .as("libseccomp on %s: %s", fields[0], fields[2])
                    .isEqualTo("ok");
            answers.put(fields[0], fields[2]);
        }
        long decisions = 0;
        long orderDependent = 0;
        List<String> disagreements = new ArrayList<>();
        StringBuilder counts = new StringBuilder();
        for (Map.Entry<Path, SeccompFilter> e : files.entrySet()) {
            Path file = e.getKey();
            BpfInterpreter theirs = program(answers.get(file.toString()));
            BpfInterpreter reordered = program(answers.get(file + "#reordered"));
            OciSeccompProfile read = OciSeccompProfile.read(file, arch, KERNEL);
            SeccompFilter ours = read.filter();
            SeccompFilter meant = e.getValue();
            BpfInterpreter compiled = BpfInterpreter.of(ours.compile(arch));
            long here = 0;
            long skipped = 0;
            for (SeccompData call : probes(arch, ours, meant)) {
                SeccompAction libseccomp = theirs.run(call).action();
                if (!reordered.run(call).action().equals(libseccomp)) {
                    skipped++; // libseccomp 2.5.4's answer depends on the order the rules were added
                    continue;
                }
                SeccompAction rules = ours.evaluate(arch, call);
                SeccompAction program = compiled.run(call).action();
                // The format has no unknown-syscall action: numbers the table does not name get the default there.
                SeccompAction wanted = meant == null
                        ? rules
                        : arch.syscalls().nameOf(call.nr()).isEmpty()
                                ? meant.defaultAction()
                                : meant.evaluate(arch, call);
                here++;
                if (!libseccomp.equals(rules) || !program.equals(rules) || !wanted.equals(rules)) {
                    disagreements.add(file.getFileName() + " " + call + ": libseccomp " + libseccomp
                            + ", sandbox4j rules " + rules + ", program " + program
                            + (meant == null ? "" : ", exported filter " + wanted));
                }
            }
            decisions += here;
            orderDependent += skipped;
            counts.append(String.format(
                    "  %-22s %7d decisions compared, %5d not (libseccomp order-dependent)%n",
                    file.getFileName(), here, skipped));
        }
        System.out.printf(
                "OCI profiles against libseccomp (%s, seed %d): %d decisions compared, %d disagreements, "
                        + "%d probes not compared (libseccomp's answer depends on the order of adding)%n%s",
                arch, SEED, decisions, disagreements.size(), orderDependent, counts);
        assertThat(disagreements.subList(0, Math.min(Integer.getInteger("oci.show", 20), disagreements.size())))
                .as("first of %d", disagreements.size())
                .isEmpty();
        assertThat(decisions).isGreaterThan(40_000);
        assertThat(orderDependent).as("probes not compared").isLessThan(decisions / 20);
    }

    private static BpfInterpreter program(String hex) {
        return BpfInterpreter.of(BpfProgram.fromBytes(HexFormat.of().parseHex(hex)));
    }

    /** Every number up to past the table with plain arguments, and every rule's edges for syscalls with rules. */
    private static List<SeccompData> probes(Architecture arch, SeccompFilter ours, SeccompFilter meant) {
        List<SeccompData> out = new ArrayList<>();
        Random random = new Random(SEED);
        for (int nr = 0; nr <= arch.syscalls().highestNumber() + 64; nr++) {
            out.add(SeccompData.of(arch, nr));
            out.add(SeccompData.of(arch, nr, -1, -1, -1, -1, -1, -1));
            out.add(SeccompData.of(
                    arch,
                    nr,
                    random.nextLong(),
                    random.nextLong(),
                    random.nextLong(),
                    random.nextLong(),
                    random.nextLong(),
                    random.nextLong()));
        }
        for (String name : arch.syscalls().names()) {
            Set<ArgCondition> conds = new LinkedHashSet<>();
            ours.rulesFor(name).forEach(r -> conds.addAll(r.conditions()));
            if (meant != null) {
                meant.rulesFor(name).forEach(r -> conds.addAll(r.conditions()));
            }
            if (conds.isEmpty()) {
                continue;
            }
            int nr = arch.syscalls().numberOf(name);
            List<long[]> edges = OciExport.probes(conds);
            for (long[] args : edges) {
                out.add(SeccompData.of(arch, nr, args));
            }
            // Mixes: each argument from another edge probe, so rules on several arguments meet.
            for (int i = 0; i < MIXES; i++) {
                long[] args = new long[6];
                for (int a = 0; a < 6; a++) {
                    args[a] = random.nextInt(10) == 0 ? random.nextLong() : edges.get(random.nextInt(edges.size()))[a];
                }
                out.add(SeccompData.of(arch, nr, args));
            }
        }
        return out;
    }
}
