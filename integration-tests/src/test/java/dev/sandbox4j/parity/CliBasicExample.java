package dev.sandbox4j.parity;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * sandbox-rs's command-line example, run for real: each basic use of {@code sandbox-ctl}, in a JVM of its own, with
 * its output and exit status. stress-ng and a script file of upstream's are replaced by a shell loop and
 * {@code python3 -c}.
 */
public final class CliBasicExample {
    /** One use: what was typed, and what came back. */
    record Use(List<String> args, int status, String stdout, String stderr) {}

    private CliBasicExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static Map<String, Use> run(PrintStream out) throws IOException, InterruptedException {
        Map<String, Use> uses = new LinkedHashMap<>();
        use(uses, out, "basic", "run", "--id", "my-sandbox", "/bin/echo", "hello");
        use(
                uses,
                out,
                "memory",
                "run",
                "--id",
                "memory-limited",
                "--memory",
                "100M",
                "/bin/bash",
                "-c",
                "echo 'Running with 100MB memory limit'");
        use(
                uses,
                out,
                "cpu",
                "run",
                "--id",
                "cpu-limited",
                "--cpu",
                "50",
                "/bin/sh",
                "-c",
                "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo busy");
        use(uses, out, "timeout", "run", "--id", "timeout-example", "--timeout", "2", "/bin/sleep", "10");
        use(
                uses,
                out,
                "seccomp",
                "run",
                "--id",
                "minimal-syscalls",
                "--seccomp",
                "minimal",
                "/bin/echo",
                "Only essential syscalls allowed");
        use(
                uses,
                out,
                "restricted",
                "run",
                "--id",
                "restricted",
                "--memory",
                "256M",
                "--cpu",
                "25",
                "--timeout",
                "30",
                "--seccomp",
                "io-heavy",
                "/usr/bin/python3",
                "-c",
                "print('script ran')");
        use(uses, out, "root", "run", "--id", "custom-root", "--root", "/", "/bin/ls", "-d", "/usr");
        use(uses, out, "profiles", "profiles");
        use(uses, out, "check", "check");
        return uses;
    }

    private static void use(Map<String, Use> uses, PrintStream out, String name, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.sandbox4j.cli.SandboxCtl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        // Small outputs: read one after the other once the command has ended.
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.getOutputStream().close();
        Use use = new Use(List.of(args), p.exitValue(), stdout, stderr);
        uses.put(name, use);
        out.println("$ sandbox-ctl " + String.join(" ", args) + "   # exit " + use.status());
        stdout.lines().limit(3).forEach(l -> out.println("  " + l));
        stderr.lines().limit(2).forEach(l -> out.println("  (stderr) " + l));
    }
}
