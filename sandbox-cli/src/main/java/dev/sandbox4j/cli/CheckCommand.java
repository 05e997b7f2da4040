package dev.sandbox4j.cli;

import dev.sandbox4j.exec.host.ContainerEnvironment;
import dev.sandbox4j.core.FeatureUnavailableException;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.core.ResolvedMode;
import dev.sandbox4j.exec.host.SystemCapabilities;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-ctl check}: what this system offers for sandboxing and which mode {@code --mode auto} picks,
 * with the reason; in a container also what the container withholds and what a trial sandbox does there. Exits 0 when some mode works, 1 when none does.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Show what this system offers for sandboxing and the mode --mode auto picks, with the reason. "
                + "Exits 0 when some mode can work, 1 when none can.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    private final Supplier<SystemCapabilities> system;

    CheckCommand(Supplier<SystemCapabilities> system) {
        this.system = Objects.requireNonNull(system, "system");
    }

    @Override
    public Integer call() {
        SystemCapabilities capabilities = system.get();
        PrintWriter out = spec.commandLine().getOut();
        out.println("sandbox4j " + VersionProvider.version() + " system check");
        out.println();
        out.print(capabilities.summary());
        out.printf("%-19s%s%n", "user-mode network", dev.sandbox4j.exec.Network.userModeAvailability());
        for (String line : ContainerCheck.lines(ContainerEnvironment.detect(), capabilities)) {
            out.println(line);
        }
        out.println();
        try {
            ResolvedMode auto = capabilities.resolve(PrivilegeMode.AUTO);
            out.println("auto mode resolves to " + auto.mode() + ": " + auto.reason());
            out.flush();
            return ExitCodes.OK;
        } catch (FeatureUnavailableException e) {
            out.println("auto mode resolves to nothing: " + e.getMessage());
            out.flush();
            return ExitCodes.NOTHING_USABLE;
        }
    }
}
