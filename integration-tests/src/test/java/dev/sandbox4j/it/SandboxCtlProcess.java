package dev.sandbox4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.cli.SandboxCtl;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * sandbox-ctl in a JVM of its own, started with the options {@code ./sandbox-ctl} uses, for the tests of the command
 * line. Its output goes to files, so a chatty run cannot fill a pipe nobody reads.
 */
final class SandboxCtlProcess {
    private final List<String> args;
    private final List<String> jvmOptions = new ArrayList<>();
    private Path directory;
    private String stdin;
    private Duration deadline = Duration.ofSeconds(120);
    private final Map<String, String> environment = new HashMap<>();

    private SandboxCtlProcess(List<String> args) {
        this.args = List.copyOf(args);
    }

    static SandboxCtlProcess of(String... args) {
        return new SandboxCtlProcess(List.of(args));
    }

    static SandboxCtlProcess of(List<String> args) {
        return new SandboxCtlProcess(args);
    }

    /** The JVM command line that runs sandbox-ctl with {@code args}. */
    static List<String> command(List<String> args) {
        return command(List.of(), args);
    }

    private static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SandboxCtl.class.getName()));
        command.addAll(args);
        return command;
    }

    /** An option for sandbox-ctl's JVM, such as a system property. */
    SandboxCtlProcess jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /** Runs in {@code directory} instead of the test's working directory. */
    SandboxCtlProcess in(Path directory) {
        this.directory = directory;
        return this;
    }

    /** {@code text} on standard input; /dev/null otherwise. */
    SandboxCtlProcess stdin(String text) {
        this.stdin = text;
        return this;
    }

    SandboxCtlProcess env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    SandboxCtlProcess deadline(Duration deadline) {
        this.deadline = deadline;
        return this;
    }

    /** Runs it to the end; fails the test if it is still running at the deadline. */
    Result run() throws IOException, InterruptedException {
        Path io = Files.createTempDirectory("sandbox-ctl-io");
        Path in = io.resolve("stdin");
        Path out = io.resolve("stdout");
        Path err = io.resolve("stderr");
        try {
            ProcessBuilder builder = new ProcessBuilder(command(jvmOptions, args))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            } else {
                builder.redirectInput(Files.writeString(in, stdin).toFile());
            }
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            builder.environment().putAll(environment);
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("sandbox-ctl " + String.join(" ", args) + " still ran after " + deadline
                        + "; stderr: " + Files.readString(err));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err), took);
        } finally {
            for (Path file : List.of(in, out, err, io)) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** What one sandbox-ctl process did. */
    record Result(int status, String stdout, String stderr, Duration took) {
        List<String> stderrLines() {
            return stderr.lines().collect(Collectors.toList());
        }

        /** The last line of stderr: where {@code --report -} puts the JSON, after everything else. */
        String report() {
            List<String> lines = stderrLines();
            assertThat(lines).as("stderr").isNotEmpty();
            return lines.get(lines.size() - 1);
        }
    }
}
