/* The fork server: one launcher per JVM that forks a fresh launcher for every sandbox. */
#ifndef SANDBOX4J_SERVER_H
#define SANDBOX4J_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* The launch plan that came with a SPAWN request: a MSG_PLAN payload, or len 0 when none came. */
struct spawned_plan {
    uint8_t *data;
    size_t len;
};

/*
 * Serves the JVM that listens on nothing but connects to `path` (see server.c). Returns only in a
 * forked child: its stdin/stdout/stderr are the workload's, every other fd is closed, no signal is
 * blocked, `run_path` holds the per-run socket it must connect to, as `--connect` would, and `plan`
 * the plan that came with the request, if any. The server itself never returns: it exits when the
 * JVM's connection ends.
 */
void serve(const char *path, char *run_path, size_t run_path_size, struct spawned_plan *plan);

#endif
