/*
 * The fork server (`--serve SOCKET`): started once per JVM, it forks one launcher per sandbox on request,
 * so that a run costs a fork of this small static process instead of the JVM's own spawn path
 * (jspawnhelper, an extra exec) plus the launcher's start.
 *
 * It binds SOCKET (in the caller's 0700 run directory) and accepts exactly one connection: the JVM's, known
 * by the peer's pid (our parent) and uid (ours), then unlinks the name and closes the listener: nobody else
 * can ever talk to it. Then, on that connection (frames as in wire.h):
 *   SPAWN {u32 id, plan} + 4 or 5 fds (SCM_RIGHTS): fork; the child takes the first three as 0/1/2 and the
 *       fourth, its end of a socket pair the JVM made, as its control connection (no path anyone could
 *       connect to), a fifth (a pre-warmed plan's hold pipe) as LAUNCHER_HOLD_FD, and starts on the plan (a
 *       MSG_PLAN payload; empty: Java sends it on the control connection). Reply SPAWNED {id, pid} or
 *       SPAWN_FAILED {id, errno}.
 *   KILL_CHILD {u32 pid}: SIGKILL that child, if it is ours and not yet reaped (a reaped pid may have
 *       been reused by anyone).
 *   Every child we reap is reported as REAPED {pid, wait status}.
 * A fork costs about a millisecond on a paravirtualised guest (page tables copied, then the child waits to
 * be scheduled), so the server keeps one launcher forked ahead of time, the spare, waiting on a socketpair:
 * a SPAWN hands it the fds, then the plan, and is answered at once. The next spare
 * is forked once no launcher runs any more, or SPARE_DELAY_MS after the last one was handed out: forked at
 * once, it would take a CPU from the launcher that just started, on a machine of two (about 1 ms of that
 * run's latency). Without a spare (its fork failed, or runs come closer than that), a SPAWN forks.
 * End of the connection (the JVM exited, crashed or closed it) kills every live child and ends the
 * server; a spare sees its socketpair close and exits. That is the only death signal it needs: PR_SET_PDEATHSIG would follow the JVM *thread* that
 * started us, and JVM threads come and go.
 *
 * The server holds no policy: it never looks at a plan. Everything a child does is the launcher's
 * ordinary per-run path.
 */
#define _GNU_SOURCE
#include "server.h"
#include "plan.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the JVM may take to connect after starting us; it normally takes a millisecond. */
#define ACCEPT_LIMIT_MS 30000
/* How long launchers that still run may delay the next spare: longer than a short sandbox takes to start
 * (its setup should not share the machine with our fork), short enough that long runs do not leave the
 * runs beside them without a spare. */
#define SPARE_DELAY_MS 20

static int conn = -1;
static pid_t spare;         /* a launcher forked ahead of time, waiting for its stdio and socket */
static int spare_sock = -1; /* our end of the spare's socketpair */
static char own_name[16];   /* our comm, which a spare takes back once it is a launcher */
static pid_t *live;
static size_t live_count, live_cap;
static uint64_t spare_due; /* CLOCK_MONOTONIC ms from which a spare is forked even while launchers run */

static void die(const char *what, int err) {
    /* No channel to Java (yet, or any more): stderr is all there is. */
    fprintf(stderr, "sandbox4j-launcher: %s: %s\n", what, strerror(err));
    exit(125);
}

static void send_reply(uint16_t type, uint32_t a, uint32_t b) {
    uint8_t f[14];
    struct buf p = {0};
    buf_u32(&p, 10);
    buf_u16(&p, type);
    buf_u32(&p, a);
    buf_u32(&p, b);
    memcpy(f, p.data, sizeof(f));
    free(p.data);
    size_t done = 0;
    while (done < sizeof(f)) {
        ssize_t r = send(conn, f + done, sizeof(f) - done, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return; /* the JVM is gone; the poll loop sees the hangup and ends us */
        done += (size_t)r;
    }
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int is_live(pid_t pid) {
    for (size_t i = 0; i < live_count; i++)
        if (live[i] == pid)
            return 1;
    return 0;
}

static void add_live(pid_t pid) {
    if (live_count == live_cap) {
        size_t cap = live_cap ? live_cap * 2 : 16;
        pid_t *p = realloc(live, cap * sizeof(*p));
        if (!p) {
            /* Untracked, the child could never be killed by request: kill it now. */
            kill(pid, SIGKILL);
            return;
        }
        live = p;
        live_cap = cap;
    }
    live[live_count++] = pid;
}

static void reap(void) {
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        if (pid == spare) {
            spare = 0;
            close(spare_sock);
            spare_sock = -1;
            continue;
        }
        int known = 0;
        for (size_t i = 0; i < live_count; i++) {
            if (live[i] == pid) {
                live[i] = live[--live_count];
                known = 1;
                break;
            }
        }
        if (known)
            send_reply(MSG_REAPED, (uint32_t)pid, (uint32_t)st);
    }
}

static void close_fds(int *fds, size_t n) {
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

/* Reads and drops the n bytes of a frame that cannot be taken; a SPAWN among them is answered SPAWN_FAILED
 * with err. Returns 2 (skipped), or -1 when the connection ends first. */
static int skip_request(uint32_t n, int err) {
    uint8_t head[6];
    uint8_t sink[65536];
    uint32_t got = 0;
    while (got < n) {
        size_t want = n - got < sizeof(sink) ? n - got : sizeof(sink);
        ssize_t r = read(conn, sink, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        for (ssize_t i = 0; i < r && got + (uint32_t)i < sizeof(head); i++)
            head[got + (uint32_t)i] = sink[i];
        got += (uint32_t)r;
    }
    if (n >= sizeof(head) && (head[0] | head[1] << 8) == MSG_SPAWN)
        send_reply(MSG_SPAWN_FAILED, (uint32_t)head[2] | (uint32_t)head[3] << 8 | (uint32_t)head[4] << 16 |
                                         (uint32_t)head[5] << 24, (uint32_t)err);
    return 2;
}

/*
 * Reads one frame. Descriptors travel with the first byte of the sendmsg that carried them, which is the
 * first byte of a SPAWN frame (Java sends each frame in one sendmsg), so they arrive with the header.
 * Returns 1, 2 for a frame that was skipped (see skip_request), 0 on EOF, -1 when the connection broke.
 */
static int read_request(uint16_t *type, uint8_t **payload, size_t *len, int *fds, size_t *nfds) {
    uint8_t h[4];
    size_t got = 0;
    *nfds = 0;
    while (got < sizeof(h)) {
        union {
            struct cmsghdr align;
            char space[CMSG_SPACE(SPAWN_FDS_MAX * sizeof(int))];
        } control;
        struct iovec iov = {h + got, sizeof(h) - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                             .msg_controllen = sizeof(control.space)};
        ssize_t r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && got == 0 && *nfds == 0 ? 0 : -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < n; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (*nfds < SPAWN_FDS_MAX)
                    fds[(*nfds)++] = fd;
                else
                    close(fd);
            }
        }
        if (msg.msg_flags & MSG_CTRUNC) {
            /* More descriptors than any request carries: the kernel dropped the rest; refuse them all. */
            close_fds(fds, *nfds);
            *nfds = 0;
            fds[0] = -1;
        }
        got += (size_t)r;
    }
    uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint8_t *p = n >= 2 && n <= WIRE_MAX_FRAME ? malloc(n) : NULL;
    if (!p) {
        /* Too large, too short or no memory for it: this request fails alone. Its bytes are read and dropped,
         * so the next frame starts where it should, and every other run goes on. */
        close_fds(fds, *nfds);
        *nfds = 0;
        return skip_request(n, n >= 2 && n <= WIRE_MAX_FRAME ? ENOMEM : n < 2 ? EINVAL : E2BIG);
    }
    for (got = 0; got < n;) {
        ssize_t r = read(conn, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(p);
            close_fds(fds, *nfds);
            *nfds = 0;
            return -1;
        }
        got += (size_t)r;
    }
    *type = (uint16_t)(p[0] | p[1] << 8);
    *len = n - 2;
    memmove(p, p + 2, n - 2);
    *payload = p;
    return 1;
}

static uint32_t u32_at(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int accept_parent(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        die("socket path too long", ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    int lis = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lis < 0)
        die("socket", errno);
    if (bind(lis, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        die(path, errno);
    if (listen(lis, 8) < 0) {
        unlink(path);
        die("listen", errno);
    }
    pid_t parent = getppid();
    int c = -1;
    for (;;) {
        struct pollfd pfd = {lis, POLLIN, 0};
        int n = poll(&pfd, 1, ACCEPT_LIMIT_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            unlink(path);
            die("nobody connected", n == 0 ? ETIMEDOUT : errno);
        }
        c = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        /* Only the JVM that started us: a process of the same uid (a sandbox's workload, say) that found the
         * name must get nothing, and the JVM is our parent. Anyone else is hung up on. */
        struct ucred cred;
        socklen_t cl = sizeof(cred);
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && cred.pid == parent &&
            cred.uid == getuid())
            break;
        close(c);
    }
    unlink(path);
    close(lis);
    return c;
}

/* Sent by the terminal to its whole foreground process group, which we share with the JVM and our
 * launchers. The launchers forward them to their workloads; the server must not die of them and take
 * every running sandbox along: it ends with its connection, when the JVM does. */
static const int terminal_signals[] = {SIGINT, SIGQUIT, SIGHUP};
#define TERMINAL_SIGNAL_COUNT (sizeof(terminal_signals) / sizeof(terminal_signals[0]))

/* In the child: the first three received fds become 0/1/2, the fourth the control connection LAUNCHER_CTL_FD, a
 * fifth LAUNCHER_HOLD_FD; then nothing else stays open, blocked or ignored that `main` did not leave so. */
static void become_launcher(const int *fds, size_t nfds, struct spawned_plan *plan) {
    /* The hold pipe out of the way first: its source may be a number the others are moved onto. */
    int hold = nfds > SPAWN_FDS ? fcntl(fds[SPAWN_FDS], F_DUPFD_CLOEXEC, LAUNCHER_HOLD_FD + 1) : -1;
    if (nfds > SPAWN_FDS && hold < 0)
        _exit(125);
    for (int i = 0; i < 3; i++) {
        /* dup2 onto 0/1/2 clears close-on-exec there, so the workload inherits them. The sources are
         * all above 2 (our own 0/1/2 are open), so no dup2 overwrites a source still needed. */
        if (dup2(fds[i], i) < 0)
            _exit(125);
    }
    /* Close-on-exec: the control connection is the launcher's alone, never the workload's. A stdio source
     * that was fd 3 is overwritten, but it was copied to 0/1/2 above. */
    if (fds[3] == LAUNCHER_CTL_FD ? fcntl(LAUNCHER_CTL_FD, F_SETFD, FD_CLOEXEC) < 0
                                  : dup3(fds[3], LAUNCHER_CTL_FD, O_CLOEXEC) < 0)
        _exit(125);
    if (hold >= 0 && dup3(hold, LAUNCHER_HOLD_FD, O_CLOEXEC) < 0)
        _exit(125);
    plan->hold_fd = hold >= 0 ? LAUNCHER_HOLD_FD : -1;
    unsigned int first_closed = hold >= 0 ? LAUNCHER_HOLD_FD + 1U : LAUNCHER_CTL_FD + 1U;
    if (syscall(SYS_close_range, first_closed, ~0U, 0) < 0) {
        for (int fd = (int)first_closed; fd < 65536; fd++)
            close(fd);
    }
    for (size_t i = 0; i < TERMINAL_SIGNAL_COUNT; i++)
        signal(terminal_signals[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The spare: forked before it is needed, so that a SPAWN costs a message, not a fork. It waits for its
 * assignment on a socketpair: one message of one byte with the SPAWN's fds, then one with the plan (possibly
 * empty). EOF there means the server is gone or no longer wants it. */
static void spare_wait(int sock, struct spawned_plan *plan) {
    int fds[SPAWN_FDS_MAX];
    char byte;
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(SPAWN_FDS_MAX * sizeof(int))];
    } control;
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof(control.space)};
    ssize_t r;
    do {
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (r < 0 && errno == EINTR);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    size_t nfds = c ? (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;
    if (r <= 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        (msg.msg_flags & MSG_CTRUNC) || nfds < SPAWN_FDS || nfds > SPAWN_FDS_MAX ||
        c->cmsg_len != CMSG_LEN(nfds * sizeof(int)))
        _exit(0);
    memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
    /* The plan: a u32 length first (a SEQPACKET message cannot be empty and tell apart from EOF), so
     * the message's size is known before it is read. */
    do {
        r = recv(sock, NULL, 0, MSG_PEEK | MSG_TRUNC);
    } while (r < 0 && errno == EINTR);
    uint8_t *buf = r >= 4 && (size_t)r <= 4 + WIRE_MAX_FRAME ? malloc((size_t)r) : NULL;
    if (!buf)
        _exit(0);
    ssize_t n;
    do {
        n = recv(sock, buf, (size_t)r, 0);
    } while (n < 0 && errno == EINTR);
    if (n != r || u32_at(buf) != (uint32_t)(r - 4))
        _exit(0);
    memmove(buf, buf + 4, (size_t)r - 4);
    plan->data = buf;
    plan->len = (size_t)r - 4;
    prctl(PR_SET_NAME, own_name);
    become_launcher(fds, nfds, plan);
}

/* Returns 1 in the spare once it has been assigned; 0 in the server. */
static int make_spare(struct spawned_plan *plan) {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(sp[0]);
        close(conn);
        /* Named, so that whoever looks (the tests' leak checks) can tell it from a leftover launcher. */
        prctl(PR_SET_NAME, "sandbox4j-spare");
        spare_wait(sp[1], plan);
        return 1;
    }
    close(sp[1]);
    if (pid < 0) {
        close(sp[0]);
        return 0;
    }
    spare = pid;
    spare_sock = sp[0];
    return 0;
}

/* Hands the request to the spare; returns its pid, or 0 when there is none or it is gone (or the plan is
 * too large for one message on its socketpair: then the SPAWN forks, and the child has the plan). */
static pid_t use_spare(const int *fds, size_t nfds, const uint8_t *plan, size_t plan_len) {
    if (!spare)
        return 0;
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(SPAWN_FDS_MAX * sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    const size_t len = 1;
    struct iovec iov = {"S", len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = CMSG_SPACE(nfds * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    pid_t pid = spare;
    ssize_t r;
    do {
        r = sendmsg(spare_sock, &msg, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r == (ssize_t)len) {
        uint8_t *m = malloc(4 + plan_len);
        r = -1;
        if (m) {
            for (int i = 0; i < 4; i++)
                m[i] = (uint8_t)((uint32_t)plan_len >> (8 * i));
            if (plan_len)
                memcpy(m + 4, plan, plan_len);
            do {
                r = send(spare_sock, m, 4 + plan_len, MSG_NOSIGNAL);
            } while (r < 0 && errno == EINTR);
            r = r == (ssize_t)(4 + plan_len) ? (ssize_t)len : -1;
            free(m);
        }
    }
    close(spare_sock);
    spare_sock = -1;
    spare = 0;
    if (r != (ssize_t)len) {
        kill(pid, SIGKILL); /* reaped like any child; never reported, it was nobody's launcher */
        return 0;
    }
    return pid;
}

void serve(const char *path, struct spawned_plan *plan) {
    /* Received descriptors must land above 2, which needs our own 0/1/2 open (the JVM gives /dev/null). */
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            die("/dev/null", errno);
    }
    for (size_t i = 0; i < TERMINAL_SIGNAL_COUNT; i++)
        signal(terminal_signals[i], SIG_IGN);
    prctl(PR_GET_NAME, own_name);
    conn = accept_parent(path);

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        die("signalfd", errno);
    for (;;) {
        /* A spare for the next SPAWN: at the start, once the launchers are done (or SPARE_DELAY_MS after the
         * last spare went), or after one died (someone killed it). Only one attempt per event, so a fork that
         * keeps failing (a pids limit) costs no spinning: the SPAWN then forks itself, and reports that
         * fork's errno. */
        int timeout = -1;
        if (!spare) {
            uint64_t now = live_count ? now_ms() : 0;
            if (!live_count || now >= spare_due) {
                if (make_spare(plan))
                    return;
            } else {
                timeout = (int)(spare_due - now);
            }
        }
        struct pollfd pfds[2] = {{conn, POLLIN, 0}, {sfd, POLLIN, 0}};
        int ready = poll(pfds, 2, timeout);
        if (ready == 0)
            continue; /* the spare is due */
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfds[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
            }
            reap();
        }
        if (!pfds[0].revents)
            continue;
        uint16_t type = 0;
        uint8_t *p = NULL;
        size_t len = 0;
        int fds[SPAWN_FDS_MAX];
        size_t nfds;
        int got = read_request(&type, &p, &len, fds, &nfds);
        if (got <= 0)
            break;
        if (got == 2)
            continue;
        pid_t pid;
        if (type == MSG_SPAWN && len >= 4) {
            spare_due = now_ms() + SPARE_DELAY_MS;
            uint32_t id = u32_at(p);
            if (nfds < SPAWN_FDS) {
                close_fds(fds, nfds);
                send_reply(MSG_SPAWN_FAILED, id, EINVAL);
            } else if ((pid = use_spare(fds, nfds, p + 4, len - 4)) > 0) {
                close_fds(fds, nfds);
                add_live(pid);
                send_reply(MSG_SPAWNED, id, (uint32_t)pid);
            } else {
                pid = fork();
                if (pid == 0) {
                    memmove(p, p + 4, len - 4);
                    plan->data = p;
                    plan->len = len - 4;
                    free(live);
                    become_launcher(fds, nfds, plan);
                    return;
                }
                int err = errno;
                close_fds(fds, nfds);
                if (pid < 0) {
                    send_reply(MSG_SPAWN_FAILED, id, (uint32_t)err);
                } else {
                    add_live(pid);
                    send_reply(MSG_SPAWNED, id, (uint32_t)pid);
                }
            }
        } else {
            close_fds(fds, nfds);
            if (type == MSG_KILL_CHILD && len == 4) {
                pid_t pid = (pid_t)u32_at(p);
                if (pid > 0 && is_live(pid))
                    kill(pid, SIGKILL);
            }
            /* Anything else is ignored: the JVM speaks this protocol version, so it is a bug there. */
        }
        free(p);
    }
    /* The JVM is gone: so must be every sandbox it asked for. Each launcher would also see its own
     * control socket close, but only after the JVM's death reached it; this is immediate. */
    for (size_t i = 0; i < live_count; i++)
        kill(live[i], SIGKILL);
    if (spare)
        kill(spare, SIGKILL);
    exit(0);
}
