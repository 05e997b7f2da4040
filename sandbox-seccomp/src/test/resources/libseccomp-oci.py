"""Compiles OCI/Docker seccomp profiles with libseccomp (python3-seccomp) the way runc does, for
OciLibseccompDifferentialTest: an implementation of the format independent of sandbox4j's.

Usage: libseccomp-oci.py GOARCH KERNEL_MAJOR.MINOR FILE...
Writes two lines per file: "FILE ok HEX" with the exported BPF program (native architecture only), or
"FILE refused WHY" when libseccomp refuses a rule (runc then refuses the profile); then the same for
"FILE#reordered", each syscall's conditional rules added in reverse order: libseccomp 2.5.4 builds some
trees differently depending on the order rules were added, and a call the two programs decide differently
has no single libseccomp meaning.

As runc and Docker: includes/excludes for a process holding no capabilities, GOARCH and the given kernel;
entries whose action is the default are skipped; names libseccomp cannot resolve are skipped; an entry
with several conditions on one argument becomes one rule per condition; SCMP_ACT_ERRNO without errnoRet
is EPERM.
"""
import errno
import json
import sys
import tempfile

import seccomp

OPS = {
    "SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
    "SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
    "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
}


def action(name, ret):
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno.EPERM if ret is None else ret)
    return {
        "SCMP_ACT_KILL": seccomp.KILL, "SCMP_ACT_KILL_THREAD": seccomp.KILL,
        "SCMP_ACT_KILL_PROCESS": seccomp.KILL_PROCESS, "SCMP_ACT_TRAP": seccomp.TRAP,
        "SCMP_ACT_ALLOW": seccomp.ALLOW, "SCMP_ACT_LOG": seccomp.LOG,
    }[name]


def version(text):
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def applies(entry, goarch, kernel):
    inc = entry.get("includes") or {}
    exc = entry.get("excludes") or {}
    if exc.get("arches") and goarch in exc["arches"]:
        return False
    if inc.get("arches") and goarch not in inc["arches"]:
        return False
    if inc.get("caps"):
        return False  # no capabilities held
    if exc.get("minKernel") and kernel >= version(exc["minKernel"]):
        return False
    if inc.get("minKernel") and kernel < version(inc["minKernel"]):
        return False
    return True


def compile_profile(path, goarch, kernel, reorder):
    with open(path) as f:
        profile = json.load(f)
    default = action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    flt = seccomp.SyscallFilter(defaction=default)
    rules = []  # (nr, action, conditions) in the order runc adds them
    for entry in profile.get("syscalls") or []:
        if not applies(entry, goarch, kernel):
            continue
        act = action(entry["action"], entry.get("errnoRet"))
        if act == default:
            continue
        conds = []
        indexes = []
        for a in entry.get("args") or []:
            conds.append(seccomp.Arg(a["index"], OPS[a["op"]], a.get("value", 0), a.get("valueTwo", 0)))
            indexes.append(a["index"])
        groups = [[c] for c in conds] if len(set(indexes)) < len(indexes) else [conds]
        names = list(entry.get("names") or []) + ([entry["name"]] if entry.get("name") else [])
        for name in names:
            try:
                nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
            except Exception:
                continue  # unknown to libseccomp: runc skips it
            if nr < 0:
                continue  # another architecture's syscall
            for group in groups:
                rules.append((nr, act, group))
    if reorder:
        ordered = [r for r in rules if not r[2]]
        ordered += list(reversed([r for r in rules if r[2]]))
        rules = ordered
    for nr, act, group in rules:
        flt.add_rule(act, nr, *group)
    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        return out.read()


def main():
    goarch = sys.argv[1]
    kernel = version(sys.argv[2])
    for path in sys.argv[3:]:
        for reorder in (False, True):
            try:
                answer = "ok " + compile_profile(path, goarch, kernel, reorder).hex()
            except Exception as e:
                answer = "refused " + str(e).replace("\n", " ")
            sys.stdout.write("%s%s %s\n" % (path, "#reordered" if reorder else "", answer))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
