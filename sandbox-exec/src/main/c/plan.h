/* The decoded launch plan and the byte buffer both directions share. */
#ifndef SANDBOX4J_PLAN_H
#define SANDBOX4J_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void buf_u16(struct buf *b, uint16_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);
void buf_bytes(struct buf *b, const void *p, size_t n);
void buf_str(struct buf *b, const char *s); /* u32 length + bytes */

struct rlimit_item {
    uint32_t resource;
    uint64_t soft;
    uint64_t hard;
};

struct mount_item {
    uint32_t kind;
    char *target; /* MOUNT_PROC and the kinds from MOUNT_FILESYSTEM on */
    /* The kinds from MOUNT_FILESYSTEM on: */
    uint64_t attributes;
    uint32_t mode;
    char *source;
    char *fstype;
    char *data;
    /* MOUNT_BIND only, not on the wire: what fs_open_bind_sources opened before the clone. */
    int src_fd;   /* -1 until opened */
    int detached; /* src_fd is a detached copy of the tree (open_tree), else an O_PATH descriptor */
};

struct landlock_item {
    uint64_t allowed;
    uint32_t flags;
    char *path;
};

/* A string list that ends in NULL, ready for execve. */
struct strv {
    char **items;
    size_t count;
};

struct plan {
    uint64_t clone_flags;
    char *program;
    struct strv argv;
    struct strv envp;
    char *cwd;
    char *hostname;
    char *uid_map;
    char *gid_map;
    int setgroups_deny;
    int has_uid, has_gid;
    uint32_t uid, gid;
    int clear_groups;
    struct rlimit_item *rlimits;
    size_t rlimit_count;
    struct strv cgroup_procs;
    struct mount_item *mounts;
    size_t mount_count;
    int loopback_up;
    int new_session;
    uint8_t *seccomp;
    size_t seccomp_len;
    int seccomp_notify;          /* the filter's USER_NOTIF returns are supervised by the launcher */
    uint32_t seccomp_notify_errno; /* 0: kill the caller's process; otherwise fail the call with it */
    int hold;                  /* F_HOLD */
    uint64_t landlock_handled; /* 0: no Landlock */
    struct landlock_item *landlock_rules;
    size_t landlock_rule_count;
    int prewarmed; /* F_PREWARMED: program, argv, envp and cwd come later, with MSG_CONTINUE */
};

/* Decodes a plan payload. On failure returns -1 and a message in err. */
int plan_decode(const uint8_t *p, size_t n, struct plan *out, char *err, size_t errlen);

/* Encodes a plan the way Java does; used by the round-trip test mode. */
void plan_encode(const struct plan *plan, struct buf *b);

#endif
