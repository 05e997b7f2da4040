/* The fork server: one launcher per JVM that forks a fresh launcher for every sandbox. */
#ifndef SANDBOX4J_SERVER_H
#define SANDBOX4J_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* The launch plan that came with a SPAWN request: a MSG_PLAN payload, or len 0 when none came; and the read end
 * of the pipe a held workload takes the rest of its plan from (LAUNCHER_HOLD_FD), or -1 when none came. */
struct spawned_plan {
    uint8_t *data;
    size_t len;
    int hold_fd;
};

/* Where a forked launcher finds its control connection to the JVM. */
#define LAUNCHER_CTL_FD 3
/* Where a forked launcher finds the pipe of a plan with F_PREWARMED, when one came with the SPAWN. */
#define LAUNCHER_HOLD_FD 4
/* A SPAWN carries stdin, stdout, stderr and the control connection, */
#define SPAWN_FDS 4
/* and for a plan with F_PREWARMED may carry a fifth: the read end of a pipe whose write end Java keeps, to write
 * the rest of the plan straight to the held workload (no relay through the launcher). */
#define SPAWN_FDS_MAX 5

/*
 * Serves the JVM that connects to `path` (see server.c). Returns only in a forked child: its
 * stdin/stdout/stderr are the workload's, LAUNCHER_CTL_FD its control connection, LAUNCHER_HOLD_FD the
 * hold pipe if one came (`plan->hold_fd`), every other fd is closed, no signal is blocked, and `plan` holds the plan that came with the request, if any. The server
 * itself never returns: it exits when the JVM's connection ends.
 */
void serve(const char *path, struct spawned_plan *plan);

/*
 * Binds `path`, accepts the one connection that comes from our parent process with our uid (hanging up on
 * any other), unlinks the name and returns the connection. Exits with 125 when none comes in time.
 */
int accept_parent(const char *path);

#endif
