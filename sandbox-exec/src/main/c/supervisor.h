/* The seccomp supervisor: the launcher's end of the filter's user notifications (see supervisor.c). */
#ifndef SANDBOX4J_SUPERVISOR_H
#define SANDBOX4J_SUPERVISOR_H

#include "plan.h"

#include <stdint.h>
#include <sys/types.h>

/* Learn mode remembers which numbers it reported below this; higher ones (none today) are reported each time. */
#define SUPERVISOR_LEARN_NRS 1024

struct supervisor {
    int sock;           /* the launcher's end of the hand-over socket; -1 once closed */
    int listener;       /* the filter's listener; -1 before the hand-over and once no task uses the filter */
    pid_t workload;     /* the workload's pid as we see it, once it announced itself; 0 before */
    uint32_t response;  /* the plan's: 0 = kill the caller's process, else fail the call with this errno */
    size_t notif_size;  /* the kernel's struct seccomp_notif size (it may grow) */
    int reported;       /* the run's first violation has been reported */
    int workload_killed; /* the workload's own process was killed for a violation, and that was reported */
    uint32_t tokens;     /* notifications we may answer now (see supervisor_ready) */
    uint64_t tokens_at;  /* when they were last counted, in ms */
    uint64_t learned[SUPERVISOR_LEARN_NRS / 64]; /* learn mode: syscall numbers already reported */
};

/* In the launcher, before the clone: a socketpair whose other end init and the workload inherit. Returns 0,
 * or -1 with errno; *child_end gets the end for the sandbox side. */
int supervisor_open(struct supervisor *s, const struct plan *pl, int *child_end);

/* The workload, before it installs the filter: tells the launcher which process it is. */
int supervisor_announce(int child_end);

/* Init, once the workload has exec'd: passes the listener the workload left in their shared table. */
void supervisor_hand_over(int child_end, int listener);

/* The launcher, when the hand-over socket is readable: takes one message. */
void supervisor_receive(struct supervisor *s);

/* The launcher, when the listener is readable: answers one notification. Appends a violation report to
 * *report (u32 flags, u32 tid, u32 nr, u32 arch, u64 ip, u64 args[6]) when it is one Java must hear of;
 * returns 1 then, else 0. */
int supervisor_handle(struct supervisor *s, struct buf *report);

/* Whether to answer notifications now: a burst of SUPERVISOR_BURST, then one per millisecond. We run outside
 * the run's cgroup, so a workload answered with an errno, which may call again at once, must not make us
 * spend more CPU than that on it; its callers only wait in the kernel meanwhile. */
#define SUPERVISOR_BURST 1000
int supervisor_ready(struct supervisor *s, uint64_t now_ms);

/* The listener reported a hangup: no task uses the filter any more. */
void supervisor_close(struct supervisor *s);

#endif
