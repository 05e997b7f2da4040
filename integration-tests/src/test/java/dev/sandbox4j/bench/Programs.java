package dev.sandbox4j.bench;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The programs the harness measures besides {@code /bin/true}, built fresh in a scratch directory so that
 * the figures never depend on a stale binary: a C loop of {@code getppid} calls (the seccomp cost) and a
 * Java hello world (the JVM's start-up floor). Also finds {@code bwrap} and the {@code sandbox-ctl} script.
 */
final class Programs implements AutoCloseable {
    static final List<String> BWRAP = List.of(
            "bwrap",
            "--unshare-all",
            "--die-with-parent",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "/bin/true");

    /**
     * Calls getppid through syscall(2) (never cached by libc) and prints the loop's nanoseconds of CPU time:
     * on a shared machine wall time would mostly measure the wait for a free core.
     */
    private static final String SYSCALL_LOOP_C = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/syscall.h>
            #include <time.h>
            #include <unistd.h>

            int main(int argc, char **argv) {
                long n = argc > 1 ? atol(argv[1]) : 1000000;
                struct timespec a, b;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
                for (long i = 0; i < n; i++)
                    syscall(SYS_getppid);
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
                printf("%lld\\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
                return 0;
            }
            """;

    private static final String HELLO_JAVA = """
            public class Hello {
                public static void main(String[] args) {
                    System.out.println("hello");
                }
            }
            """;

    /** World-readable: the sandboxed runs see it as an unprivileged uid (65534 or the caller's own). */
    final Path directory;

    Programs() throws IOException {
        directory = Files.createTempDirectory("sandbox4j-bench-");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The getppid loop, statically linked (like the launcher, so no loader noise), or why not. */
    Result<Path> syscallLoop() {
        try {
            Path source = directory.resolve("getppid_loop.c");
            Files.writeString(source, SYSCALL_LOOP_C);
            Path binary = directory.resolve("getppid_loop");
            Exec gcc = Exec.run(List.of("gcc", "-O2", "-static", "-o", binary.toString(), source.toString()), 60);
            if (gcc.status() != 0) {
                return Result.failed("gcc failed: " + gcc.firstLine());
            }
            Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
            return Result.of(binary);
        } catch (IOException e) {
            return Result.failed("gcc could not run: " + e.getMessage());
        }
    }

    /** A compiled hello world: the class-path directory to give {@code java}. */
    Result<Path> helloWorld() throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            return Result.failed("this JVM has no compiler (a JRE, not a JDK)");
        }
        Path source = directory.resolve("Hello.java");
        Files.writeString(source, HELLO_JAVA);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, errors, "-d", directory.toString(), source.toString());
        return status == 0
                ? Result.of(directory)
                : Result.failed("javac failed: "
                        + errors.toString(StandardCharsets.UTF_8).strip());
    }

    /** The java launcher of the JVM running the harness: "the same JVM" for every start-up figure. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** bubblewrap, if it is installed and can create its namespaces here (a container may forbid it). */
    static Result<List<String>> bwrap() {
        try {
            Exec probe = Exec.run(BWRAP, 30);
            return probe.status() == 0 ? Result.of(BWRAP) : Result.failed("bwrap failed here: " + probe.firstLine());
        } catch (IOException e) {
            return Result.failed("bwrap is not installed (apt-get install bubblewrap)");
        }
    }

    /** The repository's {@code sandbox-ctl}, searched upwards from the working directory. */
    static Result<Path> sandboxCtl() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("sandbox-ctl");
            if (Files.isExecutable(script) && Files.isDirectory(dir.resolve("sandbox-cli"))) {
                return Result.of(script);
            }
        }
        return Result.failed("no sandbox-ctl above " + Path.of("").toAbsolutePath());
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A value, or the reason there is none (a missing tool is reported, not thrown). */
    record Result<T>(T value, String reason) {
        static <T> Result<T> of(T value) {
            return new Result<>(value, null);
        }

        static <T> Result<T> failed(String reason) {
            return new Result<>(null, reason);
        }

        boolean ok() {
            return value != null;
        }

        Optional<T> get() {
            return Optional.ofNullable(value);
        }
    }

    /** A finished subprocess: its status and its merged output. */
    record Exec(int status, String output) {
        String firstLine() {
            String s = output.strip();
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        }

        static Exec run(List<String> command, long timeoutSeconds) throws IOException {
            return run(command, Map.of(), timeoutSeconds);
        }

        static Exec run(List<String> command, Map<String, String> env, long timeoutSeconds) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            try (var out0 = p.getInputStream();
                    var in0 = p.getOutputStream();
                    var err0 = p.getErrorStream()) {
                byte[] out = out0.readAllBytes();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                    return new Exec(-1, command.get(0) + " did not finish in " + timeoutSeconds + " s");
                }
                return new Exec(p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
