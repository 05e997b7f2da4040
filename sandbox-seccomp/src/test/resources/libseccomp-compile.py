"""Compiles seccomp filters with libseccomp (python3-seccomp) for LibseccompDifferentialTest.

Reads filters from stdin, one block each:
    filter KEY DEFAULT_ACTION [OPTIMIZE]
    rule NR ACTION [ARG OP MASK DATUM]...
    end
numbers in hex (actions as the kernel's return values), OP one of EQ NE LT LE GT GE MASKED_EQ.
Writes one line per filter: "KEY ok HEX" with the exported BPF program, or "KEY refused ERROR".
Each filter is compiled in a child process: libseccomp 2.5.4 loops forever on some rule sets, and such a
filter is reported as "KEY refused hang" after half a second (a normal compile takes milliseconds).
"""
import os
import select
import signal
import sys
import tempfile

import seccomp

OPS = {
    "EQ": seccomp.EQ, "NE": seccomp.NE, "LT": seccomp.LT, "LE": seccomp.LE,
    "GT": seccomp.GT, "GE": seccomp.GE, "MASKED_EQ": seccomp.MASKED_EQ,
}


def action_value(text):
    """The bindings take actions as C ints: KILL_PROCESS (0x80000000) is negative there."""
    value = int(text, 16)
    return value - (1 << 32) if value >= 1 << 31 else value


def compile_filter(default, optimize, rules):
    f = seccomp.SyscallFilter(defaction=default)
    if optimize is not None:
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    for nr, action, conds in rules:
        args = []
        for arg, op, mask, datum in conds:
            if op == "MASKED_EQ":
                args.append(seccomp.Arg(arg, OPS[op], mask, datum))
            else:
                args.append(seccomp.Arg(arg, OPS[op], datum))
        f.add_rule(action, nr, *args)
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


def main():
    key = None
    rules = []
    out = sys.stdout
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "filter":
            key = words[1]
            default = action_value(words[2])
            optimize = int(words[3]) if len(words) > 3 else None
            rules = []
        elif words[0] == "rule":
            nr = int(words[1], 16)
            action = action_value(words[2])
            conds = []
            rest = words[3:]
            for i in range(0, len(rest), 4):
                conds.append((int(rest[i]), rest[i + 1], int(rest[i + 2], 16), int(rest[i + 3], 16)))
            rules.append((nr, action, conds))
        elif words[0] == "end":
            out.write("%s %s\n" % (key, in_child(default, optimize, rules)))
    out.flush()


def in_child(default, optimize, rules):
    """ "ok HEX" or "refused WHY", compiled in a child process that is killed if libseccomp hangs."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            answer = "ok " + compile_filter(default, optimize, rules).hex()
        except Exception as e:  # libseccomp refuses some rule sets (EEXIST, EINVAL, EACCES)
            answer = "refused " + str(e).replace("\n", " ").replace(" ", "_")
        with os.fdopen(write_end, "w") as w:
            w.write(answer)
        os._exit(0)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "r") as r:
        while True:
            ready, _, _ = select.select([r], [], [], 0.5)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                chunks = ["refused hang"]
                break
            data = r.read()
            chunks.append(data)
            break
    os.waitpid(pid, 0)
    return "".join(chunks)


if __name__ == "__main__":
    main()
