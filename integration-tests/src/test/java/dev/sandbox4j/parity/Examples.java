package dev.sandbox4j.parity;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import java.io.PrintStream;
import java.util.function.Supplier;

/** What the example programs share: a CPU limit where this process can have one, said when it cannot. */
final class Examples {
    private Examples() {}

    /**
     * {@code base} with {@code percent} of one CPU where the resolved mode can enforce it (a cgroup); otherwise
     * without, saying why on {@code out}: sandbox4j refuses a limit it cannot hold rather than ignore it.
     */
    static SandboxConfig withCpuIfPossible(Supplier<SandboxBuilder> base, double percent, PrintStream out) {
        try {
            return base.get().cpuPercent(percent).build();
        } catch (InvalidConfigException | dev.sandbox4j.core.FeatureUnavailableException e) {
            out.println("[!] no CPU limit here: " + e.getMessage());
            return base.get().build();
        }
    }
}
