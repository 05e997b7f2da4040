#!/usr/bin/env bash
# Runs inside a container for containers-table.sh: sandbox-ctl (at $SANDBOX_CTL) with the options given, three
# times, and prints one line per run: what the table needs (exit status, first stderr line, the JSON report).
ctl=${SANDBOX_CTL:-/sandbox4j/sandbox-ctl}
probe() {
    local label=$1
    shift
    local err status
    err=$("$ctl" "$@" 2>&1 >/dev/null)
    status=$?
    printf '%s\t%s\t%s\t%s\n' "$label" "$status" "$(printf '%s\n' "$err" | grep -v '^{' | head -n 1)" \
        "$(printf '%s\n' "$err" | grep '^{' | tail -n 1)"
}
probe echo "$@" --report - -- /bin/echo hi
probe limits-all "$@" -m 64M --pids 32 --cpu 50 -- /bin/true
probe limits-rlimit "$@" -m 64M --pids 32 -- /bin/true
