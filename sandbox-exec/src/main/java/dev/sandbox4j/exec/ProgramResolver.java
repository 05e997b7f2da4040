package dev.sandbox4j.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the program to execute the way execvp(3) does, against the sandbox's PATH rather than the JVM's:
 * a name containing '/' is used as is (relative to the sandbox's working directory); otherwise each PATH
 * entry is tried in order (an empty entry is the working directory). A candidate that exists but cannot
 * be executed is remembered and reported as "not executable" only if no later entry has a runnable one,
 * which is what shells do.
 *
 * <p>Resolution runs on the host's filesystem, which is the sandbox's view while there is no root switch;
 * the launcher's execve stays the final judge and its ENOENT/EACCES come back the same way.
 */
final class ProgramResolver {
    static final String STEP = "resolve program";

    private ProgramResolver() {}

    static String resolve(String program, String path, Path workingDirectory) {
        return resolve(program, path, workingDirectory, Optional::of);
    }

    /**
     * As {@link #resolve(String, String, Path)}, for a sandbox with its own filesystem view: candidates
     * are paths inside the view, checked at the host path {@code hostPath} maps them to (empty = not there).
     */
    static String resolve(String program, String path, Path workingDirectory, Function<Path, Optional<Path>> hostPath) {
        if (program.isEmpty()) {
            throw new ProgramNotRunnableException(STEP, ProgramNotRunnableException.ENOENT, program);
        }
        if (program.indexOf('/') >= 0) {
            Path candidate = workingDirectory.resolve(program).normalize();
            return switch (check(hostPath.apply(candidate))) {
                case RUNNABLE -> program.startsWith("/") ? program : candidate.toString();
                case MISSING ->
                    throw new ProgramNotRunnableException(STEP, ProgramNotRunnableException.ENOENT, program);
                case NOT_EXECUTABLE ->
                    throw new ProgramNotRunnableException(STEP, ProgramNotRunnableException.EACCES, program);
            };
        }
        boolean sawNotExecutable = false;
        for (String entry : (path == null ? "" : path).split(":", -1)) {
            Path dir = entry.isEmpty() ? workingDirectory : workingDirectory.resolve(entry);
            Path candidate = dir.resolve(program).normalize();
            switch (check(hostPath.apply(candidate))) {
                case RUNNABLE:
                    return candidate.toString();
                case NOT_EXECUTABLE:
                    sawNotExecutable = true;
                    break;
                default:
                    break;
            }
        }
        throw new ProgramNotRunnableException(
                STEP,
                sawNotExecutable ? ProgramNotRunnableException.EACCES : ProgramNotRunnableException.ENOENT,
                program);
    }

    private enum Check {
        RUNNABLE,
        MISSING,
        NOT_EXECUTABLE
    }

    private static Check check(Optional<Path> hostCandidate) {
        if (hostCandidate.isEmpty() || !Files.exists(hostCandidate.get())) {
            return Check.MISSING;
        }
        Path candidate = hostCandidate.get();
        return Files.isRegularFile(candidate) && Files.isExecutable(candidate) ? Check.RUNNABLE : Check.NOT_EXECUTABLE;
    }
}
