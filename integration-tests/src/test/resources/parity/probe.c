/* Small probes for the parity suite: each subcommand makes the system calls one upstream test made in a forked
 * child, and prints what the kernel answered, so that a test can tell a refusal from a kill. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static int say(const char *what, long r) {
    if (r < 0)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ok\n", what);
    fflush(stdout);
    return r < 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "socket"))
        return say("socket", syscall(SYS_socket, AF_INET, SOCK_STREAM, 0)), 0;
    if (!strcmp(cmd, "getpid"))
        return say("getpid", syscall(SYS_getpid)), 0;
    if (!strcmp(cmd, "io")) {
        char buf[16];
        int fd = open("/dev/null", O_RDONLY);
        long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
        return say("io", n < 0 ? -1 : write(1, "", 0));
    }
    if (!strcmp(cmd, "mkdir") && argc > 2)
        return say("mkdir", mkdir(argv[2], 0755));
    if (!strcmp(cmd, "runtime")) {
        cpu_set_t set;
        struct sysinfo si;
        long r = lseek(0, 0, SEEK_CUR) < 0 && errno != ESPIPE ? -1 : 0;
        r |= syscall(SYS_gettid) <= 0 ? -1 : 0;
        r |= sched_getaffinity(0, sizeof(set), &set);
        r |= sysinfo(&si);
        return say("runtime", r);
    }
    if (!strcmp(cmd, "openmany")) {
        int opened = 0;
        for (int i = 0; i < 20; i++)
            if (open("/dev/null", O_RDONLY) >= 0)
                opened++;
        printf("opened %d\n", opened);
        return 0;
    }
    if (!strcmp(cmd, "nofile")) {
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        printf("nofile %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
        return 0;
    }
    if (!strcmp(cmd, "write") && argc > 3) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return say("open", -1);
        long want = atol(argv[3]), done = 0;
        char block[1024];
        memset(block, 'x', sizeof(block));
        while (done < want) {
            long n = write(fd, block, want - done < 1024 ? want - done : 1024);
            if (n <= 0) {
                printf("wrote %ld: %s\n", done, n < 0 ? strerrorname_np(errno) : "short");
                return 0;
            }
            done += n;
        }
        printf("wrote %ld\n", done);
        return 0;
    }
    if (!strcmp(cmd, "read") && argc > 2)
        return say("read", open(argv[2], O_RDONLY));
    if (!strcmp(cmd, "create") && argc > 2)
        return say("create", open(argv[2], O_WRONLY | O_CREAT, 0644));
    fprintf(stderr, "usage: probe socket|getpid|io|mkdir DIR|runtime|openmany|nofile|write FILE BYTES|read FILE|create FILE\n");
    return 2;
}
