/*
 * The seccomp supervisor. Java compiled the workload's filter so that the calls the profile refuses
 * with its refusal action return USER_NOTIF instead, and put the answer in the plan (kill, or an
 * errno): this file carries that answer out and tells Java which call it was. It holds no policy.
 *
 * The listener fd comes into being in the workload (SECCOMP_FILTER_FLAG_NEW_LISTENER), which makes
 * no system call between installing the filter and its execve: it runs as init's CLONE_VM|CLONE_VFORK
 * child, and for a supervised run also with CLONE_FILES, so the listener lands in the descriptor table
 * it shares with init. execve gives the workload a table of its own (the listener is close-on-exec);
 * init, resumed by that execve, passes the listener out of the sandbox to the launcher with SCM_RIGHTS
 * and closes its copy. The program never holds it, and a call it refuses before the hand-over waits
 * for it rather than deadlocking, since init is free by then.
 *
 * The launcher answers each notification in its poll loop, one per wakeup, so that Java's kill and the
 * exit report are served between them however many calls a workload makes: a notified caller blocks in
 * the kernel until answered and costs us nothing meanwhile. Only the run's first violation (and the
 * workload's own death, if that came later) is reported; the rest are only answered.
 */
#define _GNU_SOURCE
#include "supervisor.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* 6.9: a pidfd for a thread that is not the group leader */
#endif

int supervisor_open(struct supervisor *s, const struct plan *pl, int *child_end) {
    memset(s, 0, sizeof(*s));
    s->sock = -1;
    s->listener = -1;
    *child_end = -1;
    if (!pl->seccomp_notify)
        return 0;
    s->response = pl->seccomp_notify_errno;
    s->tokens = SUPERVISOR_BURST;
    int sv[2];
    /* Datagram-like: the announcement and the hand-over stay separate messages. */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    /* Every message then carries its sender's pid as we see it: the announcement names the workload. */
    int on = 1;
    if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
        int err = errno;
        close(sv[0]);
        close(sv[1]);
        errno = err;
        return -1;
    }
    s->sock = sv[0];
    *child_end = sv[1];
    return 0;
}

int supervisor_announce(int child_end) {
    return write(child_end, "W", 1) == 1 ? 0 : -1;
}

void supervisor_hand_over(int child_end, int listener) {
    char data = 'L';
    struct iovec iov = {&data, 1};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } c;
    memset(&c, 0, sizeof(c));
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.space,
                         .msg_controllen = sizeof(c.space)};
    struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &listener, sizeof(int));
    /* If the launcher is gone, so is everybody who would answer: our parent-death signal follows, and
     * with the listener closed, notified calls fail with ENOSYS until then. */
    (void)sendmsg(child_end, &msg, MSG_NOSIGNAL);
}

void supervisor_receive(struct supervisor *s) {
    char data[8];
    struct iovec iov = {data, sizeof(data)};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 4)];
    } c;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.space,
                         .msg_controllen = sizeof(c.space)};
    ssize_t n = recvmsg(s->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(s->sock);
        s->sock = -1;
        return;
    }
    struct ucred cred = {0, 0, 0};
    int fd = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
        if (h->cmsg_level != SOL_SOCKET)
            continue;
        if (h->cmsg_type == SCM_CREDENTIALS && h->cmsg_len >= CMSG_LEN(sizeof(cred))) {
            memcpy(&cred, CMSG_DATA(h), sizeof(cred));
        } else if (h->cmsg_type == SCM_RIGHTS) {
            size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int got;
                memcpy(&got, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
                if (fd < 0 && i == 0)
                    fd = got;
                else
                    close(got); /* only ever one is sent */
            }
        }
    }
    if (data[0] == 'W' && n == 1 && !s->workload) {
        s->workload = cred.pid;
    } else if (data[0] == 'L' && n == 1 && fd >= 0 && s->listener < 0) {
        struct seccomp_notif_sizes sizes;
        memset(&sizes, 0, sizeof(sizes));
        s->notif_size = sizeof(struct seccomp_notif);
        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 && sizes.seccomp_notif > s->notif_size)
            s->notif_size = sizes.seccomp_notif;
        s->listener = fd;
        fd = -1;
        /* Holding the listener, we must not be reachable through /proc/PID/fd or ptrace by a workload that
         * shares our uid (a run without its own PID namespace); Java reads nothing of ours there. */
        prctl(PR_SET_DUMPABLE, 0);
    }
    if (fd >= 0)
        close(fd);
}

int supervisor_ready(struct supervisor *s, uint64_t now_ms) {
    if (s->tokens_at == 0 || now_ms < s->tokens_at) {
        s->tokens_at = now_ms;
    } else if (now_ms > s->tokens_at) {
        uint64_t refill = now_ms - s->tokens_at;
        s->tokens = refill >= SUPERVISOR_BURST - s->tokens ? SUPERVISOR_BURST : s->tokens + (uint32_t)refill;
        s->tokens_at = now_ms;
    }
    return s->tokens > 0;
}

void supervisor_close(struct supervisor *s) {
    if (s->listener >= 0)
        close(s->listener);
    s->listener = -1;
}

/* The thread group of a notifying thread, read while its notification is still pending (so the tid is
 * still that thread's). */
static pid_t tgid_of(pid_t tid) {
    char path[48], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    pid_t tgid = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Tgid:", 5) == 0) {
            tgid = (pid_t)atoi(line + 5);
            break;
        }
    }
    fclose(f);
    return tgid;
}

/* SIGKILL for the caller's process, aimed through a pidfd checked against the notification, so that a
 * recycled tid can never be hit. Returns 1 when the signal went out. */
static int kill_caller(int listener, const struct seccomp_notif *n) {
    int pfd = (int)syscall(SYS_pidfd_open, (pid_t)n->pid, PIDFD_THREAD);
    if (pfd < 0)
        pfd = (int)syscall(SYS_pidfd_open, (pid_t)n->pid, 0); /* before 6.9: group leaders only */
    __u64 id = n->id;
    int sent = 0;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) {
        if (pfd >= 0)
            sent = syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0;
        else
            sent = kill((pid_t)n->pid, SIGKILL) == 0; /* no pidfd for a thread here; the call still pins it */
    }
    if (pfd >= 0)
        close(pfd);
    return sent;
}

/* Learn mode: the call runs as if the filter allowed it (SECCOMP_USER_NOTIF_FLAG_CONTINUE, Linux 5.5), and
 * Java hears of each syscall number once. Not a security boundary: the caller could change the memory its
 * arguments point to between our look and the kernel's, which is why learn mode is for trusted runs. */
static int learn(struct supervisor *s, const struct seccomp_notif *n, struct buf *report) {
    struct seccomp_notif_resp resp = {n->id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE};
    (void)ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: the caller died meanwhile */
    uint32_t nr = (uint32_t)n->data.nr;
    if (nr < SUPERVISOR_LEARN_NRS) {
        uint64_t bit = (uint64_t)1 << (nr % 64);
        if (s->learned[nr / 64] & bit)
            return 0;
        s->learned[nr / 64] |= bit;
    }
    buf_u32(report, VIOLATION_CONTINUED);
    buf_u32(report, (uint32_t)n->pid);
    buf_u32(report, nr);
    buf_u32(report, n->data.arch);
    buf_u64(report, n->data.instruction_pointer);
    for (int i = 0; i < 6; i++)
        buf_u64(report, n->data.args[i]);
    return 1;
}

int supervisor_handle(struct supervisor *s, struct buf *report) {
    uint64_t storage[32]; /* 256 bytes: struct seccomp_notif is 80 today and may grow */
    if (s->notif_size > sizeof(storage))
        s->notif_size = sizeof(storage);
    memset(storage, 0, sizeof(storage)); /* RECV refuses a buffer that is not zeroed */
    struct seccomp_notif *n = (struct seccomp_notif *)storage;
    if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0)
        return 0; /* ENOENT: the caller died before we got to it; EINTR: next wakeup */
    if (s->tokens)
        s->tokens--;

    if (s->response == NOTIFY_CONTINUE)
        return learn(s, n, report);

    int killing = s->response == 0;
    /* Which process it was matters only for what is reported, and is looked up only while it might be. */
    int workload = 0;
    if (!s->reported || (killing && !s->workload_killed))
        workload = s->workload && ((pid_t)n->pid == s->workload || tgid_of((pid_t)n->pid) == s->workload);
    int answered = 0;
    if (killing && kill_caller(s->listener, n)) {
        answered = 1; /* its death withdraws the notification; the call never runs */
    } else {
        /* The plan's errno, or, when the kill could not be sent (the caller is already dying), ENOSYS, what
         * a call gets whose listener is gone. Fails with ENOENT if the caller died meanwhile. */
        struct seccomp_notif_resp resp = {n->id, 0, -(int32_t)(killing ? ENOSYS : s->response), 0};
        answered = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0 || killing;
    }
    if (!answered)
        return 0;
    int report_it = !s->reported || (killing && workload && !s->workload_killed);
    if (!report_it)
        return 0;
    s->reported = 1;
    if (killing && workload)
        s->workload_killed = 1;
    buf_u32(report, (workload ? VIOLATION_WORKLOAD : 0) | (killing ? VIOLATION_KILLED : 0));
    buf_u32(report, (uint32_t)n->pid);
    buf_u32(report, (uint32_t)n->data.nr);
    buf_u32(report, n->data.arch);
    buf_u64(report, n->data.instruction_pointer);
    for (int i = 0; i < 6; i++)
        buf_u64(report, n->data.args[i]);
    return 1;
}
