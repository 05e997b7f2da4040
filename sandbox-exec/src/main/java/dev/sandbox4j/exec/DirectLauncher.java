package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A launcher per run, started by ProcessBuilder with the workload's stdio as its own. Costs the JVM's
 * spawn path every run (jspawnhelper and an extra exec, ~4 ms on the reference host) but needs no native
 * binding: what a one-shot process such as the CLI prefers.
 */
final class DirectLauncher implements LauncherProcess {
    private static final File DEV_NULL = new File("/dev/null");

    private final Process process;

    DirectLauncher(Process process) {
        this.process = process;
    }

    static DirectLauncher start(LauncherBinary launcher, Path socket, Input stdin, Output stdout, Output stderr) {
        launcher.checkUnchanged();
        ProcessBuilder pb = new ProcessBuilder(List.of(launcher.path().toString(), "--accept", socket.toString()));
        pb.environment().clear(); // the launcher needs none; the program's environment is in the plan
        pb.redirectInput(
                switch (stdin.kind) {
                    case NONE -> ProcessBuilder.Redirect.from(DEV_NULL);
                    case FILE -> ProcessBuilder.Redirect.from(stdin.file.toFile());
                    case INHERIT -> ProcessBuilder.Redirect.INHERIT;
                    case BYTES, PIPE -> ProcessBuilder.Redirect.PIPE;
                });
        pb.redirectOutput(redirect(stdout));
        pb.redirectError(redirect(stderr));
        try {
            return new DirectLauncher(pb.start());
        } catch (IOException e) {
            if (stdin.kind == Input.Kind.FILE) {
                throw new SandboxException(
                        "cannot open the standard input file " + stdin.file + ": " + e.getMessage(), e);
            }
            throw new SandboxException("cannot start the launcher " + launcher.path() + ": " + e.getMessage(), e);
        }
    }

    private static ProcessBuilder.Redirect redirect(Output output) {
        return switch (output.kind) {
            case CAPTURE, PIPE -> ProcessBuilder.Redirect.PIPE;
            case INHERIT -> ProcessBuilder.Redirect.INHERIT;
            case DISCARD -> ProcessBuilder.Redirect.DISCARD;
            case FILE -> ProcessBuilder.Redirect.to(output.file.toFile());
        };
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return process.getErrorStream();
    }

    @Override
    public boolean waitFor(long nanos) throws InterruptedException {
        return process.waitFor(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void destroyForcibly() {
        process.destroyForcibly();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String exitDescription() {
        return "exit status " + process.exitValue();
    }
}
