/* The filesystem view: mount operations and Landlock rules, executed as the plan lists them. */
#ifndef SANDBOX4J_FILESYSTEM_H
#define SANDBOX4J_FILESYSTEM_H

#include "plan.h"

/* What failed: the step, its errno, and the path it was about. */
struct fs_error {
    const char *step;
    int err;
    const char *detail;
};

/* In the launcher, before any namespace: opens every bind source of the plan with the caller's rights,
 * following no symlink (Java sent canonical paths). 0, or -1 with e filled in. */
int fs_open_bind_sources(struct plan *pl, struct fs_error *e);

/* Closes what fs_open_bind_sources opened (in whichever process holds copies and needs them no more). */
void fs_close_bind_sources(struct plan *pl);

/* Runs one mount operation of a kind from MOUNT_FILESYSTEM on. 0, or -1 with e filled in. */
int fs_mount(const struct mount_item *m, struct fs_error *e);

/* Restricts this thread (and what it execs) to the plan's Landlock rules. 0, or -1 with e filled in.
 * Needs no_new_privs; call it after every mount and before seccomp. */
int fs_landlock(const struct plan *pl, struct fs_error *e);

#endif
