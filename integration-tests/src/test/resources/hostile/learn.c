/*
 * What a hostile program does while a profile is learned from it (SeccompLearnHostileKernelTest): calls that reach
 * past the sandbox's other walls, and one that a profile allows for some arguments only, with others. Each result is
 * printed; the program exits 0 whatever they are.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Turns address-space randomisation off for whatever this process executes next. */
    printf("personality %d\n", personality(PER_LINUX | ADDR_NO_RANDOMIZE) < 0 ? -1 : 0);
    printf("ptrace %ld\n", ptrace(PTRACE_TRACEME, 0, 0, 0));
    printf("mount %d\n", mount("none", "/tmp", "tmpfs", 0, NULL));
    printf("umount2 %d\n", umount2("/tmp", MNT_DETACH));
    printf("unshare %ld\n", syscall(SYS_unshare, CLONE_NEWUSER));
    return 0;
}
