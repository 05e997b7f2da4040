#!/usr/bin/env bash
# containers-table.sh: runs sandbox-ctl in every container setup of README's container table, with podman (and
# `podman kube play` for the Kubernetes rows), and writes the table between README's marker comments from what
# the runs did: whether `sandbox-ctl -- /bin/echo hi` runs, in which mode, which limits are enforced (a run with
# -m, --pids and --cpu, then one without --cpu) and what was given up (the report's degradations).
#
#   ./containers-table.sh           the runs, then the table into README.md
#   ./containers-table.sh --check   the runs; fails when README.md's table differs from them (what CI runs)
#
# Needs root, podman, runc and catatonit (Debian: apt-get install podman runc catatonit) and a built sandbox-cli
# (./sandbox-ctl builds it). No image is pulled: the containers are the host's /usr and /etc (see .ci/podman.sh).
# Every container, pod and the image made for the pods are removed however the run ends. About a minute.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd "$here"
# shellcheck source=.ci/podman.sh
. "$here/.ci/podman.sh"

check=false
case "${1:-}" in
    "") ;;
    --check) check=true ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
podman_require
./sandbox-ctl --version >/dev/null # builds sandbox-cli when it is missing or stale, outside the containers
podman_rootfs_init
work=$(mktemp -d /tmp/sandbox4j-table.XXXXXX)
image=localhost/sandbox4j-table:$$
pods=()
cleanup_all() {
    local pod
    for pod in "${pods[@]}"; do
        podman pod rm -f -t 0 "$pod" >/dev/null 2>&1 || true
    done
    podman rmi -f "$image" >/dev/null 2>&1 || true
    rm -rf -- "$work"
    podman_cleanup
}
trap cleanup_all EXIT

profile="$here/docs/kubernetes/sandbox4j-seccomp.json"
results="$work/results"
: >"$results"

# row LABEL SANDBOX-CTL-OPTIONS -- PODMAN-OPTIONS...
row() {
    local label=$1 ctl_options=$2
    shift 3
    echo "containers-table: $label" >&2
    podman_run --init -v "$here:/sandbox4j:ro" -e HOME=/nonexistent "$@" \
        -- /sandbox4j/.ci/container-probe.sh $ctl_options | sed "s|^|$label\t|" >>"$results" || true
}

row "privileged (\`--privileged\`)" "" -- --privileged
row "default" "" --
row "default, \`sandbox-ctl --no-proc\`" "--no-proc" --
row "default + \`--security-opt seccomp=unconfined\`" "" -- --security-opt seccomp=unconfined
row "default + \`seccomp=unconfined\` + \`unmask=ALL\`" "" -- --security-opt seccomp=unconfined --security-opt unmask=ALL
row "default + \`seccomp=sandbox4j-seccomp.json\` + \`unmask=ALL\`" "" -- \
    --security-opt "seccomp=$profile" --security-opt unmask=ALL
# A root-owned /tmp as an image may have it; then the usual fix, a writable one (podman --tmpfs ignores mode=).
mkdir -m 0755 "$work/tmp-0755" && mkdir -m 1777 "$work/tmp-1777"
row "the same as \`--user 65534\`, root-owned 0755 /tmp" "" -- --user 65534 \
    -v "$work/tmp-0755:/tmp" --security-opt "seccomp=$profile" --security-opt unmask=ALL
row "the same as \`--user 65534\`, writable /tmp (1777)" "" -- --user 65534 \
    -v "$work/tmp-1777:/tmp" --security-opt "seccomp=$profile" --security-opt unmask=ALL

# check in a default container: a line per restriction, each with its lift, and a trial sandbox's outcome.
echo "containers-table: sandbox-ctl check in a default container" >&2
podman_run --init -v "$here:/sandbox4j:ro" -e HOME=/nonexistent -- /sandbox4j/sandbox-ctl check >"$work/check" || true
for expected in "container          a podman container" "  seccomp: " "  /proc: masked" "  capabilities: no CAP_SYS_ADMIN" \
    "  cgroups: no writable cgroup" "trial sandbox      fails (sandbox-ctl exits 125)" "  with --no-proc   runs"; do
    if ! grep -qF -- "$expected" "$work/check"; then
        cat "$work/check" >&2
        echo "containers-table: sandbox-ctl check in a default container lacks: $expected" >&2
        exit 1
    fi
done
if [[ $(grep -c '^  [a-z/ ]*: .*; lift: ' "$work/check") -lt 4 ]]; then
    echo "containers-table: a restriction without its lift in sandbox-ctl check" >&2
    exit 1
fi

# The Kubernetes rows: the shipped manifests, the checkout in place of the placeholder, run by podman kube play
# with runc and bounded ulimits (its pod's infra container ignores command-line flags; a containers.conf does not).
cat >"$work/containers.conf" <<'CONF'
[engine]
runtime = "runc"
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
CONF
tar -C "$podman_rootfs" -c . | podman import -q - "$image" >/dev/null
kube_row() {
    local label=$1 manifest=$2 command=$3
    local name
    name=$(sed -n 's/^  name: //p' "$manifest" | head -n 1)
    pods+=("$name")
    # podman 4.3 does not support hostUsers: false (it would need subordinate ids for a "containers" user).
    sed -e "s|SANDBOX4J_CHECKOUT|$here|" -e "s|localhost/sandbox4j-host:test|$image|" -e '/hostUsers: false/d' \
        -e "s|^      command: .*|      command: $command|" "$manifest" >"$work/pod.yaml"
    echo "containers-table: $label" >&2
    CONTAINERS_CONF="$work/containers.conf" podman kube play --seccomp-profile-root "$here/docs/kubernetes" \
        "$work/pod.yaml" >/dev/null
    podman wait "$name-app" >/dev/null
    podman logs "$name-app" 2>&1 | grep $'\t' | sed "s|^|$label\t|" >>"$results" || true
    podman pod rm -f -t 0 "$name" >/dev/null
}
kube_row "Kubernetes privileged pod (\`pod-privileged.yaml\`)" docs/kubernetes/pod-privileged.yaml \
    '["/sandbox4j/.ci/container-probe.sh"]'
kube_row "Kubernetes pod with the shipped profile (\`pod-unprivileged.yaml\`), \`--no-proc\`" \
    docs/kubernetes/pod-unprivileged.yaml '["/sandbox4j/.ci/container-probe.sh", "--no-proc"]'

python3 - "$results" "$here/README.md" "$check" <<'PY'
import json, sys
results, readme, check = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
rows = {}
for line in open(results, encoding="utf-8"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 4:
        label, probe, status, err = parts[:4]
        report = json.loads(parts[4]) if len(parts) > 4 and parts[4] else None
        rows.setdefault(label, {})[probe] = (int(status), err, report)

def short(err):
    for marker, text in (("masked", "masked /proc"), ("seccomp filter", "the outer seccomp filter"),
                         ("cannot create", "no writable cache directory for the launcher")):
        if marker in err:
            return text
    return err[:80]

out = ["| container setup | `sandbox-ctl -- /bin/echo hi` | mode | limits enforced | degradations |",
       "|---|---|---|---|---|"]
for label, probes in rows.items():
    status, err, report = probes.get("echo", (None, "no result", None))
    if status == 0:
        runs = "runs"
    else:
        step = report["setupError"]["step"] if report and report.get("setupError") else None
        runs = "exit %s%s: %s (the message names it and its lift)" % (
            status, " at '%s'" % step if step else "", short(err))
    mode = report["mode"] if report and report.get("mode") else "—"
    if probes.get("limits-all", (1,))[0] == 0:
        limits = "memory, pids, cpu (a cgroup per run)"
    elif probes.get("limits-rlimit", (1,))[0] == 0:
        limits = "memory (RLIMIT_DATA), pids (RLIMIT_NPROC); `--cpu` refused"
    else:
        limits = "—"
    if report and report.get("degradations") is not None:
        given = [d.split(":")[0] for d in report["degradations"]]
        degraded = ", ".join("`%s`" % g for g in given) if given else "none"
    else:
        degraded = "—"
    out.append("| %s | %s | %s | %s | %s |" % (label, runs, mode, limits, degraded))
table = "\n".join(out) + "\n"
begin, end = "<!-- containers-table:begin -->\n", "<!-- containers-table:end -->"
text = open(readme, encoding="utf-8").read()
start, stop = text.index(begin) + len(begin), text.index(end)
if check:
    if text[start:stop] != table:
        sys.stderr.write("containers-table: README.md's table differs from these runs:\n" + table)
        sys.exit(1)
    sys.stderr.write("containers-table: README.md's table matches the runs\n")
else:
    open(readme, "w", encoding="utf-8").write(text[:start] + table + text[stop:])
    sys.stderr.write(table)
PY
