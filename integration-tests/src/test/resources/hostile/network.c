/*
 * Attacks on a user-mode network, run by NetworkHostileKernelTest on the host first (calibration) and then inside.
 * Each prints one line per target: "TARGET reached ..." or "TARGET refused <errno name>", and exits 0 unless its
 * arguments are wrong.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* An IPv4 or IPv6 literal ("::ffff:10.0.2.2" is an IPv4-mapped address on an IPv6 socket). */
static socklen_t address(const char *host, int port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        return sizeof *in4;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        return sizeof *in6;
    }
    fprintf(stderr, "not an address: %s\n", host);
    exit(4);
}

/* tcp HOST PORT...: a connect with a 3 s limit, then the first line the service sends. */
static int cmd_tcp(int argc, char **argv) {
    for (int i = 0; i + 1 < argc; i += 2) {
        struct sockaddr_storage ss;
        socklen_t len = address(argv[i], atoi(argv[i + 1]), &ss);
        int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int err = 0;
        if (s < 0) {
            err = errno;
        } else if (connect(s, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
            err = errno;
        } else {
            struct pollfd p = {s, POLLOUT, 0};
            socklen_t el = sizeof err;
            if (poll(&p, 1, 3000) != 1)
                err = ETIMEDOUT;
            else
                getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
        }
        if (err) {
            printf("%s:%s refused %s\n", argv[i], argv[i + 1], strerrorname_np(err));
        } else {
            char buf[128] = {0};
            struct pollfd p = {s, POLLIN, 0};
            if (poll(&p, 1, 3000) == 1 && read(s, buf, sizeof buf - 1) > 0)
                buf[strcspn(buf, "\n")] = 0;
            printf("%s:%s reached %s\n", argv[i], argv[i + 1], buf);
        }
        if (s >= 0)
            close(s);
    }
    return 0;
}

/* udp HOST PORT...: one datagram each (broadcast allowed); whether it arrived is for the receiver to say. */
static int cmd_udp(int argc, char **argv) {
    for (int i = 0; i + 1 < argc; i += 2) {
        struct sockaddr_storage ss;
        socklen_t len = address(argv[i], atoi(argv[i + 1]), &ss);
        int s = socket(ss.ss_family, SOCK_DGRAM, 0);
        int one = 1;
        if (s >= 0)
            setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
        if (s < 0 || sendto(s, "datagram-from-sandbox\n", 22, 0, (struct sockaddr *)&ss, len) != 22)
            printf("%s:%s refused %s\n", argv[i], argv[i + 1], strerrorname_np(errno));
        else
            printf("%s:%s sent\n", argv[i], argv[i + 1]);
        if (s >= 0)
            close(s);
    }
    return 0;
}

/*
 * flood HOST PORT COUNT DIR: COUNT datagrams, each from a socket of its own (a new source port, so a new flow for
 * whatever forwards them), never more than one socket open at a time; then writes DIR/sent and waits for DIR/done
 * (at most 60 s), so that the caller can count what the flows cost on its side meanwhile.
 */
static int cmd_flood(int argc, char **argv) {
    if (argc < 4)
        return 4;
    struct sockaddr_storage ss;
    socklen_t len = address(argv[0], atoi(argv[1]), &ss);
    int n = atoi(argv[2]), sent = 0;
    for (int i = 0; i < n; i++) {
        int s = socket(ss.ss_family, SOCK_DGRAM, 0);
        if (s < 0) {
            printf("socket refused %s\n", strerrorname_np(errno));
            break;
        }
        if (sendto(s, "x", 1, 0, (struct sockaddr *)&ss, len) == 1)
            sent++;
        close(s);
        if (i % 100 == 99) {
            /* Paced: a device's queue drops what comes faster than its reader takes it. */
            struct timespec t = {0, 20 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
    }
    printf("sent %d\n", sent);
    char path[4096];
    snprintf(path, sizeof path, "%s/sent", argv[3]);
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%d\n", sent) < 0 || fclose(f) != 0) {
        printf("%s refused %s\n", path, strerrorname_np(errno));
        return 0;
    }
    snprintf(path, sizeof path, "%s/done", argv[3]);
    struct stat st;
    for (int i = 0; i < 1200 && stat(path, &st) != 0; i++) {
        struct timespec t = {0, 50 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return 0;
}

/* raw: the sockets that would send past netfilter's output hook (packet) or build their own headers (raw). */
static int cmd_raw(int argc, char **argv) {
    (void)argc;
    (void)argv;
    int p = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    printf("packet %s %s\n", p >= 0 ? "reached" : "refused", p >= 0 ? "" : strerrorname_np(errno));
    int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    printf("rawip %s %s\n", r >= 0 ? "reached" : "refused", r >= 0 ? "" : strerrorname_np(errno));
    return 0;
}

/* unix PATH...: a connect to a path socket. */
static int cmd_unix(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[i]);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0)
            printf("%s reached\n", argv[i]);
        else
            printf("%s refused %s\n", argv[i], strerrorname_np(errno));
        if (s >= 0)
            close(s);
    }
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: network tcp|udp|flood|raw|unix ARGS...\n");
        return 4;
    }
    if (strcmp(argv[1], "tcp") == 0)
        return cmd_tcp(argc - 2, argv + 2);
    if (strcmp(argv[1], "udp") == 0)
        return cmd_udp(argc - 2, argv + 2);
    if (strcmp(argv[1], "flood") == 0)
        return cmd_flood(argc - 2, argv + 2);
    if (strcmp(argv[1], "raw") == 0)
        return cmd_raw(argc - 2, argv + 2);
    if (strcmp(argv[1], "unix") == 0)
        return cmd_unix(argc - 2, argv + 2);
    fprintf(stderr, "no attack %s\n", argv[1]);
    return 4;
}
