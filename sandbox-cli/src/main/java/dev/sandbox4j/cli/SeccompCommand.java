package dev.sandbox4j.cli;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.internal.IoErrors;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.BpfInterpreter;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.NamedSeccompFilter;
import dev.sandbox4j.seccomp.OciSeccompProfile;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompData;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import dev.sandbox4j.seccomp.SeccompProfileRegistry;
import dev.sandbox4j.seccomp.SyscallRule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code sandbox-ctl seccomp [PROFILE] [--export FILE] [--export-oci FILE] [--explain SYSCALL[,ARG...]]
 * [--disassemble]}: lists the seccomp profiles, shows what one permits, exports its compiled BPF program or
 * its OCI/Docker JSON, or explains how it decides one call. PROFILE is a built-in name, a profile from the
 * profile directories, or an OCI JSON file. Everything here is a thin view of {@code sandbox-seccomp};
 * {@code seccomp learn} is {@link LearnCommand}.
 */
public final class SeccompCommand implements Callable<Integer> {
    String profileName;
    boolean list;
    Path export;
    Path exportOci;
    String explain;
    boolean disassemble;
    String archName = "x86_64";
    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    public SeccompCommand() {
        spec.name("seccomp")
                .usageMessage()
                .sortOptions(false)
                .description(
                        "List the seccomp profiles; with PROFILE, show its syscalls and argument rules.",
                        "Profiles are cumulative: essential < minimal < io-heavy < compute < network < unrestricted.",
                        "PROFILE may also name NAME.json in ~/.config/sandbox4j/seccomp ($XDG_CONFIG_HOME) or "
                                + "/etc/sandbox4j/seccomp, or be the path of an OCI/Docker seccomp JSON file.",
                        "'sandbox-ctl seccomp learn --help': write a profile from what a trusted program uses.");
        SandboxCtl.standardHelpOptions(spec);
        SandboxCtl.Binding profile = SandboxCtl.Binding.of(() -> profileName, (String v) -> profileName = v);
        spec.addPositional(PositionalParamSpec.builder()
                .index("0")
                .arity("0..1")
                .paramLabel("PROFILE")
                .type(String.class)
                .description("essential, minimal, io-heavy, compute, network, unrestricted, a NAME from the "
                        + "profile directories, or an OCI/Docker JSON FILE")
                .getter(profile)
                .setter(profile)
                .build());
        SandboxCtl.option(
                spec,
                OptionSpec.builder("-l", "--list")
                        .type(boolean.class)
                        .description("List the profiles with their syscall counts (the default)."),
                () -> list,
                v -> list = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--export")
                        .paramLabel("FILE")
                        .type(Path.class)
                        .description(
                                "Write PROFILE's compiled BPF program to FILE: the raw little-endian struct sock_filter "
                                        + "array (8 bytes per instruction) that seccomp(SECCOMP_SET_MODE_FILTER) loads."),
                () -> export,
                v -> export = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--export-oci")
                        .paramLabel("FILE")
                        .type(Path.class)
                        .description(
                                "Write PROFILE as an OCI/Docker seccomp JSON profile (what docker/podman --security-opt "
                                        + "seccomp=FILE and Kubernetes Localhost profiles read), with the same decisions under "
                                        + "libseccomp."),
                () -> exportOci,
                v -> exportOci = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--explain")
                        .paramLabel("SYSCALL[,ARG...]")
                        .type(String.class)
                        .description(
                                "Run the compiled program on one call and print the decision. SYSCALL is a name or a "
                                        + "number (as the audit log prints it): ioctl,0,0x5412 or 16,0,0x5412."),
                () -> explain,
                v -> explain = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--disassemble")
                        .type(boolean.class)
                        .description("Print PROFILE's compiled program, one instruction a line."),
                () -> disassemble,
                v -> disassemble = v);
        SandboxCtl.option(
                spec,
                OptionSpec.builder("--arch")
                        .paramLabel("ARCH")
                        .type(String.class)
                        .description("Architecture to count, compile and explain for: x86_64 (default) or aarch64."),
                () -> archName,
                v -> archName = v);
    }

    CommandSpec spec() {
        return spec;
    }

    /** This command with its {@code learn} subcommand. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new SeccompCommand().spec);
        line.addSubcommand(LearnCommand.commandLine());
        return line;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Architecture arch;
        NamedSeccompFilter profile = null;
        try {
            arch = Architecture.fromKernelName(archName);
            if (profileName != null) {
                profile = SeccompProfileRegistry.standard().resolve(profileName);
                if (profile.builtIn().isEmpty()
                        && !profile.source().equals("registered")
                        && arch != Architecture.current()) {
                    // A file means what libseccomp makes of it on the architecture asked about.
                    OciSeccompProfile read = OciSeccompProfile.read(
                            Path.of(profile.source()), arch, System.getProperty("os.version", ""));
                    profile = NamedSeccompFilter.of(profile.name(), read);
                }
            }
        } catch (SandboxException e) {
            return usageError(e.getMessage());
        }
        if (profile == null) {
            if (export != null || exportOci != null || explain != null || disassemble) {
                return usageError("--export, --export-oci, --explain and --disassemble need a PROFILE (valid "
                        + "profiles are " + SeccompProfile.validNames() + ", a NAME from the profile directories, "
                        + "or a FILE)");
            }
            listProfiles(out, arch);
            return ExitCode.OK;
        }
        for (String note : profile.notes()) {
            spec.commandLine().getErr().println("sandbox-ctl seccomp: " + profile.source() + ": " + note);
        }
        try {
            BpfProgram program = profile.filter().compile(arch);
            // --explain first: a bad one is a usage error, and a bad command line writes no file.
            int explained = explain == null ? ExitCode.OK : explain(out, profile, arch, program);
            if (explained != ExitCode.OK) {
                return explained;
            }
            if (export != null) {
                OutputFile.write(export, program.toBytes());
                out.printf(
                        "wrote %s: %d instructions (%d bytes) of %s BPF for profile %s%n",
                        export, program.length(), program.length() * 8, arch, profile.name());
            }
            if (exportOci != null) {
                OutputFile.write(
                        exportOci,
                        OciSeccompProfile.toJson(profile.filter(), arch).getBytes(StandardCharsets.UTF_8));
                out.printf("wrote %s: OCI seccomp profile %s for %s%n", exportOci, profile.name(), arch);
            }
            if (explain != null) {
                return ExitCode.OK;
            }
            if (disassemble) {
                out.print(program.disassemble());
            }
            if (export == null && exportOci == null && !disassemble) {
                showProfile(out, profile, arch, program);
            }
        } catch (IOException e) {
            // The FILE given cannot be written (no such directory, no permission, a full disk): a bad --export.
            Path target = export != null ? export : exportOci;
            return usageError("cannot write " + (export != null ? "--export " : "--export-oci ") + target + ": "
                    + IoErrors.describe(e, target.toAbsolutePath().toString()));
        } catch (SandboxException e) {
            return usageError(e.getMessage());
        }
        return ExitCode.OK;
    }

    private int usageError(String message) {
        spec.commandLine().getErr().println("sandbox-ctl seccomp: " + message);
        return ExitCode.USAGE;
    }

    /** One line per profile: name, syscall count on {@code arch}, description. Also used by {@code profiles}. */
    static void listProfiles(PrintWriter out, Architecture arch) {
        out.printf(
                "%-13s %8s  %s%n",
                "SECCOMP",
                "SYSCALLS",
                "DESCRIPTION (" + arch + ", of " + arch.syscalls().size() + " syscalls)");
        for (SeccompProfile p : SeccompProfile.values()) {
            out.printf("%-13s %8d  %s%n", p.cliName(), p.permittedSyscalls(arch).size(), p.description());
        }
        // Profiles by name from the profile directories and registrations, after the built-in ones.
        for (var e : SeccompProfileRegistry.standard().available().entrySet()) {
            if (e.getValue().equals("built-in")) {
                continue;
            }
            String count;
            try {
                count = Integer.toString(SeccompProfileRegistry.standard()
                        .resolve(e.getKey())
                        .filter()
                        .permittedSyscalls(arch)
                        .size());
            } catch (SandboxException ex) {
                count = "error";
            }
            out.printf("%-13s %8s  %s%n", e.getKey(), count, "from " + e.getValue());
        }
    }

    private static void showProfile(
            PrintWriter out, NamedSeccompFilter profile, Architecture arch, BpfProgram program) {
        SeccompFilter filter = profile.filter();
        List<String> permitted = List.copyOf(filter.permittedSyscalls(arch));
        out.printf(
                "profile %s (%s): %s%n",
                profile.name(),
                arch,
                profile.builtIn().map(SeccompProfile::description).orElse("from " + profile.source()));
        out.printf(
                "%d of %d syscalls permitted; otherwise %s; numbers the table does not know: %s; %d BPF instructions%n",
                permitted.size(),
                arch.syscalls().size(),
                filter.defaultAction().describe(),
                filter.unknownSyscallAction().describe(),
                program.length());
        out.println();
        out.println("permitted:");
        for (String name : permitted) {
            out.println("  " + name);
            for (SyscallRule rule : filter.rulesFor(name)) {
                if (rule.isConditional()) {
                    out.println("      " + describe(rule));
                }
            }
        }
        List<SyscallRule> refusals = filter.rules().stream()
                .filter(r -> !r.isConditional()
                        && !r.action().runsSyscall()
                        && arch.syscalls().contains(r.name()))
                .toList();
        if (!refusals.isEmpty()) {
            out.println("refused with an answer:");
            for (SyscallRule rule : refusals) {
                out.println("  " + rule.name() + " → " + rule.action().describe());
            }
        }
    }

    /** {@code → ERRNO(1) EPERM if arg1.lo32 == 0x5412}. */
    private static String describe(SyscallRule rule) {
        return "→ " + rule.action().describe() + " if "
                + rule.conditions().stream().map(Object::toString).collect(Collectors.joining(" && "));
    }

    private int explain(PrintWriter out, NamedSeccompFilter profile, Architecture arch, BpfProgram program) {
        // -1: "ioctl,1," has an empty third part, which is an error, not nothing.
        String[] parts = explain.split(",", -1);
        if (parts.length > 7) {
            return usageError("--explain takes a syscall and at most 6 arguments, got " + (parts.length - 1));
        }
        String syscall = parts[0].trim();
        int nr;
        String name;
        if (syscall.isEmpty() || !syscall.matches("[A-Za-z0-9_]+")) {
            return usageError("--explain '" + explain + "': '" + syscall + "' is neither a syscall name nor a "
                    + "number; expected SYSCALL[,ARG...], e.g. ioctl,0,0x5412 or 16,0,0x5412");
        } else if (Character.isDigit(syscall.charAt(0))) {
            // A number, as the kernel's audit log prints it (syscall=16); numbers the table does not name
            // are decided too, by the profile's unknown-syscall action.
            long n;
            try {
                n = parseNumber(syscall);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > 0xFFFF_FFFFL) {
                return usageError("--explain syscall '" + syscall + "' is not a syscall number: expected 0 to "
                        + "4294967295, decimal or hexadecimal with 0x");
            }
            nr = (int) n;
            name = arch.syscalls().nameOf(nr).orElse("syscall " + Integer.toUnsignedString(nr));
        } else {
            try {
                nr = arch.syscalls().numberOf(syscall);
            } catch (SandboxException e) {
                return usageError(e.getMessage());
            }
            name = syscall;
        }
        long[] args = new long[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            try {
                args[i - 1] = parseNumber(parts[i].trim()); // an empty argument is no number either
            } catch (NumberFormatException e) {
                return usageError("--explain argument " + (i - 1) + " '" + parts[i].trim()
                        + "' is not a number (decimal, or hexadecimal with 0x)");
            }
        }
        BpfInterpreter.Execution run = BpfInterpreter.of(program).run(SeccompData.of(arch, nr, args));
        SeccompAction action = run.action();
        StringBuilder call = new StringBuilder(name).append('(');
        for (int i = 0; i < args.length; i++) {
            call.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
        }
        out.printf(
                "%s on %s under %s: %s (syscall %s, %d BPF instructions executed)%n",
                call.append(')'),
                arch,
                profile.name(),
                action.describe(),
                Integer.toUnsignedString(nr),
                run.instructionsExecuted());
        return ExitCode.OK;
    }

    private static long parseNumber(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.startsWith("0x")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }
}
