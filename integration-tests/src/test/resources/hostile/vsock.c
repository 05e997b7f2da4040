/*
 * What a network namespace does not separate, run by NetworkGuardKernelTest on the host first (calibration) and then
 * inside. "vsock PORT" prints one line per attempt, "WHAT reached ..." or "WHAT refused <errno name>", and exits 0:
 *   vsock:PORT          a listener on the machine's vsock port PORT (socket, bind, listen)
 *   socket-bad-type     socket(AF_VSOCK, no such type): the kernel answers EINVAL before it looks at the family,
 *   socketpair-bad-type socketpair(AF_VSOCK, no such type)  so only a seccomp filter answers anything else
 *   io_uring_setup      a ring
 *   io_uring:PORT+1     a vsock listener whose socket the ring made (IORING_OP_SOCKET, Linux 5.19+): no socket()
 *                       call a filter on socket() could refuse
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NO_SUCH_TYPE 15 /* inside SOCK_TYPE_MASK, past SOCK_MAX */

static void listen_on(int s, const char *what, int port) {
    struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0)
        printf("%s:%d refused %s\n", what, port, strerrorname_np(errno));
    else
        printf("%s:%d reached listening\n", what, port);
}

static void plain(int port) {
    int s = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (s < 0)
        printf("vsock:%d refused %s\n", port, strerrorname_np(errno));
    else
        listen_on(s, "vsock", port);
    int t = socket(AF_VSOCK, NO_SUCH_TYPE, 0);
    printf("socket-bad-type %s\n", t >= 0 ? "reached" : strerrorname_np(errno));
    int sv[2];
    int u = socketpair(AF_VSOCK, NO_SUCH_TYPE, 0, sv);
    printf("socketpair-bad-type %s\n", u >= 0 ? "reached" : strerrorname_np(errno));
}

/* One IORING_OP_SOCKET through a ring mapped by hand (no liburing): the completion's result is the socket. */
static void ring(int port) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = syscall(SYS_io_uring_setup, 4, &p);
    if (fd < 0) {
        printf("io_uring_setup refused %s\n", strerrorname_np(errno));
        return;
    }
    printf("io_uring_setup reached\n");
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        printf("io_uring:%d refused (no single mmap)\n", port);
        return;
    }
    size_t sq = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *r = mmap(NULL, sq > cq ? sq : cq, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (r == MAP_FAILED || sqes == MAP_FAILED) {
        printf("io_uring:%d refused %s\n", port, strerrorname_np(errno));
        return;
    }
    unsigned *tail = (unsigned *)(r + p.sq_off.tail);
    unsigned index = *tail & *(unsigned *)(r + p.sq_off.ring_mask);
    struct io_uring_sqe *sqe = &sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_SOCKET;
    sqe->fd = AF_VSOCK; /* domain */
    sqe->off = SOCK_STREAM; /* type */
    ((unsigned *)(r + p.sq_off.array))[index] = index;
    __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
    if (syscall(SYS_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
        printf("io_uring:%d refused %s\n", port, strerrorname_np(errno));
        return;
    }
    unsigned head = __atomic_load_n((unsigned *)(r + p.cq_off.head), __ATOMIC_ACQUIRE);
    struct io_uring_cqe *cqe =
        &((struct io_uring_cqe *)(r + p.cq_off.cqes))[head & *(unsigned *)(r + p.cq_off.ring_mask)];
    if (cqe->res < 0)
        printf("io_uring:%d refused %s\n", port, strerrorname_np(-cqe->res));
    else
        listen_on(cqe->res, "io_uring", port);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: vsock PORT\n");
        return 4;
    }
    int port = atoi(argv[1]);
    plain(port);
    ring(port + 1);
    return 0;
}
