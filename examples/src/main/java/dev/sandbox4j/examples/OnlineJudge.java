package dev.sandbox4j.examples;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.exec.Input;
import dev.sandbox4j.exec.Output;
import dev.sandbox4j.exec.RunRequest;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxFile;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An online judge: compiles a C or Java submission in one sandbox and runs it against test cases in another, each
 * case with its own time and memory limits (one {@link RunRequest} per case over the same two sandboxes), and gives
 * one verdict per case from {@link SandboxResult#status()}.
 *
 * <pre>
 * java -cp ... dev.sandbox4j.examples.OnlineJudge solution.c      # or Main.java; judges "print a + b"
 * </pre>
 *
 * The submission comes in as a file from bytes; the compiler writes into a workspace directory that the runs see
 * read-only, and that is emptied between submissions.
 */
public final class OnlineJudge implements AutoCloseable {
    /** What a judge says about one test case, or about the whole submission when it does not compile. */
    public enum Verdict {
        ACCEPTED,
        WRONG_ANSWER,
        TIME_LIMIT,
        MEMORY_LIMIT,
        RUNTIME_ERROR,
        SECURITY_VIOLATION,
        COMPILE_ERROR
    }

    public enum Language {
        C,
        JAVA
    }

    public record TestCase(String input, String expectedOutput) {}

    /** The limits of each run of the submission. */
    public record Limits(Duration cpuTime, Duration wallTime, long memoryBytes) {}

    public record CaseResult(int number, Verdict verdict, Duration cpuTime, long memoryPeakBytes, String detail) {}

    /** Per case, in order; a single {@link Verdict#COMPILE_ERROR} with the compiler's words when it did not build. */
    public record Judgement(List<CaseResult> cases, String compilerOutput) {
        public boolean accepted() {
            return !cases.isEmpty() && cases.stream().allMatch(c -> c.verdict() == Verdict.ACCEPTED);
        }
    }

    private static final Path WORK = Path.of("/work");
    private static final Path SOURCE_DIR = Path.of("/src");

    private final Path workspace;
    private final Sandbox compiler;
    private final Sandbox runner;

    public OnlineJudge() throws IOException {
        workspace = Files.createTempDirectory("judge-");
        // The compiled program belongs to the sandbox's user, which on a root host is another uid than ours.
        Files.setPosixFilePermissions(workspace, PosixFilePermissions.fromString("rwxrwxrwx"));
        // The policy: the most any submission gets. Each run asks for less.
        compiler = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.IO_HEAVY)
                .filesystem(FilesystemView.defaults().bind(workspace, WORK).build())
                .timeout(Duration.ofSeconds(120))
                .memoryLimit(1L << 30)
                .pidsLimit(64)
                .stdout(Output.capture(64 << 10))
                .stderr(Output.capture(64 << 10))
                .build());
        runner = Sandbox.create(SandboxConfig.builder()
                .seccomp(SeccompProfile.IO_HEAVY) // a JVM creates its temporary files; C programs would do with MINIMAL
                .filesystem(FilesystemView.defaults().roBind(workspace, WORK).build())
                .timeout(Duration.ofSeconds(60))
                .memoryLimit(1L << 30)
                .pidsLimit(64)
                .stdout(Output.capture(1 << 20))
                .stderr(Output.capture(64 << 10))
                .build());
    }

    /** Compiles and runs {@code source} against every case; the workspace is empty again afterwards. */
    public Judgement judge(Language language, String source, List<TestCase> cases, Limits limits)
            throws InterruptedException, IOException {
        try {
            SandboxResult build = compiler.run(compileRequest(language, source));
            if (build.status() != RunStatus.EXITED || build.exitCode().orElse(1) != 0) {
                String words = (build.stderrText() + build.stdoutText()).strip();
                return new Judgement(
                        List.of(new CaseResult(
                                0,
                                Verdict.COMPILE_ERROR,
                                build.cpuTime(),
                                build.memoryPeakBytes(),
                                build.status() + ": " + words)),
                        words);
            }
            List<CaseResult> results = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                results.add(runCase(i + 1, language, cases.get(i), limits));
            }
            return new Judgement(results, build.stderrText());
        } finally {
            emptyWorkspace();
        }
    }

    private static RunRequest compileRequest(Language language, String source) {
        byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
        return switch (language) {
            case C ->
                RunRequest.builder(List.of("gcc", "-O2", "-o", "/work/main", "/src/main.c", "-lm"))
                        .file(SandboxFile.readOnly(SOURCE_DIR.resolve("main.c"), bytes))
                        .cwd(WORK)
                        .build();
            case JAVA ->
                RunRequest.builder(List.of("javac", "-J-XX:-UsePerfData", "-d", "/work", "/src/Main.java"))
                        .file(SandboxFile.readOnly(SOURCE_DIR.resolve("Main.java"), bytes))
                        .cwd(WORK)
                        .build();
        };
    }

    private CaseResult runCase(int number, Language language, TestCase test, Limits limits)
            throws InterruptedException {
        List<String> command = language == Language.C
                ? List.of("/work/main")
                : List.of("java", "-XX:-UsePerfData", "-Xshare:auto", "-cp", "/work", "Main");
        SandboxResult r;
        try {
            r = runner.run(RunRequest.builder(command)
                    .stdin(Input.text(test.input()))
                    .cpuTimeLimit(limits.cpuTime())
                    .timeout(limits.wallTime())
                    .memoryLimit(limits.memoryBytes())
                    .cwd(WORK)
                    .build());
        } catch (SandboxException e) {
            return new CaseResult(number, Verdict.RUNTIME_ERROR, Duration.ZERO, 0, e.getMessage());
        }
        Verdict verdict = switch (r.status()) {
            case SECCOMP_VIOLATION -> Verdict.SECURITY_VIOLATION;
            case MEMORY_LIMIT -> Verdict.MEMORY_LIMIT;
            case CPU_TIME_LIMIT, TIMEOUT -> Verdict.TIME_LIMIT;
            case SIGNALED, SETUP_FAILED, SANDBOX_FAILED -> Verdict.RUNTIME_ERROR;
            case EXITED ->
                r.exitCode().getAsInt() != 0
                        ? Verdict.RUNTIME_ERROR
                        : r.stdoutText().strip().equals(test.expectedOutput().strip())
                                ? Verdict.ACCEPTED
                                : Verdict.WRONG_ANSWER;
        };
        String detail = r.status()
                + r.exitCode().stream().mapToObj(c -> " exit " + c).findFirst().orElse("")
                + r.signalName().map(s -> " " + s).orElse("")
                + r.blockedSyscall().map(s -> " (" + s + ")").orElse("");
        return new CaseResult(number, verdict, r.cpuTime(), r.memoryPeakBytes(), detail);
    }

    private void emptyWorkspace() throws IOException {
        try (Stream<Path> tree = Files.walk(workspace)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(workspace)) {
                    Files.delete(p);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            compiler.close();
            runner.close();
        } finally {
            emptyWorkspace();
            Files.deleteIfExists(workspace);
        }
    }

    /** The sample problem: read two integers, print their sum. */
    public static List<TestCase> sumProblem() {
        return List.of(new TestCase("1 2\n", "3"), new TestCase("40 2\n", "42"), new TestCase("-5 5\n", "0"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: OnlineJudge SOURCE.c|Main.java   (judges the sample problem: print a + b)");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        Language language = source.toString().endsWith(".java") ? Language.JAVA : Language.C;
        Limits limits = language == Language.C
                ? new Limits(Duration.ofSeconds(1), Duration.ofSeconds(3), 64L << 20)
                : new Limits(Duration.ofSeconds(5), Duration.ofSeconds(20), 512L << 20);
        try (OnlineJudge judge = new OnlineJudge()) {
            Judgement j = judge.judge(language, Files.readString(source), sumProblem(), limits);
            for (CaseResult c : j.cases()) {
                System.out.printf(
                        "case %d: %s (cpu %d ms, memory %d KiB) %s%n",
                        c.number(), c.verdict(), c.cpuTime().toMillis(), c.memoryPeakBytes() >> 10, c.detail());
            }
            System.out.println(j.accepted() ? "ACCEPTED" : "REJECTED");
        }
    }
}
