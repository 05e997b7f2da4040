package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.Architecture.AARCH64;
import static dev.sandbox4j.seccomp.Architecture.X86_64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SeccompProfileTest {
    private static final SeccompAction EPERM = SeccompAction.errno(1);
    private static final SeccompAction ENOSYS = SeccompAction.errno(38);

    /** Decides a native x86_64 call through the compiled program of {@code profile}. */
    private static SeccompAction decide(SeccompProfile profile, String syscall, long... args) {
        BpfInterpreter interpreter = BpfInterpreter.of(profile.filter().compile(X86_64));
        return interpreter
                .run(SeccompData.of(X86_64, X86_64.syscalls().numberOf(syscall), args))
                .action();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void profilesAreCumulative(Architecture arch) {
        SeccompProfile[] profiles = SeccompProfile.values();
        for (int i = 1; i < profiles.length; i++) {
            Set<String> lower = profiles[i - 1].permittedSyscalls(arch);
            Set<String> upper = profiles[i].permittedSyscalls(arch);
            assertThat(upper).as("%s ⊃ %s", profiles[i], profiles[i - 1]).containsAll(lower);
            assertThat(upper.size()).isGreaterThan(lower.size());
            assertThat(profiles[i].includes(profiles[i - 1])).isTrue();
        }
        assertThat(SeccompProfile.UNRESTRICTED.permittedSyscalls(arch))
                .isEqualTo(arch.syscalls().names());
    }

    /** Distinct syscalls of Debian 12 programs under strace (notes/seccomp-landlock.md §7). */
    @Test
    void permitTheSyscallsRealProgramsMake() {
        List<String> trueBinary = List.of(
                "access",
                "arch_prctl",
                "brk",
                "close",
                "execve",
                "exit_group",
                "mmap",
                "mprotect",
                "munmap",
                "newfstatat",
                "openat",
                "pread64",
                "prlimit64",
                "read",
                "rseq",
                "set_robust_list",
                "set_tid_address");
        assertThat(SeccompProfile.ESSENTIAL.permittedSyscalls(X86_64)).containsAll(trueBinary);
        assertThat(SeccompProfile.MINIMAL.permittedSyscalls(X86_64))
                .containsAll(List.of(
                        "futex",
                        "getrandom",
                        "ioctl",
                        "write",
                        "fadvise64",
                        "vfork",
                        "wait4",
                        "rt_sigaction",
                        "rt_sigprocmask",
                        "rt_sigreturn",
                        "getppid",
                        "statx",
                        "lgetxattr",
                        "getxattr",
                        "statfs",
                        "getdents64",
                        "lseek",
                        "sched_getaffinity",
                        "sysinfo",
                        "fcntl",
                        "clone",
                        "pipe2",
                        "dup2",
                        // GNU cat, when stdin and stdout are both files
                        "copy_file_range"));
        assertThat(SeccompProfile.IO_HEAVY.permittedSyscalls(X86_64))
                .containsAll(List.of("copy_file_range", "creat", "mkdir", "unlinkat", "utimensat", "fchmod"));
        assertThat(SeccompProfile.NETWORK.permittedSyscalls(X86_64))
                .containsAll(
                        List.of("socket", "bind", "listen", "accept4", "connect", "sendto", "recvfrom", "setsockopt"));
    }

    @ParameterizedTest
    @EnumSource(value = SeccompProfile.class, names = "UNRESTRICTED", mode = EnumSource.Mode.EXCLUDE)
    void closeTheHolesTheIssueLists(SeccompProfile profile) {
        for (Architecture arch : Architecture.values()) {
            assertThat(profile.permittedSyscalls(arch))
                    .doesNotContain(
                            "unshare",
                            "setns",
                            "io_uring_setup",
                            "io_uring_enter",
                            "io_uring_register",
                            "userfaultfd",
                            "open_by_handle_at",
                            "kexec_load",
                            "kexec_file_load",
                            "bpf",
                            "perf_event_open",
                            "keyctl",
                            "add_key",
                            "request_key",
                            "clone3",
                            "mount",
                            "umount2",
                            "pivot_root",
                            "chroot",
                            "ptrace",
                            "process_vm_writev",
                            "init_module",
                            "finit_module",
                            "fsopen",
                            "move_mount",
                            "open_tree",
                            "reboot",
                            "swapon",
                            "capset",
                            "setgroups",
                            "sethostname",
                            "setdomainname");
        }
        assertThat(decide(profile, "io_uring_setup")).isEqualTo(ENOSYS);
        assertThat(decide(profile, "clone3")).isEqualTo(ENOSYS);
        assertThat(decide(profile, "unshare")).isEqualTo(EPERM);
        assertThat(decide(profile, "keyctl")).isEqualTo(EPERM);
        assertThat(decide(profile, "ptrace")).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(profile, "mount")).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void terminalInjectionIsRefusedOnTheLow32BitsOfTheCommand() {
        SeccompProfile p = SeccompProfile.MINIMAL;
        long tiocsti = 0x5412;
        assertThat(decide(p, "ioctl", 0, tiocsti)).isEqualTo(EPERM);
        assertThat(decide(p, "ioctl", 0, tiocsti | 1L << 32)).isEqualTo(EPERM); // CVE-2019-10063 shape
        assertThat(decide(p, "ioctl", 0, 0xffffffff00005412L)).isEqualTo(EPERM);
        assertThat(decide(p, "ioctl", 0, 0x541C)).isEqualTo(EPERM);
        assertThat(decide(p, "ioctl", 0, tiocsti - 1)).isEqualTo(SeccompAction.ALLOW); // TCSETSF2… neighbours
        assertThat(decide(p, "ioctl", 0, tiocsti + 1)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(p, "ioctl", 1, 0x5401)).isEqualTo(SeccompAction.ALLOW); // TCGETS, isatty()
    }

    @Test
    void cloneIsAllowedOnlyWithoutNamespaceFlags() {
        SeccompProfile p = SeccompProfile.MINIMAL;
        assertThat(decide(p, "clone", 0x01200011L)).isEqualTo(SeccompAction.ALLOW); // fork()
        assertThat(decide(p, "clone", 0x003d0f00L)).isEqualTo(SeccompAction.ALLOW); // pthread_create
        for (long flag :
                new long[] {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L, 0x40000000L
                }) {
            assertThat(decide(p, "clone", 0x01200011L | flag))
                    .as("flag 0x%x", flag)
                    .isEqualTo(EPERM);
        }
        // The kernel reads only the low 32 bits of clone's flags; bits above cannot ask for a namespace.
        assertThat(decide(p, "clone", 0x7E020000L << 32)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(SeccompProfile.ESSENTIAL, "clone", 0)).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void socketsAreSoftDeniedBelowNetworkAndLimitedToUnixAndInetInNetwork() {
        assertThat(decide(SeccompProfile.MINIMAL, "socket", 1)).isEqualTo(SeccompAction.errno(13));
        assertThat(decide(SeccompProfile.COMPUTE, "connect", 3)).isEqualTo(SeccompAction.KILL_PROCESS);
        SeccompProfile n = SeccompProfile.NETWORK;
        for (long family : new long[] {1, 2, 10}) {
            assertThat(decide(n, "socket", family)).isEqualTo(SeccompAction.ALLOW);
            assertThat(decide(n, "socket", family | 1L << 32)).isEqualTo(SeccompAction.ALLOW);
        }
        for (long family : new long[] {0, 3, 9, 11, 16, 17, 38, 40, 0xffffffffL}) {
            assertThat(decide(n, "socket", family)).as("family %d", family).isEqualTo(SeccompAction.errno(97));
        }
    }

    /** The widenings for make, cmake, bash, tclsh, node and the JDK (sandbox-seccomp/README.md). */
    @Test
    void minimalRunsTheCorpusCallsAndSocketpairIsUnixOnlyEverywhere() {
        assertThat(SeccompProfile.MINIMAL.permittedSyscalls(X86_64))
                .containsAll(List.of(
                        "setresuid",
                        "setresgid",
                        "setuid",
                        "setgid",
                        "setreuid",
                        "setregid",
                        "setfsuid",
                        "setfsgid",
                        "capget",
                        "pkey_alloc",
                        "pkey_free",
                        "pkey_mprotect",
                        "getsockname",
                        "getpeername",
                        "getsockopt",
                        "shutdown",
                        "socketpair"));
        assertThat(SeccompProfile.MINIMAL.permittedSyscalls(X86_64))
                .doesNotContain("setsockopt", "sendmsg", "connect", "unlink", "mkdir");
        for (SeccompProfile p : List.of(SeccompProfile.MINIMAL, SeccompProfile.IO_HEAVY, SeccompProfile.NETWORK)) {
            assertThat(decide(p, "socketpair", 1)).as("%s", p).isEqualTo(SeccompAction.ALLOW);
            assertThat(decide(p, "socketpair", 1L | 1L << 32)).as("%s", p).isEqualTo(SeccompAction.ALLOW);
            for (long family : new long[] {0, 2, 10, 16, 30, 0xffffffffL}) {
                assertThat(decide(p, "socketpair", family))
                        .as("%s family %d", p, family)
                        .isEqualTo(SeccompAction.errno(97));
            }
        }
        assertThat(decide(SeccompProfile.ESSENTIAL, "socketpair", 1)).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(SeccompProfile.ESSENTIAL, "setresuid", 0, 0, 0)).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void personalityMayOnlyBeQueriedOrSetToPlainLinux() {
        assertThat(decide(SeccompProfile.MINIMAL, "personality", 0xffffffffL)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(SeccompProfile.MINIMAL, "personality", 0)).isEqualTo(SeccompAction.ALLOW);
        assertThat(decide(SeccompProfile.MINIMAL, "personality", 0x0040000)).isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(decide(SeccompProfile.MINIMAL, "personality", 0x0400000)).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void unrestrictedAllowsEverythingNativeButStillKillsForeignAndX32Calls() {
        BpfInterpreter interpreter =
                BpfInterpreter.of(SeccompProfile.UNRESTRICTED.filter().compile(X86_64));
        assertThat(SeccompProfile.UNRESTRICTED.filter().rules()).isEmpty();
        assertThat(interpreter.run(X86_64.auditArch(), 165 /* mount */, 0).action())
                .isEqualTo(SeccompAction.ALLOW);
        assertThat(interpreter.run(X86_64.auditArch(), 0x40000000 | 165, 0).action())
                .isEqualTo(SeccompAction.KILL_PROCESS);
        assertThat(interpreter.run(0x40000003, 165, 0).action()).isEqualTo(SeccompAction.KILL_PROCESS);
    }

    @Test
    void profilesCompileForBothArchitecturesDespiteX86OnlyNames() {
        for (SeccompProfile p : SeccompProfile.values()) {
            assertThat(p.filter().compile(AARCH64).length()).isPositive();
            assertThat(p.permittedSyscalls(AARCH64)).doesNotContain("open", "fork");
        }
    }

    @Test
    void parsesNamesLeniently() {
        assertThat(SeccompProfile.parse("io-heavy")).isEqualTo(SeccompProfile.IO_HEAVY);
        assertThat(SeccompProfile.parse("IoHeavy")).isEqualTo(SeccompProfile.IO_HEAVY);
        assertThat(SeccompProfile.parse("NETWORK")).isEqualTo(SeccompProfile.NETWORK);
        assertThatThrownBy(() -> SeccompProfile.parse("strict"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'strict'")
                .hasMessageContaining("essential, minimal, io-heavy");
    }
}
