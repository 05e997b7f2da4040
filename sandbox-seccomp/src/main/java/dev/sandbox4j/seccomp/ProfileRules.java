package dev.sandbox4j.seccomp;

import static dev.sandbox4j.seccomp.ArgCondition.arg32;

import java.util.List;

/**
 * The contents of the built-in profiles. Same intent as sandbox-rs 0.2.1's lists, widened where real
 * Debian 12 programs need more (each addition says which program), and with argument rules where
 * upstream left a hole open.
 *
 * <p>Soft denials return an errno instead of killing where programs are known to probe and fall back:
 * ENOSYS for io_uring and clone3 (libuv and glibc treat it as "not supported" and use the old call),
 * EPERM for namespaces and privileged calls (what Docker answers, so programs are used to it), EACCES for
 * {@code socket} below NETWORK (glibc's NSS then reads /etc/passwd instead of asking nscd).
 */
final class ProfileRules {
    private ProfileRules() {}

    static final int EPERM = 1;
    static final int EACCES = 13;
    static final int EAFNOSUPPORT = 97;

    /** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
    static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;
    /** Pushes bytes into the terminal's input queue: commands typed into the user's shell (CVE-2017-5226). */
    static final long TIOCSTI = 0x5412L;
    /** Its subcommands can also paste into the console's input (TIOCL_PASTESEL). */
    static final long TIOCLINUX = 0x541CL;

    static final long AF_UNIX = 1;
    static final long AF_INET = 2;
    static final long AF_INET6 = 10;
    /** personality(0xffffffff) only reads the current persona. */
    static final long PERSONALITY_QUERY = 0xffffffffL;

    static final long PER_LINUX = 0;

    static SeccompFilter.Builder builderFor(SeccompProfile profile) {
        switch (profile) {
            case ESSENTIAL:
                return essential();
            case MINIMAL:
                return minimal(essential());
            case IO_HEAVY:
                return ioHeavy(builderFor(SeccompProfile.MINIMAL));
            case COMPUTE:
                return compute(builderFor(SeccompProfile.IO_HEAVY));
            case NETWORK:
                return network(builderFor(SeccompProfile.COMPUTE));
            case UNRESTRICTED:
                // Upstream also compiles this profile as "allow everything". Unknown numbers are allowed
                // too: the kernel answers ENOSYS itself for numbers it does not have.
                return SeccompFilter.builder()
                        .defaultAction(SeccompAction.ALLOW)
                        .unknownSyscallAction(SeccompAction.ALLOW);
            default:
                throw new AssertionError(profile);
        }
    }

    private static SeccompFilter.Builder essential() {
        SeccompFilter.Builder b = SeccompFilter.builder();
        b.allow(List.of(
                // lifecycle and exec
                "exit",
                "exit_group",
                "execve",
                "execveat",
                // the dynamic loader maps libraries; pread64 reads their ELF headers (missing upstream,
                // without it not even /bin/true starts)
                "brk",
                "mmap",
                "munmap",
                "mprotect",
                "madvise",
                "pread64",
                "open",
                "openat",
                "read",
                "write",
                "close",
                "close_range",
                "lseek",
                "fstat",
                "stat",
                "lstat",
                "newfstatat",
                "statx",
                "access",
                "faccessat",
                "faccessat2",
                "readlink",
                "readlinkat",
                "getcwd",
                "fcntl",
                // libc start-up: TLS, robust futexes, rseq, stack limit, stack protector seed
                "arch_prctl",
                "set_tid_address",
                "set_robust_list",
                "rseq",
                "prlimit64",
                "getrandom",
                // futex must never fail: glibc crashes on a denied FUTEX_WAKE (measured: echo SIGSEGVs)
                "futex",
                "prctl",
                "getpid",
                "gettid",
                "getuid",
                "geteuid",
                "getgid",
                "getegid"));

        // Holes closed in every profile but UNRESTRICTED, answered softly so probing programs carry on.
        SeccompAction eperm = SeccompAction.errno(EPERM);
        SeccompAction enosys = SeccompAction.errno(SeccompFilter.ENOSYS);
        // io_uring performs open/read/connect/... from the kernel side, where no syscall filter sees them.
        b.rule("io_uring_setup", enosys).rule("io_uring_enter", enosys).rule("io_uring_register", enosys);
        // clone3 passes its flags in memory BPF cannot read, so namespace flags could not be checked;
        // ENOSYS makes glibc fall back to clone, whose flags are checked below.
        b.rule("clone3", enosys);
        // New namespaces widen the kernel attack surface and undo the sandbox's own namespaces.
        b.rule("unshare", eperm).rule("setns", eperm);
        // Stall page faults to win kernel races (userfaultfd); open files by handle, past any path-based
        // confinement ("shocker"); replace the kernel; load BPF programs or perf counters (large
        // kernel attack surface); keyrings, which are not namespaced.
        for (String name : List.of(
                "userfaultfd",
                "open_by_handle_at",
                "kexec_load",
                "kexec_file_load",
                "bpf",
                "perf_event_open",
                "keyctl",
                "add_key",
                "request_key")) {
            b.rule(name, eperm);
        }
        return b;
    }

    private static SeccompFilter.Builder minimal(SeccompFilter.Builder b) {
        b.allow(List.of(
                // signals
                "rt_sigaction",
                "rt_sigprocmask",
                "rt_sigpending",
                "rt_sigtimedwait",
                "rt_sigqueueinfo",
                "rt_sigreturn",
                "rt_sigsuspend",
                "sigaltstack",
                "kill",
                "tkill",
                "tgkill",
                "pause",
                // processes (clone is argument-checked below; upstream's "waitpid" is not a syscall on
                // x86_64 or aarch64, wait4 is)
                "fork",
                "vfork",
                "wait4",
                "waitid",
                // I/O and descriptors
                "readv",
                "writev",
                "pwrite64",
                "flock",
                "dup",
                "dup2",
                "dup3",
                "pipe",
                "pipe2",
                "eventfd",
                "eventfd2",
                // time and timers (vDSO calls fall back to real syscalls on some clock sources)
                "clock_gettime",
                "clock_getres",
                "gettimeofday",
                "time",
                "nanosleep",
                "clock_nanosleep",
                "timer_create",
                "timer_settime",
                "timer_gettime",
                "timer_getoverrun",
                "timer_delete",
                "alarm",
                "getitimer",
                "setitimer",
                "timerfd_create",
                "timerfd_settime",
                "timerfd_gettime",
                // the kernel restarts an interrupted sleep through restart_syscall
                "restart_syscall",
                // identity and process information
                "getppid",
                "getresuid",
                "getresgid",
                "getgroups",
                "uname",
                "umask",
                "sysinfo",
                "times",
                "getpgrp",
                "getpgid",
                "setpgid",
                "getsid",
                "setsid",
                "getpriority",
                "getcpu",
                "sched_getaffinity",
                "sched_yield",
                "getrlimit",
                "setrlimit",
                "getrusage",
                // waiting for events
                "select",
                "pselect6",
                "poll",
                "ppoll",
                "epoll_create",
                "epoll_create1",
                "epoll_ctl",
                "epoll_wait",
                "epoll_pwait",
                "epoll_pwait2",
                "signalfd4",
                // directories
                "chdir",
                "fchdir",
                "getdents",
                "getdents64",
                // memory
                "mremap",
                "mlock",
                "munlock",
                "mlockall",
                "munlockall",
                "memfd_create",
                "get_robust_list",
                // widened: cat and sort advise the kernel; ls -l, cp and tar ask for the file system;
                // ls -l reads ACL and SELinux attributes and fails on EPERM
                "fadvise64",
                "statfs",
                "fstatfs",
                // widened: GNU cat copies with copy_file_range when stdin and stdout are both files. It only
                // moves bytes between descriptors the program already holds, like read plus write, so it
                // grants nothing MINIMAL does not already grant
                "copy_file_range",
                "getxattr",
                "lgetxattr",
                "fgetxattr",
                "listxattr",
                "llistxattr",
                "flistxattr",
                // widened: make and cmake's builds call setresuid/setresgid (make drops and restores its ids);
                // with no capabilities in the user namespace and no-new-privs these only switch among the
                // ids the process already has, and capget only reads its own (empty) capability sets (node)
                "setuid",
                "setgid",
                "setreuid",
                "setregid",
                "setresuid",
                "setresgid",
                "setfsuid",
                "setfsgid",
                "capget",
                // widened: V8 (node) allocates a memory protection key for its JIT code: a per-process
                // restriction of its own pages, like mprotect
                "pkey_alloc",
                "pkey_free",
                "pkey_mprotect",
                // widened: bash asks whether fd 0 is a socket (getpeername), tclsh and node ask the same of
                // fds 0-2 (getsockname, getsockopt SO_TYPE), node closes one direction of its child's stdio
                // (shutdown). They act only on sockets the program already holds and open nothing new
                "getsockname",
                "getpeername",
                "getsockopt",
                "shutdown"));

        // widened: node's child processes and the JDK (javac, java Foo.java) connect with socketpair: a
        // connected pair of AF_UNIX sockets that has no address and reaches nothing outside the process
        // tree, like pipe2. Other families cannot form pairs anyway; EAFNOSUPPORT, as for socket below.
        b.allow("socketpair").rule("socketpair", SeccompAction.errno(EAFNOSUPPORT), arg32(0).ne(AF_UNIX));

        // Threads and fork() are clone() without namespace flags; with any of them it is a new
        // namespace and refused like unshare.
        b.allow("clone").rule("clone", SeccompAction.errno(EPERM), arg32(0).maskedNe(CLONE_NAMESPACE_FLAGS, 0));
        // Terminal ioctls are needed (isatty is TCGETS), except the two that inject input into the
        // terminal the sandbox may share with the user's shell. cmd is an unsigned int: compared on the
        // low 32 bits, so TIOCSTI | 1 << 32 is refused too.
        b.allow("ioctl")
                .rule("ioctl", SeccompAction.errno(EPERM), arg32(1).eq(TIOCSTI))
                .rule("ioctl", SeccompAction.errno(EPERM), arg32(1).eq(TIOCLINUX));
        // Only reading the persona or asking for plain Linux: no ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC.
        b.allowIf("personality", arg32(0).eq(PERSONALITY_QUERY)).allowIf("personality", arg32(0).eq(PER_LINUX));
        // ls -l and tar look users up through nscd's Unix socket first; EACCES sends glibc to the files.
        b.rule("socket", SeccompAction.errno(EACCES));
        return b;
    }

    private static SeccompFilter.Builder ioHeavy(SeccompFilter.Builder b) {
        return b.allow(List.of(
                "mkdir",
                "mkdirat",
                "rmdir",
                "unlink",
                "unlinkat",
                "rename",
                "renameat",
                "renameat2",
                "link",
                "linkat",
                "symlink",
                "symlinkat",
                "chmod",
                "fchmod",
                "fchmodat",
                "chown",
                "fchown",
                "fchownat",
                "lchown",
                "utime",
                "utimes",
                "futimesat",
                "utimensat",
                "truncate",
                "ftruncate",
                "fallocate",
                "sendfile",
                "splice",
                "tee",
                "vmsplice",
                "fsync",
                "fdatasync",
                "sync",
                "syncfs",
                "sync_file_range",
                "msync",
                "readahead",
                // widened: tar creates with the legacy creat(); tar and cp -a restore FIFOs and extended
                // attributes; file watchers use inotify (copy_file_range, for cp, is already in MINIMAL)
                "creat",
                "mknod",
                "mknodat",
                "setxattr",
                "lsetxattr",
                "fsetxattr",
                "removexattr",
                "lremovexattr",
                "fremovexattr",
                "inotify_init",
                "inotify_init1",
                "inotify_add_watch",
                "inotify_rm_watch"));
    }

    private static SeccompFilter.Builder compute(SeccompFilter.Builder b) {
        return b.allow(List.of(
                "sched_getscheduler",
                "sched_setscheduler",
                "sched_getparam",
                "sched_setparam",
                "sched_get_priority_max",
                "sched_get_priority_min",
                "sched_rr_get_interval",
                "sched_setaffinity",
                "sched_getattr",
                "sched_setattr",
                "setpriority",
                "mbind",
                "get_mempolicy",
                "set_mempolicy",
                "migrate_pages",
                "move_pages",
                "membarrier",
                "mlock2"));
    }

    private static SeccompFilter.Builder network(SeccompFilter.Builder b) {
        b.remove("socket");
        b.allow(List.of(
                "bind",
                "listen",
                "accept",
                "accept4",
                "connect",
                "sendto",
                "recvfrom",
                "sendmsg",
                "recvmsg",
                "sendmmsg",
                "recvmmsg",
                "setsockopt"));
        // Unix, IPv4 and IPv6 only: AF_ALG, AF_VSOCK, AF_PACKET, AF_NETLINK... reach rarely-used kernel
        // code. EAFNOSUPPORT is what a kernel without the family answers, so callers fall back.
        b.allow("socket")
                .rule(
                        "socket",
                        SeccompAction.errno(EAFNOSUPPORT),
                        arg32(0).ne(AF_UNIX),
                        arg32(0).ne(AF_INET),
                        arg32(0).ne(AF_INET6));
        return b;
    }
}
