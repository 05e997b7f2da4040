#!/usr/bin/env bash
# make-seccomp-profile.sh: writes sandbox4j-seccomp.json, the OCI seccomp profile for a container (or Kubernetes
# pod) that runs sandbox4j without privileged: true.
#
# Allowed: every system call of sandbox4j's x86_64 and aarch64 tables (what sandbox-ctl seccomp unrestricted
# permits) except those below, which neither the JVM, sandbox4j's launcher nor a sandboxed program needs and
# which reach the kernel's administrative or most attacked surfaces. Unlike podman's, Docker's and
# Kubernetes' RuntimeDefault profiles it allows, without CAP_SYS_ADMIN, what the launcher does: clone and
# unshare with namespace flags, mount, umount2, pivot_root, the new mount API, sethostname. Sandboxed programs
# still get the sandbox's own, narrower filter on top. Unknown system calls fail with ENOSYS, the denied ones
# with EPERM.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ctl="$here/../../sandbox-ctl"

denied=(
    # kernel modules, kexec, reboot, swap, accounting, clock and time changes, quotas, raw I/O ports
    init_module finit_module delete_module create_module query_module get_kernel_syms
    kexec_load kexec_file_load reboot swapon swapoff acct
    settimeofday clock_settime clock_adjtime adjtimex stime
    quotactl quotactl_fd iopl ioperm syslog vhangup
    # the surfaces most used by container escapes, which sandbox4j's own profiles close too
    bpf perf_event_open userfaultfd open_by_handle_at fanotify_init lookup_dcookie
    add_key request_key keyctl
    # namespaces are only ever created, never joined; only the hostname is set
    setns setdomainname
    # obsolete or unimplemented entries of the tables
    _sysctl uselib nfsservctl afs_syscall vserver tuxcall security putpmsg getpmsg
)

listed() {
    "$ctl" seccomp unrestricted --arch "$1" | sed -n 's/^  \([a-z0-9_]*\)$/\1/p'
}

{ listed x86_64; listed aarch64; } | sort -u | python3 -c '
import json, sys
denied = set(sys.argv[1:])
allowed = [n for n in sys.stdin.read().split() if n not in denied]
profile = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
    "syscalls": [
        {"names": allowed, "action": "SCMP_ACT_ALLOW"},
        {"names": sorted(denied), "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    ],
}
json.dump(profile, sys.stdout, indent=1)
print()
' "${denied[@]}" > "$here/sandbox4j-seccomp.json"
echo "wrote $here/sandbox4j-seccomp.json" >&2
