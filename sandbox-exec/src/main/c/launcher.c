/*
 * sandbox4j launcher: everything that must happen between fork and exec, which a
 * multi-threaded JVM cannot do itself. Java decides, this program executes: it
 * reads one launch plan from the control socket, performs its steps in order, and
 * reports what happened. It holds no policy of its own.
 *
 *   L (this process, stays in the host namespaces: the monitor)
 *   └── init (clone with the plan's namespaces: PID 1, reaps and forwards)
 *       └── workload (hostname, lo, mounts, rlimits, credentials, caps, seccomp, execve)
 *
 * Channels, all created before any namespace exists:
 *   ctl      Unix socket to Java: plan in, frames out (see wire.h)
 *   errpipe  workload/init -> L: one setup-error record; EOF without one = exec succeeded
 *   statpipe init -> L: the workload's wait status and rusage
 *   syncpipe L -> init: "maps written" then "kill"; EOF = L is gone
 * The workload's stdin/stdout/stderr are ours, untouched; we never write to them.
 *
 * Started per run (`--accept SOCKET`, by ProcessBuilder: we listen there, and take the one connection that
 * comes from the JVM, our parent), or forked per run by the JVM's fork server (`--serve SOCKET`, server.c),
 * whose child has its control connection handed over and then takes exactly the `--accept` path.
 */
#define _GNU_SOURCE
#include "filesystem.h"
#include "plan.h"
#include "server.h"
#include "supervisor.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#define ALLOWED_CLONE_FLAGS                                                                        \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |  \
     CLONE_NEWNET)

static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define FORWARDED_COUNT (sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

static int ctl = -1;
/* Supervised runs (plan F_SECCOMP_NOTIFY): the sandbox side's end of the listener hand-over socket, and the
 * listener the workload leaves there for init (they share memory, and their descriptor table, until the
 * workload's execve: see supervisor.c). */
static int notify_sock = -1;
static volatile int workload_listener = -1;

/* ---- small I/O helpers ---------------------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        /* MSG_NOSIGNAL only means something on sockets; pipes fall back to write(). */
        ssize_t r = send(fd, c, n, MSG_NOSIGNAL);
        if (r < 0 && errno == ENOTSOCK)
            r = write(fd, c, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads exactly n bytes. Returns 1, 0 on EOF before the first byte, -1 on error or short read. */
static int read_exact(int fd, void *p, size_t n) {
    char *c = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, c + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static void send_frame(uint16_t type, const struct buf *payload) {
    if (ctl < 0)
        return;
    struct buf f = {0};
    buf_u32(&f, (uint32_t)(2 + (payload ? payload->len : 0)));
    buf_u16(&f, type);
    if (payload)
        buf_bytes(&f, payload->data, payload->len);
    /* Java may be gone; then there is nobody to tell and the poll loop notices the hangup. */
    (void)write_all(ctl, f.data, f.len);
    free(f.data);
}

/* Returns 1 with a frame, 0 on orderly EOF, -1 on a broken or oversized frame. */
static int read_frame(int fd, uint16_t *type, uint8_t **payload, size_t *len) {
    uint8_t h[4];
    int r = read_exact(fd, h, 4);
    if (r <= 0)
        return r;
    uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (n < 2 || n > WIRE_MAX_FRAME)
        return -1;
    uint8_t *p = malloc(n);
    if (!p || read_exact(fd, p, n) != 1) {
        free(p);
        return -1;
    }
    *type = (uint16_t)(p[0] | p[1] << 8);
    *len = n - 2;
    memmove(p, p + 2, n - 2);
    *payload = p;
    return 1;
}

static void report_error(const char *step, int err, const char *detail) {
    struct buf b = {0};
    buf_u32(&b, (uint32_t)err);
    buf_str(&b, step);
    buf_str(&b, detail ? detail : "");
    send_frame(MSG_SETUP_ERROR, &b);
    free(b.data);
}

/*
 * Setup-error record written by init or the workload into errpipe: u32 errno, u16 step length,
 * step, u16 detail length, detail. Kept under PIPE_BUF so the write is atomic.
 */
static void child_fail(int fd, const char *step, int err, const char *detail) {
    uint8_t rec[512];
    size_t sl = strlen(step), dl = detail ? strlen(detail) : 0;
    if (sl > 100)
        sl = 100;
    if (dl > sizeof(rec) - 8 - sl)
        dl = sizeof(rec) - 8 - sl;
    for (int i = 0; i < 4; i++)
        rec[i] = (uint8_t)((uint32_t)err >> (8 * i));
    rec[4] = (uint8_t)sl;
    rec[5] = (uint8_t)(sl >> 8);
    memcpy(rec + 6, step, sl);
    rec[6 + sl] = (uint8_t)dl;
    rec[7 + sl] = (uint8_t)(dl >> 8);
    if (dl)
        memcpy(rec + 8 + sl, detail, dl);
    /* write(), not send(): after the filter only write and exit_group are sure to be permitted. One write is
     * whole: the record is under PIPE_BUF, and no handler can interrupt it. */
    (void)!write(fd, rec, 8 + sl + dl);
    _exit(127);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    size_t n = strlen(text);
    ssize_t r = write(fd, text, n); /* one write: id maps refuse to be written piecewise */
    int err = r < 0 ? errno : (size_t)r != n ? EIO : 0;
    close(fd);
    return err;
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Closes whatever the parent leaked above stderr: we hold nothing yet, and a leaked pipe of another
 * sandbox kept open here would delay that sandbox's end-of-file until we exit. */
static void close_from_3(void) {
    if (syscall(SYS_close_range, 3U, ~0U, 0) == 0)
        return;
    for (int fd = 3; fd < 65536; fd++)
        close(fd);
}

/* Closes every descriptor from 3 up but those in keep. */
static void close_all_but(const int *keep, size_t n) {
    unsigned int from = 3;
    for (;;) {
        unsigned int next = ~0U; /* the lowest kept descriptor at or above from */
        for (size_t i = 0; i < n; i++) {
            if (keep[i] >= (int)from && (unsigned int)keep[i] < next)
                next = (unsigned int)keep[i];
        }
        if (next > from && syscall(SYS_close_range, from, next == ~0U ? ~0U : next - 1, 0) < 0) {
            for (unsigned int fd = from; fd < next && fd < 65536; fd++)
                close((int)fd);
        }
        if (next == ~0U)
            return;
        from = next + 1;
    }
}

/* ---- the workload: the process that becomes the program ------------------------------------- */

static void loopback_up(int errfd) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        child_fail(errfd, "loopback up", errno, "socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        child_fail(errfd, "loopback up", errno, "SIOCGIFFLAGS lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        child_fail(errfd, "loopback up", errno, "SIOCSIFFLAGS lo");
    close(s);
}

/* The running kernel's last capability, not the compile-time CAP_LAST_CAP: a static binary outlives its
 * headers. Read once by main (see read_last_cap); 63 when unknown, and PR_CAPBSET_DROP refuses the numbers
 * the kernel does not know with EINVAL. */
static int last_cap = 63;

/* Before the fork server forks anything, so that every launcher it forks inherits the figure and no
 * workload spends a file read on it (about 0.1 ms here) between clone and execve. */
static void read_last_cap(void) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char text[16];
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return;
    text[n] = 0;
    char *end;
    long v = strtol(text, &end, 10);
    if (end != text && v >= 0 && v <= 63)
        last_cap = (int)v;
}

static void drop_bounding_set(int errfd) {
    for (int cap = 0; cap <= last_cap; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
            char d[32];
            snprintf(d, sizeof(d), "capability %d", cap);
            child_fail(errfd, "drop bounding set", errno, d);
        }
    }
}

/*
 * A pre-warmed sandbox (F_PREWARMED): everything before this point was done ahead of the request. What is left of the
 * plan, the program, its arguments, environment and directory, comes now from L (MSG_CONTINUE), as u32 length and
 * a plan payload that may set those four fields and nothing else. End-of-file: the sandbox goes unused.
 */
static void take_rest(struct plan *rest, int holdfd, int errfd) {
    uint8_t h[4];
    if (read_exact(holdfd, h, 4) != 1)
        _exit(127);
    uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint8_t *p = n <= WIRE_MAX_FRAME ? malloc(n ? n : 1) : NULL;
    if (!p || read_exact(holdfd, p, n) != 1)
        child_fail(errfd, "read the rest of the plan", EPROTO, NULL);
    char why[256];
    if (plan_decode(p, n, rest, why, sizeof(why)) < 0)
        child_fail(errfd, "decode the rest of the plan", EINVAL, why);
    if (rest->clone_flags || rest->hostname || rest->uid_map || rest->gid_map || rest->setgroups_deny ||
        rest->has_uid || rest->has_gid || rest->clear_groups || rest->rlimit_count || rest->cgroup_procs.count ||
        rest->mount_count || rest->loopback_up || rest->new_session || rest->seccomp || rest->seccomp_notify ||
        rest->landlock_handled || rest->landlock_rule_count || rest->hold || rest->prewarmed)
        child_fail(errfd, "decode the rest of the plan", EINVAL,
                   "it may set only the program, arguments, environment and directory");
}

static void run_workload(const struct plan *pl, int errfd, int holdfd, pid_t init_pid) {
    char detail[256];

    if (pl->hostname && sethostname(pl->hostname, strlen(pl->hostname)) < 0)
        child_fail(errfd, "sethostname", errno, pl->hostname);
    if (pl->loopback_up)
        loopback_up(errfd);
    /* Files and directories the mount plan creates belong to the workload's ids. A root caller's own ids
     * are not mapped in its user namespace (creating anything would fail with EOVERFLOW), and changing
     * only the filesystem ids keeps CAP_SYS_ADMIN for the mounts. */
    if ((pl->clone_flags & CLONE_NEWUSER) && pl->mount_count) {
        if (pl->has_gid && (setfsgid(pl->gid), setfsgid(pl->gid) != (int)pl->gid))
            child_fail(errfd, "setfsgid", EPERM, NULL);
        if (pl->has_uid && (setfsuid(pl->uid), setfsuid(pl->uid) != (int)pl->uid))
            child_fail(errfd, "setfsuid", EPERM, NULL);
    }
    for (size_t i = 0; i < pl->mount_count; i++) {
        const struct mount_item *m = &pl->mounts[i];
        if (m->kind == MOUNT_PRIVATE_ROOT) {
            /* Without this, mounts made here could propagate back to a shared host "/". */
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                child_fail(errfd, "mount private root", errno, "/");
        } else if (m->kind == MOUNT_PROC) {
            if (mount("proc", m->target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                child_fail(errfd, "mount proc", errno, m->target);
        } else {
            struct fs_error e;
            if (fs_mount(m, &e) < 0)
                child_fail(errfd, e.step, e.err, e.detail);
        }
    }
    for (size_t i = 0; i < pl->rlimit_count; i++) {
        /* Lower only: raising a hard limit needs CAP_SYS_RESOURCE in the initial namespace. */
        const struct rlimit_item *r = &pl->rlimits[i];
        struct rlimit cur, want;
        if (getrlimit((int)r->resource, &cur) < 0)
            goto rlimit_fail;
        want.rlim_max = r->hard < cur.rlim_max ? r->hard : cur.rlim_max;
        want.rlim_cur = r->soft < want.rlim_max ? r->soft : want.rlim_max;
        if (setrlimit((int)r->resource, &want) == 0)
            continue;
    rlimit_fail:
        snprintf(detail, sizeof(detail), "resource %u soft %llu hard %llu", r->resource,
                 (unsigned long long)r->soft, (unsigned long long)r->hard);
        child_fail(errfd, "setrlimit", errno, detail);
    }
    /* A new session: the workload loses the caller's terminal, so TIOCSTI cannot inject input. */
    if (pl->new_session && setsid() < 0)
        child_fail(errfd, "setsid", errno, NULL);

    /* The bounding set first: dropping it needs CAP_SETPCAP, which a non-root uid no longer has. */
    drop_bounding_set(errfd);
    if (pl->clear_groups && setgroups(0, NULL) < 0)
        child_fail(errfd, "setgroups", errno, "clear supplementary groups");
    if (pl->has_gid && setresgid(pl->gid, pl->gid, pl->gid) < 0) {
        snprintf(detail, sizeof(detail), "gid %u", pl->gid);
        child_fail(errfd, "setresgid", errno, detail);
    }
    if (pl->has_uid && setresuid(pl->uid, pl->uid, pl->uid) < 0) {
        snprintf(detail, sizeof(detail), "uid %u", pl->uid);
        child_fail(errfd, "setresuid", errno, detail);
    }
    /* Credential changes clear the parent-death signal; arm it again, then check for the race. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        child_fail(errfd, "prctl PDEATHSIG", errno, NULL);
    if (getppid() != init_pid)
        _exit(127);

    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    memset(caps, 0, sizeof(caps));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        child_fail(errfd, "clear ambient capabilities", errno, NULL);
    if (syscall(SYS_capset, &hdr, caps) < 0)
        child_fail(errfd, "capset", errno, "drop all capabilities");

    /* Held (a pre-warmed sandbox): the request's part of the plan arrives here, everything before was done. */
    struct plan rest = *pl;
    if (pl->prewarmed) {
        /* Held for a while: no process of the same host ids may trace us or write our memory meanwhile (execve
         * sets this back as it would for any program). */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
            child_fail(errfd, "prctl DUMPABLE", errno, "held");
        /* Our pid is known now: the launcher learns it while we wait, not while the run waits for our exec. */
        if (pl->seccomp_notify && supervisor_announce(notify_sock) < 0)
            child_fail(errfd, "seccomp supervisor", errno, "announce the workload");
        take_rest(&rest, holdfd, errfd);
    }

    /* chdir after the switch, so the workload's own permissions decide, then reject a cwd
     * that lies outside our root (a leaked directory fd trick). */
    if (rest.cwd) {
        if (chdir(rest.cwd) < 0)
            child_fail(errfd, "chdir", errno, rest.cwd);
        char here[4096];
        if (!getcwd(here, sizeof(here)) || here[0] != '/')
            child_fail(errfd, "getcwd", errno ? errno : ENOENT, rest.cwd);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail(errfd, "no_new_privs", errno, NULL);
    /* After every mount (a Landlock-restricted thread can no longer mount) and before seccomp (which
     * may deny the landlock syscalls). */
    struct fs_error le;
    if (fs_landlock(pl, &le) < 0)
        child_fail(errfd, le.step, le.err, le.detail);
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0 && errno != ENOSYS)
        child_fail(errfd, "close fds", errno, NULL);

    /* The program gets default dispositions and an empty mask, whatever we used along the way. */
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Last before execve, so the filter only has to allow execve, write and exit_group. */
    if (pl->seccomp) {
        struct sock_fprog prog = {(unsigned short)(pl->seccomp_len / 8),
                                  (struct sock_filter *)pl->seccomp};
        unsigned int flags = 0;
        if (pl->seccomp_notify) {
            /* Before the filter: the launcher learns our pid as it sees it. After it we make no call but
             * execve: init hands the listener over once that has happened (supervisor.c). */
            if (!pl->prewarmed && supervisor_announce(notify_sock) < 0)
                child_fail(errfd, "seccomp supervisor", errno, "announce the workload");
            flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
        }
        long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (listener < 0)
            child_fail(errfd, "seccomp", errno, flags ? "with a listener" : NULL);
        if (flags)
            workload_listener = (int)listener;
    }
    execve(rest.program, rest.argv.items, rest.envp.items);
    child_fail(errfd, "execve", errno, rest.program);
}

/* ---- init: PID 1 of the sandbox ------------------------------------------------------------- */

struct report {
    int have;
    int status;
    struct rusage ru;
};

/* Kills every other process of the sandbox. With its own PID namespace, kill(-1) from init
 * reaches exactly the namespace; without one we only know our descendants. */
static void kill_sandbox(int pidns, pid_t w) {
    if (pidns) {
        kill(-1, SIGKILL);
    } else {
        kill(-w, SIGKILL);
        kill(w, SIGKILL);
    }
}

/* Without a PID namespace nothing kills leftovers for us: as a subreaper we adopt every orphan,
 * so kill whatever is our child until none is left. */
static void drain_descendants(pid_t w) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
    for (;;) {
        kill(-w, SIGKILL);
        FILE *f = fopen(path, "re");
        if (f) {
            int pid;
            while (fscanf(f, "%d", &pid) == 1)
                kill(pid, SIGKILL);
            fclose(f);
        }
        if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
            return;
    }
}

/* What the workload needs from init's stack frame; it runs on a stack of its own (see run_init). */
struct workload_start {
    const struct plan *pl;
    int errfd, sfd, statfd, syncfd, holdfd;
    pid_t init;
};

static int workload_main(void *arg) {
    const struct workload_start *ws = arg;
    /* Our own descriptor table (no CLONE_FILES): these close here only, not in init. A supervised run
     * shares init's table until execve, which closes them (all close-on-exec) in our copy only. */
    if (!ws->pl->seccomp_notify) {
        close(ws->sfd);
        close(ws->statfd);
        close(ws->syncfd);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        child_fail(ws->errfd, "prctl PDEATHSIG", errno, NULL);
    run_workload(ws->pl, ws->errfd, ws->holdfd, ws->init); /* ends in execve or _exit */
    return 127;
}

/* The workload's stack while it shares init's memory: run_workload's frames are a few KiB (the largest
 * are 4 KiB path buffers); untouched pages of the mapping cost nothing. */
#define WORKLOAD_STACK_SIZE (1u << 20)

static void run_init(struct plan *pl, int errfd, int statfd, int syncfd, int holdfd) {
    int pidns = (pl->clone_flags & CLONE_NEWPID) != 0;
    /* L is single-threaded, so the "parent thread" caveat of PDEATHSIG does not apply here. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char go;
    /* Also the race check: if L died before the prctl, its end of syncpipe is closed. */
    if (read_exact(syncfd, &go, 1) != 1 || go != 'G')
        _exit(1);
    /* L moved us into the run's cgroups before "G" and left the cgroup namespace out of the clone
     * (clone_flags_of): created now, it is rooted where we stand. */
    if ((pl->clone_flags & CLONE_NEWCGROUP) && pl->cgroup_procs.count && unshare(CLONE_NEWCGROUP) < 0)
        child_fail(errfd, "unshare", errno, "cgroup namespace");
    if (!pidns)
        prctl(PR_SET_CHILD_SUBREAPER, 1);

    sigset_t all, watched;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    for (size_t i = 0; i < FORWARDED_COUNT; i++)
        sigaddset(&watched, forwarded_signals[i]);
    int sfd = signalfd(-1, &watched, SFD_CLOEXEC);
    if (sfd < 0)
        child_fail(errfd, "signalfd", errno, "init");

    /* The workload shares our memory until its execve (CLONE_VM|CLONE_VFORK, as posix_spawn does), on a
     * stack of its own, while we wait: no copy of our page tables, and no copied address space for its
     * execve to tear down, about a millisecond on a paravirtualised guest. Nothing it changes in the
     * shared memory matters to us: it only reads the plan, and what it allocates stays unused. Everything
     * it changes about itself (ids, capabilities, mounts, rlimits, filters, descriptors, signal
     * dispositions) is per process or per task, not per address space. */
    struct workload_start ws = {pl, errfd, sfd, statfd, syncfd, holdfd, getpid()};
    void *stack = mmap(NULL, WORKLOAD_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        child_fail(errfd, "fork workload", errno, "stack");
    int shared = pl->seccomp_notify ? CLONE_FILES : 0;
    pid_t w = clone(workload_main, (char *)stack + WORKLOAD_STACK_SIZE, CLONE_VM | CLONE_VFORK | shared | SIGCHLD, &ws);
    if (w < 0)
        child_fail(errfd, "fork workload", errno, NULL);
    /* Back here once the workload has exec'd or died: its stack is ours to drop, the bind sources too. */
    munmap(stack, WORKLOAD_STACK_SIZE);
    fs_close_bind_sources(pl);
    if (!shared && holdfd >= 0)
        close(holdfd); /* a shared table loses it with the rest below */
    if (shared) {
        if (workload_listener >= 0)
            supervisor_hand_over(notify_sock, workload_listener);
        /* Whatever the workload's setup left in the table we shared goes with the listener and the socket. */
        int keep[] = {sfd, statfd, syncfd, errfd};
        close_all_but(keep, sizeof(keep) / sizeof(keep[0]));
    }
    close(errfd);
    /* The workload can see us in its /proc: keep it from ptracing us or reading our cwd/exe. */
    prctl(PR_SET_DUMPABLE, 0);
    if (chdir("/") < 0) {
        /* Not fatal: the root is where we stand when it fails. */
    }

    struct report rep = {0};
    int killing = 0;
    for (;;) {
        /* A negative fd is skipped by poll; events=0 would still report a hangup, forever. */
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {killing ? -1 : syncfd, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents) {
            char c;
            ssize_t r = read(syncfd, &c, 1);
            /* 'K' is L passing on Java's kill; EOF means L died, and PDEATHSIG follows anyway. */
            if (r <= 0 || c == 'K') {
                kill_sandbox(pidns, w);
                killing = 1;
            }
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            /* To the workload's process group once it leads one (after setsid), as a terminal would. */
            if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD && !rep.have) {
                if (!pl->new_session || kill(-w, (int)si.ssi_signo) < 0)
                    kill(w, (int)si.ssi_signo);
            }
            for (;;) {
                int st;
                struct rusage ru;
                pid_t p = wait4(-1, &st, WNOHANG, &ru);
                if (p <= 0)
                    break;
                if (p == w) {
                    rep.have = 1;
                    rep.status = st;
                    rep.ru = ru;
                }
            }
        }
        if (rep.have)
            break;
    }
    if (!pidns)
        drain_descendants(w);
    struct buf b = {0};
    buf_u32(&b, (uint32_t)rep.status);
    buf_u64(&b, (uint64_t)rep.ru.ru_utime.tv_sec * 1000000 + (uint64_t)rep.ru.ru_utime.tv_usec);
    buf_u64(&b, (uint64_t)rep.ru.ru_stime.tv_sec * 1000000 + (uint64_t)rep.ru.ru_stime.tv_usec);
    buf_u64(&b, (uint64_t)rep.ru.ru_maxrss);
    if (rep.have)
        (void)write_all(statfd, b.data, b.len);
    /* Exiting as PID 1 makes the kernel kill whatever is left in the namespace. */
    _exit(0);
}

/* ---- L: the monitor ------------------------------------------------------------------------- */

static int write_maps(pid_t pid, const struct plan *pl) {
    char path[64];
    int err;
    if (pl->uid_map) {
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
        if ((err = write_file(path, pl->uid_map))) {
            report_error("write uid_map", err, pl->uid_map);
            return -1;
        }
    }
    /* An unprivileged writer may only write gid_map once setgroups is denied. */
    if (pl->setgroups_deny) {
        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
        if ((err = write_file(path, "deny"))) {
            report_error("write setgroups", err, "deny");
            return -1;
        }
    }
    if (pl->gid_map) {
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
        if ((err = write_file(path, pl->gid_map))) {
            report_error("write gid_map", err, pl->gid_map);
            return -1;
        }
    }
    return 0;
}

static void forward_child_error(const uint8_t *rec, size_t n) {
    char step[128] = "unknown", detail[512] = "";
    uint32_t err = 0;
    if (n >= 8) {
        err = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 |
              (uint32_t)rec[3] << 24;
        size_t sl = rec[4] | rec[5] << 8;
        if (sl < sizeof(step) && 6 + sl + 2 <= n) {
            memcpy(step, rec + 6, sl);
            step[sl] = 0;
            size_t dl = rec[6 + sl] | rec[7 + sl] << 8;
            if (dl < sizeof(detail) && 8 + sl + dl <= n) {
                memcpy(detail, rec + 8 + sl, dl);
                detail[dl] = 0;
            }
        }
    }
    report_error(step, (int)err, detail);
}

/*
 * Init goes into the run's cgroups from outside, while it waits for "G" and has forked nothing: the
 * workload is born a member, and we stay out, so that Java may read the figures and remove the cgroups
 * as soon as we report init's end, without waiting for our own exit. A cgroup namespace must then be
 * rooted at the run's cgroup, not at ours: init unshares it itself once it is in (run_init).
 */
static uint64_t clone_flags_of(const struct plan *pl) {
    return pl->cgroup_procs.count ? pl->clone_flags & ~(uint64_t)CLONE_NEWCGROUP : pl->clone_flags;
}

/*
 * Waits for Java's message `wanted`; frames of other types are dropped (a signal for a program that does not
 * exist yet has nothing to forward it to). Returns 0 on `wanted`; -1 if Java killed the run or went away first
 * (nobody to report to).
 */
static int await_message(uint16_t wanted) {
    for (;;) {
        uint16_t type;
        uint8_t *p = NULL;
        size_t len;
        if (read_frame(ctl, &type, &p, &len) != 1)
            return -1;
        free(p);
        if (type == wanted)
            return 0;
        if (type == MSG_KILL)
            return -1;
    }
}

/*
 * Java creates the run's cgroups while we start and clone init (the plan names them ahead), and says when
 * they exist, limits written: only then may init go in.
 */
static int await_cgroups(void) {
    return await_message(MSG_CGROUPS_READY);
}

/*
 * Plan F_HOLD: init sits in its namespaces, maps written and cgroups joined, while Java attaches what the plan
 * needs there (a user-mode network stack and its egress rules). Returns 0 once Java releases it; -1 if Java
 * killed the run or went away first.
 */
static int hold_init(pid_t pid) {
    struct buf b = {0};
    buf_u32(&b, (uint32_t)pid);
    send_frame(MSG_HELD, &b);
    free(b.data);
    return await_message(MSG_RELEASE);
}

static int move_to_cgroups(pid_t pid, const struct plan *pl) {
    char text[24];
    snprintf(text, sizeof(text), "%d", (int)pid);
    for (size_t i = 0; i < pl->cgroup_procs.count; i++) {
        int err = write_file(pl->cgroup_procs.items[i], text);
        if (err) {
            report_error("join cgroup", err, pl->cgroup_procs.items[i]);
            return -1;
        }
    }
    return 0;
}

/*
 * hold_fd: for a plan with F_PREWARMED, the read end of a pipe whose write end Java keeps (it came with the fork
 * server's SPAWN): Java writes the rest straight to the held workload. -1: we make the pipe and pass on the rest
 * that MSG_CONTINUE brings (a launcher started by ProcessBuilder, which cannot be handed a descriptor).
 */
static int run_plan(struct plan *pl, int hold_fd) {
    char detail[128];
    if (hold_fd >= 0 && !pl->prewarmed)
        close(hold_fd); /* nothing is held: nobody reads it */
    if (pl->clone_flags & ~(uint64_t)ALLOWED_CLONE_FLAGS) {
        snprintf(detail, sizeof(detail), "flags 0x%llx", (unsigned long long)pl->clone_flags);
        report_error("plan", EINVAL, detail);
        return 1;
    }
    int errp[2], statp[2], syncp[2], holdp[2] = {pl->prewarmed ? hold_fd : -1, -1};
    if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(statp, O_CLOEXEC) < 0 || pipe2(syncp, O_CLOEXEC) < 0 ||
        (pl->prewarmed && hold_fd < 0 && pipe2(holdp, O_CLOEXEC) < 0)) {
        report_error("pipe", errno, NULL);
        return 1;
    }
    sigset_t watched;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    for (size_t i = 0; i < FORWARDED_COUNT; i++)
        sigaddset(&watched, forwarded_signals[i]);
    sigprocmask(SIG_BLOCK, &watched, NULL);
    int sfd = signalfd(-1, &watched, SFD_CLOEXEC);
    if (sfd < 0) {
        report_error("signalfd", errno, NULL);
        return 1;
    }
    struct supervisor sup;
    if (supervisor_open(&sup, pl, &notify_sock) < 0) {
        report_error("seccomp supervisor", errno, "socketpair");
        return 1;
    }

    /* Bind sources with our (the caller's) rights, before any namespace: init and the workload inherit them. */
    struct fs_error be;
    if (fs_open_bind_sources(pl, &be) < 0) {
        report_error(be.step, be.err, be.detail);
        return 1;
    }

    /* A raw clone puts the child into every new namespace at once and makes it PID 1, while we
     * stay outside: we must write its id maps from the parent namespace (a root caller cannot map
     * itself to an unprivileged id), and a later pivot_root must not move our own root. */
    pid_t init = (pid_t)syscall(SYS_clone, (unsigned long)(clone_flags_of(pl) | SIGCHLD), NULL, NULL,
                                NULL, NULL);
    if (init < 0) {
        snprintf(detail, sizeof(detail), "namespaces 0x%llx", (unsigned long long)pl->clone_flags);
        report_error("clone", errno, detail);
        return 1;
    }
    if (init == 0) {
        close(ctl);
        close(sfd);
        close(errp[0]);
        close(statp[0]);
        close(syncp[1]);
        if (sup.sock >= 0)
            close(sup.sock);
        if (holdp[1] >= 0)
            close(holdp[1]);
        run_init(pl, errp[1], statp[1], syncp[0], holdp[0]);
    }
    close(errp[1]);
    close(statp[1]);
    close(syncp[0]);
    if (holdp[0] >= 0)
        close(holdp[0]);
    fs_close_bind_sources(pl); /* the workload has its copies */
    if (notify_sock >= 0)
        close(notify_sock);

    /* The maps first: they need nothing from Java, and are written while its cgroups may still be in the making. */
    if (((pl->clone_flags & CLONE_NEWUSER) && write_maps(init, pl) < 0) ||
        (pl->cgroup_procs.count && (await_cgroups() < 0 || move_to_cgroups(init, pl) < 0)) ||
        (pl->hold && hold_init(init) < 0)) {
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }
    if (write_all(syncp[1], "G", 1) < 0) {
        report_error("start init", errno, NULL);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }

    uint8_t errrec[600];
    size_t errlen = 0;
    uint8_t stat[28];
    size_t statlen = 0;
    int err_open = 1, stat_open = 1, ctl_open = 1;
    uint64_t kill_deadline = 0;
    while (err_open || stat_open) {
        /* The exit report is read only after the error pipe closed, so that a setup error
         * always reaches Java first. A negative fd is skipped by poll. */
        struct pollfd fds[6] = {{err_open ? errp[0] : -1, POLLIN, 0},
                                {stat_open && !err_open ? statp[0] : -1, POLLIN, 0},
                                {ctl_open ? ctl : -1, POLLIN, 0},
                                {sfd, POLLIN, 0},
                                {sup.sock, POLLIN, 0},
                                {sup.listener, POLLIN, 0}};
        int timeout = -1;
        if (kill_deadline) {
            uint64_t now = now_ms();
            timeout = now >= kill_deadline ? 0 : (int)(kill_deadline - now);
        }
        if (sup.listener >= 0 && !supervisor_ready(&sup, now_ms())) {
            fds[5].fd = -1; /* out of answers for this millisecond: the callers wait in the kernel */
            if (timeout < 0 || timeout > 1)
                timeout = 1;
        }
        int n = poll(fds, 6, timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (kill_deadline && now_ms() >= kill_deadline) {
            /* init did not finish the kill in time: its death takes the namespace with it. */
            kill(init, SIGKILL);
            kill_deadline = 0;
        }
        if (fds[0].revents) {
            ssize_t r = read(errp[0], errrec + errlen, sizeof(errrec) - errlen);
            if (r > 0) {
                errlen += (size_t)r;
            } else if (r == 0 || errno != EINTR) {
                err_open = 0;
                close(errp[0]);
                if (errlen) {
                    forward_child_error(errrec, errlen);
                } else {
                    struct buf b = {0};
                    buf_u32(&b, (uint32_t)init);
                    send_frame(MSG_EXEC_OK, &b);
                    free(b.data);
                }
            }
        }
        if (fds[1].revents) {
            ssize_t r = read(statp[0], stat + statlen, sizeof(stat) - statlen);
            if (r > 0) {
                statlen += (size_t)r;
            } else if (r == 0 || errno != EINTR) {
                stat_open = 0;
                close(statp[0]);
            }
            if (statlen == sizeof(stat)) {
                /* Reported at once, while init still takes the namespaces down (about half a millisecond
                 * here): Java reads the run's figures meanwhile, and removes the cgroups once INIT_REAPED
                 * follows. Nothing is left to do here but reap init. */
                struct buf b = {0};
                buf_bytes(&b, stat, sizeof(stat));
                send_frame(MSG_EXIT, &b);
                free(b.data);
                break;
            }
        }
        if (fds[2].revents) {
            uint16_t type;
            uint8_t *p = NULL;
            size_t len;
            int r = read_frame(ctl, &type, &p, &len);
            if (r <= 0) {
                /* Java is gone (or spoke nonsense): nobody will wait for this sandbox. */
                ctl_open = 0;
                kill(init, SIGKILL);
            } else if (type == MSG_CONTINUE && holdp[1] >= 0) {
                /* The rest of a held plan, passed on to the waiting workload; a workload that died meanwhile
                 * has reported why (EPIPE here is ignored). */
                struct buf b = {0};
                buf_u32(&b, (uint32_t)len);
                buf_bytes(&b, p, len);
                (void)write_all(holdp[1], b.data, b.len);
                free(b.data);
                close(holdp[1]);
                holdp[1] = -1;
            } else if (type == MSG_KILL) {
                /* A held workload keeps init in its vfork until it execs: init cannot take a 'K' now. */
                if ((pl->prewarmed && err_open) || write_all(syncp[1], "K", 1) < 0)
                    kill(init, SIGKILL);
                else if (!kill_deadline)
                    kill_deadline = now_ms() + 1000;
            } else if (type == MSG_SIGNAL && len == 4) {
                kill(init, (int)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                  (uint32_t)p[3] << 24));
            }
            free(p);
        }
        if (fds[3].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD)
                kill(init, (int)si.ssi_signo); /* init forwards it to the workload */
        }
        if (fds[4].revents)
            supervisor_receive(&sup);
        /* One notification per wakeup: a workload making refused calls as fast as it can never starves
         * Java's kill or the exit report above. */
        if (fds[5].revents & POLLIN) {
            struct buf b = {0};
            if (supervisor_handle(&sup, &b))
                send_frame(MSG_VIOLATION, &b);
            free(b.data);
        } else if (fds[5].revents) {
            supervisor_close(&sup); /* no task uses the filter any more */
        }
    }
    int st = 0;
    while (waitpid(init, &st, 0) < 0 && errno == EINTR) {
    }
    /* The sandbox is gone, and with it every other holder of the workload's stdio: let go of ours before
     * the last report, so that Java sees end-of-file on captured output with it, not after our exit. */
    for (int fd = 0; fd < 3; fd++)
        close(fd);
    if (statlen == sizeof(stat)) {
        /* After EXIT: init is gone, so are the cgroups' tasks; Java removes them now. */
        send_frame(MSG_INIT_REAPED, NULL);
    } else {
        struct buf b = {0};
        buf_u32(&b, (uint32_t)st);
        send_frame(MSG_ABORTED, &b);
        free(b.data);
    }
    return 0;
}

static void reset_process_state(void) {
    /* Whatever the JVM left us: no blocked signals, default dispositions (an inherited
     * SIGCHLD=SIG_IGN would make the kernel discard the exit status we exist to report). */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* The raw call, because glibc's signal() refuses its internal real-time signals 32 and 33, and a
     * JVM hands those down ignored; a workload must not inherit that. */
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
    }
    close_from_3();
    /* A write to a pipe whose reader died (init gone during a kill) must be an EPIPE we handle, not
     * our death: the report to Java would be lost with us. The workload gets SIG_DFL back. */
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("sandbox4j-launcher protocol %d\n", WIRE_PLAN_VERSION);
        return 0;
    }
    /* Never setuid or setgid: the launcher runs with exactly the caller's rights, nothing more. */
    if (getuid() != geteuid() || getgid() != getegid()) {
        fprintf(stderr, "sandbox4j-launcher: refusing to run setuid/setgid\n");
        return 125;
    }
    int echo = argc == 3 && strcmp(argv[1], "--echo") == 0;
    int server = argc == 3 && strcmp(argv[1], "--serve") == 0;
    if (!echo && !server && !(argc == 3 && strcmp(argv[1], "--accept") == 0)) {
        fprintf(stderr, "usage: %s --accept SOCKET | --serve SOCKET | --echo SOCKET | --version\n"
                        "This program is started by sandbox4j, not by hand.\n", argv[0]);
        return 125;
    }
    reset_process_state();
    read_last_cap();

    struct spawned_plan given = {NULL, 0, -1};
    if (server) {
        /* Returns only in a forked child, which then goes on exactly like --accept: same state (the
         * server's reset is inherited, its own descriptors and signal mask are undone in the child), and
         * the control connection the JVM handed over with the request. */
        serve(argv[2], &given);
        ctl = LAUNCHER_CTL_FD;
    } else {
        ctl = accept_parent(argv[2]);
    }

    uint16_t type;
    uint8_t *payload = given.data;
    size_t len = given.len;
    /* A plan that came with the fork server's SPAWN saves a round trip; otherwise Java sends it now. */
    if (!len && (read_frame(ctl, &type, &payload, &len) != 1 || type != MSG_PLAN)) {
        report_error("read plan", EPROTO, "expected a plan frame");
        return 1;
    }
    struct plan pl;
    char why[256];
    if (plan_decode(payload, len, &pl, why, sizeof(why)) < 0) {
        report_error("decode plan", EINVAL, why);
        return 1;
    }
    if (echo) {
        struct buf b = {0};
        plan_encode(&pl, &b);
        send_frame(MSG_ECHO, &b);
        return 0;
    }
    return run_plan(&pl, given.hold_fd);
}
