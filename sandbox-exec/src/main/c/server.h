/* The fork server: one launcher per JVM that forks a fresh launcher for every sandbox. */
#ifndef SANDBOX4J_SERVER_H
#define SANDBOX4J_SERVER_H

#include <stddef.h>

/*
 * Serves the JVM that listens on nothing but connects to `path` (see server.c). Returns only in a
 * forked child: its stdin/stdout/stderr are the workload's, every other fd is closed, no signal is
 * blocked, and `run_path` holds the per-run socket it must connect to, as `--connect` would. The
 * server itself never returns: it exits when the JVM's connection ends.
 */
void serve(const char *path, char *run_path, size_t run_path_size);

#endif
