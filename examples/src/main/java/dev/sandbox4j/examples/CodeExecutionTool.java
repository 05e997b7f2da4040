package dev.sandbox4j.examples;

import dev.sandbox4j.exec.CollectedFile;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxFile;
import dev.sandbox4j.exec.SandboxProcess;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.Usage;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A code-execution tool, as a service that runs what a user (or a model) wrote: a Python snippet with input files
 * handed in as bytes, its output streamed line by line while it runs, a usage snapshot taken along the way, and its
 * output files read back at the end.
 *
 * <pre>
 * java -cp ... dev.sandbox4j.examples.CodeExecutionTool 'print(open("/data/in.txt").read().upper())'
 * </pre>
 */
public final class CodeExecutionTool implements AutoCloseable {
    static final Path OUTPUT = Path.of("/output/result.txt");

    /** What one execution gave: the lines as they came, the verdict, the files written, the fullest usage seen. */
    public record Execution(
            List<String> lines,
            RunStatus status,
            int exitCode,
            String stderr,
            Map<Path, CollectedFile> files,
            Usage usage) {}

    private final Sandbox sandbox;
    private final Duration cpuTimeLimit;

    /** Each snippet gets at most {@code cpuTimeLimit} of CPU time and 30 s of wall-clock time. */
    public CodeExecutionTool(Duration cpuTimeLimit) {
        this.cpuTimeLimit = cpuTimeLimit;
        sandbox = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.IO_HEAVY)
                .filesystem(FilesystemView.defaults()
                        .dir(Path.of("/data"))
                        .build()) // the snippet's directory, inputs or not
                .timeout(Duration.ofSeconds(30))
                .memoryLimit(512L << 20)
                .pidsLimit(32)
                .env("PYTHONUNBUFFERED", "1") // each print reaches the stream when it happens
                .build());
    }

    /**
     * Runs {@code snippet} with {@code inputs} (path inside → content) under {@code /data}, streaming each line of
     * its output to {@code onLine}; {@code /output/result.txt} is writable and read back, up to 1 MiB.
     */
    public Execution execute(String snippet, Map<String, String> inputs, Consumer<String> onLine) throws Exception {
        RunRequest.Builder request = RunRequest.builder(List.of("/usr/bin/python3", "-I", "-c", snippet))
                .stdout(Output.pipe())
                .cpuTimeLimit(cpuTimeLimit)
                .file(SandboxFile.writable(OUTPUT, new byte[0]))
                .collect(OUTPUT, 1 << 20)
                .cwd(Path.of("/data"));
        inputs.forEach((name, content) -> request.file(SandboxFile.readOnly(Path.of("/data", name), content)));
        List<String> lines = new ArrayList<>();
        Usage usage = null;
        try (SandboxProcess process = sandbox.start(request.build())) {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                onLine.accept(line);
                if (process.isAlive()) {
                    // The fullest reading: one taken as the program ends shows what little is left of it.
                    Usage now = process.usage();
                    if (usage == null
                            || now.memoryCurrentBytes().orElse(0)
                                    >= usage.memoryCurrentBytes().orElse(0)) {
                        usage = now;
                    }
                }
            }
            SandboxResult r = process.waitFor();
            return new Execution(lines, r.status(), r.exitCode().orElse(-1), r.stderrText(), r.files(), usage);
        }
    }

    @Override
    public void close() {
        sandbox.close();
    }

    public static void main(String[] args) throws Exception {
        String snippet = args.length > 0
                ? args[0]
                : String.join(
                        "\n",
                        "import time",
                        "rows = open('in.txt').read().split()",
                        "for i, row in enumerate(rows):",
                        "    print(f'row {i}: {row}')",
                        "    time.sleep(0.2)",
                        "open('/output/result.txt', 'w').write(str(len(rows)) + ' rows\\n')");
        try (CodeExecutionTool tool = new CodeExecutionTool(Duration.ofSeconds(10))) {
            Execution e = tool.execute(
                    snippet, Map.of("in.txt", "alpha beta gamma\n"), line -> System.out.println("> " + line));
            System.out.println("status " + e.status() + ", exit " + e.exitCode());
            e.files()
                    .forEach((path, file) ->
                            System.out.println(path + ": " + file.text().strip()));
            if (e.usage() != null) {
                System.out.printf(
                        "usage while running: %d KiB, cpu %d ms, %d tasks (%s)%n",
                        e.usage().memoryCurrentBytes().orElse(0) >> 10,
                        e.usage().cpuTime().toMillis(),
                        e.usage().pids().orElse(0),
                        e.usage().source());
            }
            if (!e.stderr().isEmpty()) {
                System.out.print(e.stderr());
            }
        }
    }
}
