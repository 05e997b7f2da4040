#!/usr/bin/env bash
# container-tests.sh: runs the kernel tests (integration-tests, as root and, through UnprivilegedKernelTest,
# as uid 65534) inside a privileged podman container, as a JVM service in a container would run sandbox4j.
#
# Builds on the host (tests skipped) unless --prebuilt, then starts one container whose root is an almost
# empty directory with the host's /usr and /etc bound read-only (no image is pulled), copies the checkout
# with its built artifacts in, and runs Maven offline against the host's ~/.m2 bound read-only. The container
# is removed however the run ends. Needs root, podman, runc and catatonit (Debian: apt-get install podman runc catatonit).
#
#   ./container-tests.sh              build, then the tests in the container
#   ./container-tests.sh --prebuilt   the artifacts are already built (what .ci/run does after mvn verify)
#
# Environment: MVN (Maven command on the host), CI (passed into the container: true makes a missing
# kernel feature a failure instead of a skipped test), CONTAINER_TESTS (surefire's -Dtest, e.g.
# ForkServerKernelTest; all of integration-tests' tests by default).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=.ci/podman.sh
. "$here/.ci/podman.sh"

build=true
case "${1:-}" in
    "") ;;
    --prebuilt) build=false ;;
    *) echo "usage: $0 [--prebuilt]" >&2; exit 2 ;;
esac

podman_require
if $build; then
    echo "container-tests: building on the host (tests skipped)..." >&2
    (cd "$here" && ${MVN:-mvn} -B -q -DskipTests verify)
fi
m2="${HOME:-/root}/.m2"
[[ -d "$m2/repository" ]] || { echo "container-tests: no $m2/repository: build once on the host first" >&2; exit 1; }

podman_rootfs_init
# The integration-tests module with the modules it needs; -Dtest picks the tests named (the other unit tests
# already ran on the host; -Dtest reaches every module built, so sandbox-exec's LauncherBinaryTest checks the
# launcher's cache as a container has it). --init: an init (catatonit) as PID 1 reaps what the tests orphan, as
# a host's init does; Maven's JVM would leave zombies.
tests=${CONTAINER_TESTS:-'*KernelTest,LauncherBinaryTest,SpawnBenchSmokeTest'}
echo "container-tests: running the kernel tests in a privileged container (runtime runc)..." >&2
start=$(date +%s)
podman_run --privileged --init \
    -v "$here:/src:ro" -v "$m2:/root/.m2:ro" -e CI="${CI:-}" -e HOME=/root \
    -- /bin/bash -c "cp -a /src /tmp/sandbox4j && cd /tmp/sandbox4j && exec mvn -B -o -pl integration-tests -am verify \
        -Dtest='$tests' -Dsurefire.failIfNoSpecifiedTests=false"
echo "container-tests: passed in the container in $(( $(date +%s) - start )) s" >&2
