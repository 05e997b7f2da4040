package dev.sandbox4j.it;

import dev.sandbox4j.cgroup.CgroupConfig;
import dev.sandbox4j.cgroup.CgroupLayout;
import dev.sandbox4j.cgroup.SandboxCgroup;
import dev.sandbox4j.cgroup.SandboxCgroups;
import java.util.Arrays;
import java.util.List;

/**
 * What a privileged run's cgroup adds to its latency: create (limits written), stats, close, in one warm JVM,
 * with and without limits, medians. Not a test: run it by hand as root, e.g.
 * {@code java -cp <test class path> dev.sandbox4j.it.CgroupLatency 500}.
 */
public final class CgroupLatency {
    private CgroupLatency() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        CgroupLayout layout = CgroupLayout.detect(); // as a SandboxConfig holds it
        CgroupConfig limits =
                CgroupConfig.builder().memory("64M").cpuPercent(20).maxPids(32).build();
        for (CgroupConfig config : List.of(CgroupConfig.NONE, limits, CgroupConfig.NONE, limits)) {
            long[] create = new long[runs];
            long[] stats = new long[runs];
            long[] close = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                SandboxCgroup cgroup = SandboxCgroups.create("latency", config, layout);
                long t1 = System.nanoTime();
                cgroup.stats();
                long t2 = System.nanoTime();
                cgroup.close();
                long t3 = System.nanoTime();
                create[i] = t1 - t0;
                stats[i] = t2 - t1;
                close[i] = t3 - t2;
            }
            System.out.printf(
                    "%-75s create %.2f ms, stats %.2f ms, close %.2f ms (medians of %d)%n",
                    config, median(create), median(stats), median(close), runs);
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
