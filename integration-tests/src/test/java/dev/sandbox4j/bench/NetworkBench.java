package dev.sandbox4j.bench;

import dev.sandbox4j.exec.Network;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What user-mode networking adds to a run: {@code /bin/true} in the same sandbox with {@link Network#none()},
 * {@link Network#user()} and a user network with an allow-list and a published port, interleaved in one JVM (see
 * {@link Interleaved}). Prints a Markdown table (median, p90, p99, ratio of medians to none) and with
 * {@code --write FILE} puts it between the network markers of that file.
 *
 * <p>Usage: {@code NetworkBench [--smoke] [--write BENCHMARKS.md]}; {@code ./benchmarks.sh} runs it after
 * {@link SpawnBench}.
 */
public final class NetworkBench {
    static final String BEGIN = "<!-- network-bench:begin -->";
    static final String END = "<!-- network-bench:end -->";

    private NetworkBench() {}

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path write = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--write" -> write = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: NetworkBench [--smoke] [--write FILE]");
                    System.exit(2);
                }
            }
        }
        int warmup = smoke ? 1 : 5;
        int rounds = smoke ? 1 : 10;
        int perRound = smoke ? 2 : 10;
        SandboxConfig base = SandboxConfig.builder()
                .seccomp(SeccompProfile.NETWORK)
                .timeout(Duration.ofSeconds(30))
                .cwd(Path.of("/"))
                .build();
        String table;
        try (Sandbox none =
                        Sandbox.create(base.toBuilder().network(Network.none()).build());
                Sandbox user =
                        Sandbox.create(base.toBuilder().network(Network.user()).build());
                Sandbox rules = Sandbox.create(base.toBuilder()
                        .network(Network.user()
                                .allow("198.51.100.0/24:443")
                                .allow("10.1.0.0/16")
                                .publish(freePort(), 8000))
                        .build())) {
            List<Variant> variants = List.of(
                    new Variant("n", "`Network.none()`: own namespace, lo only", () -> run(none)),
                    new Variant("u", "`Network.user()`: slirp4netns, default egress rules", () -> run(user)),
                    new Variant("r", "`Network.user()` with 2 allow rules and a published port", () -> run(rules)));
            Interleaved.Latency latency = Interleaved.latency(variants, warmup, rounds, perRound);
            table = table(variants, latency.all());
        }
        System.out.println(table);
        if (write != null) {
            String text = Files.readString(write);
            int b = text.indexOf(BEGIN);
            int e = text.indexOf(END);
            if (b < 0 || e < b) {
                throw new IllegalStateException(write + " has no " + BEGIN + " ... " + END + " section");
            }
            Files.writeString(write, text.substring(0, b + BEGIN.length()) + "\n" + table + text.substring(e));
        }
    }

    private static void run(Sandbox sandbox) throws Exception {
        SandboxResult r = sandbox.run(List.of("/bin/true"));
        if (!r.success()) {
            throw new IllegalStateException("a run failed: " + r);
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String table(List<Variant> variants, Map<String, Samples> all) throws java.io.IOException {
        double base = all.get(variants.get(0).key()).summary().median();
        StringBuilder s = new StringBuilder();
        s.append("Run of ")
                .append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now()))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, load average ")
                .append(SpawnBench.Machine.loadAverage())
                .append("; `/bin/true`, NETWORK seccomp profile, ")
                .append(all.get(variants.get(0).key()).size())
                .append(" runs each, interleaved:\n\n");
        s.append(
                "| network | median | p90 | p99 | runs/s one at a time (1 / median) | median vs none |\n|---|---:|---:|---:|---:|---:|\n");
        for (Variant v : variants) {
            Samples samples = all.get(v.key());
            Samples.Summary sum = samples.summary();
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f ms | %.1f ms | %.1f ms | %.0f | %.2f |%n",
                    v.label(),
                    sum.median(),
                    sum.p90(),
                    samples.quantile(0.99),
                    1000 / sum.median(),
                    sum.median() / base));
        }
        return s.toString();
    }
}
