# The network kernel test's world, built inside namespaces of its own (started by the test with
# "unshare --mount --net --propagation private", plus "--user --map-root-user" for a caller that is not root):
# this namespace is the caller's; "remote" is a namespace joined by a veth pair, serving on a public-looking
# address (198.51.100.10), the cloud metadata address and private addresses. sandbox-ctl runs here, so nothing
# leaves the machine and every address probed lies in a namespace made here. Everything dies with the namespaces;
# the servers are killed on the way out. Prints "OUTSIDE ...", "RUN name" then probe lines and "EXIT n", and
# "LEFT ..." lines for processes of sandbox4j found in this namespace after the runs.
# Environment: DIR (probe.py, serve.py; readable by the caller), JAVA, CP, DROP (1: the caller is not root: run
# sandbox-ctl as a non-root uid without capabilities, in a user namespace nested in this one).
set -u
exec 2>&1
fail() { echo "FAIL $*"; exit 1; }

mount -t tmpfs -o mode=0755 tmpfs /run || fail "mount a private /run"
mkdir /run/netns
ip link set lo up || fail "lo up"
ip netns add remote || fail "ip netns add remote"
ip link add s4j-c0 type veth peer name s4j-r0 netns remote || fail "veth pair"
ip addr add 198.51.100.1/24 dev s4j-c0 && ip link set s4j-c0 up || fail "caller address"
R="nsenter --net=/run/netns/remote"
$R ip link set lo up
for a in 198.51.100.10/24 169.254.169.254/32 10.99.0.1/32 172.16.5.1/32 192.168.7.1/32; do
    $R ip addr add $a dev s4j-r0 || fail "remote address $a"
done
$R ip link set s4j-r0 up
for a in 169.254.169.254/32 10.99.0.1/32 172.16.5.1/32 192.168.7.1/32; do
    ip route add $a via 198.51.100.10 || fail "route $a"
done
ip route add default via 198.51.100.10 || fail "default route"
# A name only this mount namespace knows, for --allow-host: the JVM's resolver and the sandbox's /etc agree.
cp /etc/hosts "$DIR/hosts" && echo "192.168.7.1 remote.test" >> "$DIR/hosts" && mount --bind "$DIR/hosts" /etc/hosts \
    || fail "hosts file"
# And a nameserver in the remote namespace, which serves no DNS: a name outside /etc/hosts fails at once.
echo "nameserver 198.51.100.10" > "$DIR/resolv.conf" && mount --bind "$DIR/resolv.conf" /etc/resolv.conf \
    || fail "resolv.conf"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
$R python3 "$DIR/serve.py" 198.51.100.10,80,public 169.254.169.254,80,metadata 10.99.0.1,80,private10 \
    172.16.5.1,80,private172 192.168.7.1,80,private192 > "$DIR/remote.log" &
pids+=($!)
python3 "$DIR/serve.py" 127.0.0.1,7000,callerloopback 198.51.100.1,7001,callerown > "$DIR/caller.log" &
pids+=($!)
for i in $(seq 100); do
    grep -q ready "$DIR/remote.log" && grep -q ready "$DIR/caller.log" && break
    sleep 0.1
done
grep -q ready "$DIR/remote.log" && grep -q ready "$DIR/caller.log" || fail "servers did not start"

TARGETS="198.51.100.10:80 169.254.169.254:80 10.99.0.1:80 172.16.5.1:80 192.168.7.1:80 10.0.2.2:7000 198.51.100.1:7001"
# Calibration: from the caller every target but slirp's gateway is reachable (127.0.0.1 stands in for it).
python3 "$DIR/probe.py" $TARGETS 127.0.0.1:7000 | sed 's/^/OUTSIDE /'

mkdir -p "$DIR/cache"
ctl() {
    if [ "$DROP" = 1 ]; then
        # sandbox4j refuses to map uid 0 (it cannot tell a namespaced 0 from the host's): the caller becomes
        # uid 1000 of a user namespace nested in this one, which maps it to this one's 0, without capabilities.
        set -- unshare --user --map-user=1000 --map-group=1000 -- "$JAVA" -cp "$CP" dev.sandbox4j.cli.SandboxCtl "$@"
    else
        set -- "$JAVA" -cp "$CP" dev.sandbox4j.cli.SandboxCtl "$@"
    fi
    XDG_CACHE_HOME="$DIR/cache" HOME=/nonexistent exec "$@" # so that a background ctl's $! is the JVM
}
run() {
    name=$1; shift
    echo "RUN $name"
    (ctl "$@")
    echo "EXIT $?"
}
run default --network user -P permissive --ro-bind "$DIR" --report "$DIR/default.json" -- python3 "$DIR/probe.py" $TARGETS
run allow --network user -P permissive --allow 10.99.0.1:80 --allow-host remote.test:80 --ro-bind "$DIR" \
    -- python3 "$DIR/probe.py" $TARGETS
run wide --network user -P permissive --allow 0.0.0.0/0 --allow 10.0.0.0/8 --ro-bind "$DIR" \
    -- python3 "$DIR/probe.py" $TARGETS
run preset -P permissive --ro-bind "$DIR" --report "$DIR/preset.json" -- python3 "$DIR/probe.py" 198.51.100.10:80 169.254.169.254:80
run unresolved --network user -P permissive --allow-host no-such-host.invalid:443 -- /bin/true
run none --network none -P permissive --ro-bind "$DIR" -- python3 "$DIR/probe.py" 198.51.100.10:80

# A resolver on the caller's loopback only (systemd-resolved's way): the sandbox is given the stack's forwarder.
echo "nameserver 127.0.0.1" > "$DIR/resolv.loopback" && mount --bind "$DIR/resolv.loopback" /etc/resolv.conf \
    || fail "loopback resolv.conf"
python3 "$DIR/dns.py" serve > "$DIR/dns.log" &
pids+=($!)
for i in $(seq 50); do grep -q ready "$DIR/dns.log" && break; sleep 0.1; done
run dns --network user -P permissive --ro-bind "$DIR" -- sh -c "cat /etc/resolv.conf; python3 $DIR/dns.py ask 10.0.2.3"

echo "RUN publish"
ctl --network user -P permissive --publish 18080:8000 --ro-bind "$DIR" -t 20 \
    -- python3 "$DIR/serve.py" once 0.0.0.0,8000,insidesandbox > "$DIR/publish.log" &
ctlpid=$!
reached=0
for i in $(seq 100); do
    if python3 "$DIR/probe.py" 127.0.0.1:18080 | grep -q 'reached insidesandbox'; then reached=1; break; fi
    sleep 0.1
done
wait $ctlpid
echo "EXIT $?"
echo "PUBLISHED $reached"

netns=$(readlink /proc/self/ns/net)
ours() { # sandbox4j's processes and the stack, in this network namespace
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$netns" ] || continue
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        state=$(awk '/^State:/ {print $2}' "$p/status" 2>/dev/null)
        case "$comm" in slirp4netns|java|sandbox4j-launc|sleep) [ "$state" != Z ] && echo "${p#/proc/} $comm" ;; esac
    done
}
echo "RUN crash"
ctl --network user -P permissive -- sleep 60 > /dev/null &
ctlpid=$!
for i in $(seq 200); do ours | grep -q slirp4netns && break; sleep 0.05; done
ours | grep -q slirp4netns && echo "STACK-RUNNING 1" || echo "STACK-RUNNING 0"
kill -9 $ctlpid
wait $ctlpid 2>/dev/null
for i in $(seq 60); do [ -z "$(ours)" ] && break; sleep 0.05; done
ours | sed 's/^/LEFT /'
echo "DONE"
