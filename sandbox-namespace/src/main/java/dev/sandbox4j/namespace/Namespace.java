package dev.sandbox4j.namespace;

/**
 * A Linux namespace kind, with the {@code CLONE_NEW*} flag that creates it.
 */
public enum Namespace {
    /** Own user and group ids and capabilities; what makes every other namespace possible unprivileged. */
    USER(0x10000000L),
    /** Own process ids: the workload sees itself and its children only, and dies with its init. */
    PID(0x20000000L),
    /** Own network stack: only a loopback interface, so no network access. */
    NET(0x40000000L),
    /** Own mount table, so mounts made for the sandbox stay in it. */
    MOUNT(0x00020000L),
    /** Own System V IPC objects and POSIX message queues. */
    IPC(0x08000000L),
    /** Own hostname and domain name. */
    UTS(0x04000000L),
    /** Own view of the cgroup hierarchy, rooted at the sandbox's cgroup. */
    CGROUP(0x02000000L);

    private final long cloneFlag;

    Namespace(long cloneFlag) {
        this.cloneFlag = cloneFlag;
    }

    /** The {@code CLONE_NEW*} value of this namespace, as clone(2) and unshare(2) take it. */
    public long cloneFlag() {
        return cloneFlag;
    }
}
