package dev.sandbox4j.exec;

import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompFilter;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Collects the system calls a run made that its seccomp filter would have refused, for
 * {@link SandboxBuilder#seccompLearning(SeccompLearner)}: such calls are let through instead
 * ({@code SECCOMP_USER_NOTIF_FLAG_CONTINUE}) and recorded here, so that {@link #learnedFilter(SeccompFilter)}
 * gives the smallest widening of the filter that runs the same program.
 *
 * <p><b>For trusted runs only.</b> A let-through call is not a security boundary: the program runs with the
 * filter's refusals turned off. Learn from a build or test you would run unsandboxed, then enforce the result.
 * Thread-safe; one learner may collect over several runs.
 */
public final class SeccompLearner {
    private final Architecture arch = Architecture.current();
    private final ConcurrentSkipListSet<Integer> numbers = new ConcurrentSkipListSet<>();

    /** An empty learner. */
    public SeccompLearner() {}

    void record(LauncherEvent.Learned call) {
        if (call.arch() == arch.auditArch()) {
            numbers.add(call.nr()); // other ABIs are killed before the filter's rules, never let through
        }
    }

    /** The syscalls let through so far, by name ({@code syscall N} for a number the table does not name). */
    public SortedSet<String> syscalls() {
        SortedSet<String> out = new TreeSet<>();
        for (int nr : numbers) {
            out.add(name(nr).orElse("syscall " + nr));
        }
        return Collections.unmodifiableSortedSet(out);
    }

    /**
     * {@code base} with every learned syscall allowed whatever its arguments. The base's own rules stay: a
     * stronger conditional rule (an errno for some arguments) still decides where it holds.
     */
    public SeccompFilter learnedFilter(SeccompFilter base) {
        SeccompFilter.Builder b = base.toBuilder();
        for (int nr : numbers) {
            Optional<String> name = name(nr);
            if (name.isPresent()) {
                b.allow(name.get());
            } else {
                b.rule(nr, SeccompAction.ALLOW);
            }
        }
        return b.build();
    }

    private Optional<String> name(int nr) {
        return arch.syscalls().nameOf(nr);
    }

    @Override
    public String toString() {
        return "SeccompLearner" + syscalls();
    }
}
