package dev.sandbox4j.exec;

import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.ArgCondition;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompData;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import dev.sandbox4j.seccomp.SyscallRule;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which refused calls go to the launcher's seccomp supervisor, and what it answers: the policy half of named
 * violations (the launcher only carries it out).
 *
 * <p>The filter's refusal action (its default: KILL_PROCESS for every built-in profile, or an ERRNO) becomes
 * USER_NOTIF in the compiled program, every other instruction unchanged, so permitted calls cost what they did.
 * The kernel ranks KILL above USER_NOTIF, so the refusal cannot stay a kill in a second, stacked filter: the
 * supervisor kills instead (SIGKILL to the caller's process), or returns the errno. Calls the profile answers
 * with another action (ENOSYS for clone3, EACCES for socket, …) are deliberate answers, not violations, and the
 * kernel still gives them without a round trip.
 */
final class SeccompSupervision {
    /** Internal switch: {@code -Dsandbox4j.seccomp.supervisor=false} keeps the kernel's own refusal (no names). */
    static final String SWITCH = "sandbox4j.seccomp.supervisor";
    /**
     * The workload's only calls between the filter and its program (execve; on failure write and exit_group): a
     * notification for one of them would wait for a listener init can only hand over once execve has happened.
     */
    private static final List<String> LAUNCH_CALLS = List.of("execve", "write", "exit_group");

    private final SeccompFilter filter;
    private final Architecture arch;
    private final SeccompAction refusal;
    private final boolean learning;

    private SeccompSupervision(SeccompFilter filter, Architecture arch, SeccompAction refusal, boolean learning) {
        this.filter = filter;
        this.arch = arch;
        this.refusal = refusal;
        this.learning = learning;
    }

    /** The same supervision in learn mode: refused calls are let through and reported instead. */
    SeccompSupervision learning() {
        return new SeccompSupervision(filter, arch, refusal, true);
    }

    /** The supervision for {@code filter} on this host, or empty where the kernel's own refusal must do. */
    static Optional<SeccompSupervision> decide(
            SeccompFilter filter, Architecture arch, boolean kernelHasUserNotification) {
        if (filter == null || !kernelHasUserNotification || "false".equals(System.getProperty(SWITCH))) {
            return Optional.empty();
        }
        SeccompAction refusal = filter.defaultAction();
        if (refusal.kind() != SeccompAction.Kind.KILL_PROCESS && refusal.kind() != SeccompAction.Kind.ERRNO) {
            return Optional.empty(); // ALLOW/LOG refuse nothing; KILL_THREAD and TRAP cannot be imitated from outside
        }
        for (String call : LAUNCH_CALLS) {
            boolean plain = filter.rulesFor(call).stream().noneMatch(SyscallRule::isConditional);
            if (!plain
                    || !filter.evaluate(
                                    arch, SeccompData.of(arch, arch.syscalls().numberOf(call)))
                            .runsSyscall()) {
                return Optional.empty();
            }
        }
        return Optional.of(new SeccompSupervision(filter, arch, refusal, false));
    }

    /** The program the workload loads: {@code compiled} with its refusal returning USER_NOTIF. */
    BpfProgram program(BpfProgram compiled) {
        return compiled.withReturnReplaced(refusal, SeccompAction.USER_NOTIF);
    }

    /** The plan's answer: 0 kills the caller's process, otherwise the errno the call fails with. */
    int response() {
        if (learning) {
            return Wire.NOTIFY_CONTINUE;
        }
        return refusal.kind() == SeccompAction.Kind.KILL_PROCESS ? 0 : refusal.data();
    }

    /** What the launcher reported, in the filter's terms. */
    SeccompViolation describe(LauncherEvent.Violation v) {
        SeccompData call = new SeccompData(v.arch(), v.nr(), v.instructionPointer(), v.args());
        boolean nativeCall = v.arch() == arch.auditArch();
        boolean x32 = nativeCall && arch.hasX32Abi() && (v.nr() & Architecture.X32_SYSCALL_BIT) != 0;
        Optional<String> name = nativeCall && !x32 ? arch.syscalls().nameOf(v.nr()) : Optional.empty();
        String syscall;
        if (name.isPresent()) {
            syscall = name.get();
        } else if (x32) {
            int base = v.nr() & ~Architecture.X32_SYSCALL_BIT;
            syscall = "x32 " + arch.syscalls().nameOf(base).orElse("syscall " + base);
        } else if (nativeCall) {
            syscall = "syscall " + v.nr();
        } else {
            syscall = "syscall " + v.nr() + " of arch 0x" + Integer.toHexString(v.arch());
        }
        SortedMap<Integer, Long> looked = new TreeMap<>();
        for (SyscallRule rule : name.map(filter::rulesFor).orElse(List.of())) {
            for (ArgCondition c : rule.conditions()) {
                looked.put(c.index(), v.args()[c.index()]);
            }
        }
        SeccompProfile permittedBy = null;
        for (SeccompProfile profile : SeccompProfile.values()) {
            if (profile.filter().evaluate(arch, call).runsSyscall()) {
                permittedBy = profile;
                break;
            }
        }
        String archName = nativeCall ? arch.kernelName() : "0x" + Integer.toHexString(v.arch());
        SeccompAction action = v.killed() ? SeccompAction.KILL_PROCESS : refusal;
        return new SeccompViolation(syscall, v.nr(), archName, looked, action, v.workload(), permittedBy);
    }
}
