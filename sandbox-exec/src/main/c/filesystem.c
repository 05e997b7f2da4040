/*
 * The filesystem view, executed: each mount operation does exactly one thing, in the order Java put
 * them (see dev.sandbox4j.namespace.FilesystemView for the order and the reasons).
 *
 * Everything goes through file descriptors and the new mount API (open_tree, fsopen/fsmount,
 * move_mount, mount_setattr; Linux 5.12+):
 *  - targets are opened with openat2(RESOLVE_IN_ROOT) beneath the root being built, so a symlink in an
 *    untrusted tree (a rootfs, a directory a previous run could write) cannot send a mount outside it;
 *  - a bind is cloned and made read-only/nosuid/nodev while still detached, so it is never visible
 *    writable, and mount_setattr only ever ADDS attributes: the flags the kernel locked on mounts
 *    inherited from a more privileged namespace are never cleared (the classic MS_REMOUNT would have to
 *    repeat them or fail with EPERM);
 *  - binds are always recursive, since a non-recursive bind of a tree with locked submounts is refused.
 */
#define _GNU_SOURCE
#include "filesystem.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Landlock rights that apply to a file; the others (READ_DIR, MAKE_*, REMOVE_*, REFER) only to a
 * directory, and the kernel refuses them on a file rule. EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV. */
#define LANDLOCK_FILE_RIGHTS ((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15))

static int root_fd = -1; /* set by MOUNT_ROOT: where targets resolve */
static char detail_buf[512];

#define FAIL(s, d)                                                                                 \
    do {                                                                                           \
        e->step = (s);                                                                             \
        e->err = errno;                                                                            \
        e->detail = (d);                                                                           \
        return -1;                                                                                 \
    } while (0)

/* Opens a target inside the root being built (symlinks resolve within it), or as given before there is one. */
static int open_target(const char *path, int flags) {
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_NO_MAGICLINKS};
    int dir = AT_FDCWD;
    if (root_fd >= 0) {
        how.resolve |= RESOLVE_IN_ROOT;
        dir = root_fd;
    }
    return (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
}

/* Opens the directory holding path's last component; *name points at that component. */
static int open_parent(const char *path, const char **name) {
    char parent[4096];
    size_t len = strlen(path);
    const char *slash = strrchr(path, '/');
    if (len >= sizeof(parent) || !slash || slash[1] == 0) {
        errno = EINVAL;
        return -1;
    }
    *name = slash + 1;
    size_t plen = slash == path ? 1 : (size_t)(slash - path);
    memcpy(parent, path, plen);
    parent[plen] = 0;
    return open_target(parent, O_PATH | O_DIRECTORY);
}

/* Makes sure target is a directory (is_dir) or a non-directory, creating it with mode when missing. */
static int ensure(const struct mount_item *m, int is_dir, struct fs_error *e) {
    const char *step = is_dir ? "mkdir" : "create mount point";
    int fd = open_target(m->target, O_PATH);
    if (fd >= 0) {
        struct stat st;
        int r = fstat(fd, &st);
        close(fd);
        if (r < 0)
            FAIL(step, m->target);
        if ((S_ISDIR(st.st_mode) ? 1 : 0) != is_dir) {
            errno = is_dir ? ENOTDIR : EISDIR;
            FAIL(step, m->target);
        }
        return 0;
    }
    if (errno != ENOENT)
        FAIL(step, m->target);
    const char *name;
    int parent = open_parent(m->target, &name);
    if (parent < 0)
        FAIL(step, m->target);
    int r;
    if (is_dir) {
        r = mkdirat(parent, name, m->mode);
    } else {
        r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, m->mode);
        if (r >= 0)
            r = close(r);
    }
    /* The umask must not decide a mode Java chose (a sticky 01777 directory, say). */
    if (r == 0)
        r = fchmodat(parent, name, m->mode, 0);
    int err = errno;
    close(parent);
    errno = err;
    if (r < 0)
        FAIL(step, m->target);
    return 0;
}

/* Attaches a detached mount (from open_tree or fsmount) on target, and closes it. */
static int attach(int mnt, const struct mount_item *m, const char *step, struct fs_error *e) {
    int dst = open_target(m->target, O_PATH);
    int r = dst < 0 ? -1 : move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    int err = errno;
    close(mnt);
    if (dst >= 0)
        close(dst);
    errno = err;
    if (r < 0)
        FAIL(step, m->target);
    return 0;
}

/* A path opened O_PATH without following any symlink on the way: a component swapped for one after Java
 * resolved the path fails with ELOOP instead of leading elsewhere. */
static int open_no_symlinks(const char *path) {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

int fs_open_bind_sources(struct plan *pl, struct fs_error *e) {
    for (size_t i = 0; i < pl->mount_count; i++) {
        struct mount_item *m = &pl->mounts[i];
        if (m->kind != MOUNT_BIND)
            continue;
        int fd = open_no_symlinks(m->source);
        if (fd < 0)
            FAIL("bind source", m->source);
        /* A caller with CAP_SYS_ADMIN over its mount namespace (root) copies the tree now, with its own rights:
         * the workload's ids may not even reach it (a directory under a private parent). Anyone else leaves
         * the copy to the workload's side, which checks it finds this very object. */
        int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        if (tree >= 0) {
            close(fd);
            m->src_fd = tree;
            m->detached = 1;
        } else if (errno == EPERM) {
            m->src_fd = fd;
        } else {
            int err = errno;
            close(fd);
            errno = err;
            FAIL("bind source", m->source);
        }
    }
    return 0;
}

void fs_close_bind_sources(struct plan *pl) {
    for (size_t i = 0; i < pl->mount_count; i++) {
        if (pl->mounts[i].src_fd >= 0) {
            close(pl->mounts[i].src_fd);
            pl->mounts[i].src_fd = -1;
        }
    }
}

/* The tree to attach: the launcher's copy, or a copy of what data names in our namespace, which must be the
 * very object the launcher opened (no symlink followed there either). */
static int bind_tree(const struct mount_item *m, struct fs_error *e) {
    if (m->detached)
        return m->src_fd;
    int fd = open_no_symlinks(m->data);
    if (fd < 0)
        FAIL("bind source", m->source);
    struct stat mine, theirs;
    if (fstat(fd, &mine) < 0 || fstat(m->src_fd, &theirs) < 0 || mine.st_dev != theirs.st_dev ||
        mine.st_ino != theirs.st_ino) {
        close(fd);
        errno = EXDEV;
        FAIL("bind source changed", m->source);
    }
    int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    int err = errno;
    close(fd);
    errno = err;
    if (tree < 0)
        FAIL("bind source", m->source);
    return tree;
}

static int bind(const struct mount_item *m, struct fs_error *e) {
    if (m->src_fd < 0) {
        errno = EBADF;
        FAIL("bind source", m->source);
    }
    int src = bind_tree(m, e);
    if (src < 0)
        return -1;
    if (m->detached)
        src = dup(src); /* attach closes what it is given; the launcher's copy is closed with the others */
    if (src < 0)
        FAIL("bind source", m->source);
    if (m->attributes) {
        struct mount_attr attr = {.attr_set = m->attributes};
        if (mount_setattr(src, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
            int err = errno;
            close(src);
            errno = err;
            FAIL("bind attributes", m->target);
        }
    }
    return attach(src, m, "bind", e);
}

/* fsopen with data's comma-separated options ("key=value" or a flag), then fsmount with the attributes. */
static int filesystem(const struct mount_item *m, struct fs_error *e) {
    int fs = fsopen(m->fstype, FSOPEN_CLOEXEC);
    if (fs < 0)
        FAIL("fsopen", m->fstype);
    snprintf(detail_buf, sizeof(detail_buf), "%s %s", m->fstype, m->target);
    int r = m->source[0] ? fsconfig(fs, FSCONFIG_SET_STRING, "source", m->source, 0) : 0;
    char *opts = strdup(m->data), *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o && r == 0; o = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(o, '=');
        if (eq) {
            *eq = 0;
            r = fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
        } else {
            r = fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0);
        }
        if (r < 0)
            snprintf(detail_buf, sizeof(detail_buf), "%s %s: option %s", m->fstype, m->target, o);
    }
    free(opts);
    if (r == 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        r = -1;
    int mnt = r < 0 ? -1 : fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)m->attributes);
    int err = errno;
    close(fs);
    errno = err;
    if (mnt < 0)
        FAIL("mount", detail_buf);
    return attach(mnt, m, "mount", e);
}

/* An empty read-only tmpfs over target, for a directory the workload must not see. The mounts run with the
 * workload's filesystem ids and, until they are done, more capabilities than it will have: a target they
 * cannot reach (EACCES, ENOENT) the workload cannot reach either, and is left alone. */
static int mask(const struct mount_item *m, struct fs_error *e) {
    int dst = open_target(m->target, O_PATH | O_DIRECTORY);
    if (dst < 0 && (errno == EACCES || errno == ENOENT))
        return 0;
    if (dst < 0)
        FAIL("mask", m->target);
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    int r = fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
                    fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
                    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0", 0) < 0 ||
                    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0
                ? -1
                : 0;
    int mnt = r < 0 ? -1
                    : fsmount(fs, FSMOUNT_CLOEXEC,
                              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt >= 0)
        r = move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    int err = errno;
    if (fs >= 0)
        close(fs);
    if (mnt >= 0)
        close(mnt);
    close(dst);
    errno = err;
    if (mnt < 0 || r < 0)
        FAIL("mask", m->target);
    return 0;
}

static int set_attributes(const struct mount_item *m, struct fs_error *e) {
    int fd = open_target(m->target, O_PATH);
    struct mount_attr attr = {.attr_set = m->attributes};
    int r = fd < 0 ? -1 : mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr));
    int err = errno;
    if (fd >= 0)
        close(fd);
    errno = err;
    if (r < 0)
        FAIL("set mount attributes", m->target);
    return 0;
}

/* Staging (source = put_old): the host stays reachable beneath put_old. Final (no source): the runc/bwrap
 * idiom, pivot_root(".", ".") then detach the old root, so nothing of the host remains reachable. */
static int pivot(const struct mount_item *m, struct fs_error *e) {
    if (root_fd >= 0) {
        close(root_fd);
        root_fd = -1;
    }
    if (m->source[0]) {
        if (syscall(SYS_pivot_root, m->target, m->source) < 0)
            FAIL("pivot_root", m->target);
    } else {
        if (chdir(m->target) < 0)
            FAIL("chdir", m->target);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            FAIL("pivot_root", m->target);
        if (umount2(".", MNT_DETACH) < 0)
            FAIL("detach old root", m->target);
    }
    if (chdir("/") < 0)
        FAIL("chdir", "/");
    return 0;
}

int fs_mount(const struct mount_item *m, struct fs_error *e) {
    switch (m->kind) {
    case MOUNT_FILESYSTEM: return filesystem(m, e);
    case MOUNT_BIND: return bind(m, e);
    case MOUNT_DIRECTORY: return ensure(m, 1, e);
    case MOUNT_FILE: return ensure(m, 0, e);
    case MOUNT_SYMLINK: {
        const char *name;
        int parent = open_parent(m->target, &name);
        if (parent < 0)
            FAIL("symlink", m->target);
        int r = symlinkat(m->source, parent, name);
        int err = errno;
        close(parent);
        errno = err;
        if (r < 0)
            FAIL("symlink", m->target);
        return 0;
    }
    case MOUNT_SET_ATTRIBUTES: return set_attributes(m, e);
    case MOUNT_MASK: return mask(m, e);
    case MOUNT_PIVOT: return pivot(m, e);
    case MOUNT_ROOT:
        if (root_fd >= 0)
            close(root_fd);
        root_fd = open(m->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
            FAIL("open new root", m->target);
        return 0;
    }
    errno = EINVAL;
    FAIL("mount", "unknown kind");
}

int fs_landlock(const struct plan *pl, struct fs_error *e) {
    if (!pl->landlock_handled)
        return 0;
    /* Only handled_access_fs: the ABI 1 size of the attribute, which every Landlock kernel accepts. */
    uint64_t handled = pl->landlock_handled;
    int rs = (int)syscall(SYS_landlock_create_ruleset, &handled, sizeof(handled), 0);
    if (rs < 0)
        FAIL("landlock_create_ruleset", NULL);
    for (size_t i = 0; i < pl->landlock_rule_count; i++) {
        const struct landlock_item *r = &pl->landlock_rules[i];
        /* Opened in the final tree, after the root switch: rules bind to inodes, not to path strings. */
        int fd = open(r->path, O_PATH | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && (r->flags & LANDLOCK_RULE_OPTIONAL))
            continue;
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            int err = errno;
            close(rs);
            errno = err;
            FAIL("landlock rule", r->path);
        }
        struct landlock_path_beneath_attr beneath = {
            .allowed_access = S_ISDIR(st.st_mode) ? r->allowed : r->allowed & LANDLOCK_FILE_RIGHTS,
            .parent_fd = fd,
        };
        int ok = beneath.allowed_access == 0 ||
                 syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) == 0;
        int err = errno;
        close(fd);
        if (!ok) {
            close(rs);
            errno = err;
            FAIL("landlock rule", r->path);
        }
    }
    int r = (int)syscall(SYS_landlock_restrict_self, rs, 0);
    int err = errno;
    close(rs);
    errno = err;
    if (r < 0)
        FAIL("landlock_restrict_self", NULL);
    return 0;
}
