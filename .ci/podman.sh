# Sourced by container-tests.sh and containers-table.sh: podman containers without an image registry.
#
# The container's root is an almost empty directory (the usual top-level symlinks into /usr, empty mount
# points) with the host's /usr and /etc bound read-only, so Java, Maven and gcc are the host's. runc, not
# crun: crun refuses hybrid cgroup hierarchies. ulimits are given explicitly: podman's default nofile exceeds
# hard limits that a host without CAP_SYS_RESOURCE cannot raise. Every container started here has a name
# this shell chose, and is removed on exit, however the script ends.

podman_runtime=""
podman_rootfs=""
podman_names=()

podman_require() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "$0: needs root (rootful podman)" >&2
        exit 1
    fi
    command -v podman >/dev/null || { echo "$0: podman missing (Debian: apt-get install podman runc catatonit)" >&2; exit 1; }
    podman_runtime=$(command -v runc || true)
    [[ -n "$podman_runtime" ]] || { echo "$0: runc missing (Debian: apt-get install runc)" >&2; exit 1; }
}

podman_cleanup() {
    local name
    for name in "${podman_names[@]}"; do
        podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    done
    if [[ -n "$podman_rootfs" ]]; then
        rm -rf -- "$podman_rootfs"
    fi
}

# Makes the root directory; removes it and every container on exit.
podman_rootfs_init() {
    podman_rootfs=$(mktemp -d /tmp/sandbox4j-rootfs.XXXXXX)
    trap podman_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    chmod 0755 "$podman_rootfs"
    (cd "$podman_rootfs" && mkdir -p usr etc proc sys dev tmp root run var/tmp \
        && ln -s usr/bin bin && ln -s usr/lib lib && ln -s usr/lib64 lib64 && ln -s usr/sbin sbin \
        && chmod 1777 tmp var/tmp)
}

# podman_run [podman run options] -- COMMAND...: one container on the prepared root, removed afterwards.
podman_run() {
    local options=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do
        options+=("$1")
        shift
    done
    shift
    local name="sandbox4j-$$-${#podman_names[@]}"
    podman_names+=("$name")
    podman --runtime "$podman_runtime" run --rm --name "$name" \
        --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
        -v /usr:/usr:ro -v /etc:/etc:ro "${options[@]}" --rootfs "$podman_rootfs" "$@"
}
