package dev.sandbox4j.exec;

import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompFilter;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
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
    /**
     * Calls that reach past the sandbox's other walls (mounts, namespaces, other processes' memory, keyrings, which
     * are not namespaced) or open large parts of the kernel to the program (BPF, perf, io_uring, userfaultfd,
     * modules): a program that makes one while it is learned from gets it in its enforced profile too.
     */
    static final Set<String> DANGEROUS = Set.of(
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "move_mount",
            "open_tree",
            "fsopen",
            "fsconfig",
            "fsmount",
            "fspick",
            "mount_setattr",
            "unshare",
            "setns",
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "pidfd_getfd",
            "kcmp",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "io_uring_setup",
            "io_uring_enter",
            "io_uring_register",
            "keyctl",
            "add_key",
            "request_key",
            "open_by_handle_at",
            "name_to_handle_at",
            "kexec_load",
            "kexec_file_load",
            "init_module",
            "finit_module",
            "delete_module",
            "reboot",
            "swapon",
            "swapoff",
            "syslog",
            "acct",
            "iopl",
            "ioperm",
            "modify_ldt",
            "quotactl",
            "settimeofday",
            "clock_settime",
            "clock_adjtime",
            "adjtimex",
            "fanotify_init");

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
     * The learned syscalls to review before enforcing what was learned: those in a class that reaches past the
     * sandbox's other walls or opens large parts of the kernel (mount, ptrace, unshare, bpf, io_uring, keyctl, ...).
     * A program that made one while it was learned from would have it in its profile.
     */
    public SortedSet<String> dangerous() {
        SortedSet<String> out = new TreeSet<>(syscalls());
        out.retainAll(DANGEROUS);
        return Collections.unmodifiableSortedSet(out);
    }

    /**
     * The learned syscalls that {@code base} allowed for some arguments only (such as {@code personality}, which
     * the built-in profiles allow only to read the persona or ask for plain Linux): {@link #learnedFilter} allows
     * them with any arguments its own refusals do not cover.
     */
    public SortedSet<String> widened(SeccompFilter base) {
        SortedSet<String> out = new TreeSet<>();
        for (String name : syscalls()) {
            if (base.rulesFor(name).stream()
                    .anyMatch(r -> r.isConditional() && r.action().equals(SeccompAction.ALLOW))) {
                out.add(name);
            }
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
