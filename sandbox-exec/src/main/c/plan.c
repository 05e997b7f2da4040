/*
 * Plan decoding. Strict on purpose: an unknown version, an unknown field, a field
 * out of order or a truncated value rejects the whole plan. A launcher that
 * skipped a field it did not understand could silently drop a security setting.
 */
#include "plan.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        /* Nothing sensible remains to be done without memory; the caller sees EOF. */
        _Exit(125);
    }
    return q;
}

static void buf_reserve(struct buf *b, size_t extra) {
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_bytes(struct buf *b, const void *p, size_t n) {
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_u16(struct buf *b, uint16_t v) {
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    buf_bytes(b, x, 2);
}

void buf_u32(struct buf *b, uint32_t v) {
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    buf_bytes(b, x, 4);
}

void buf_u64(struct buf *b, uint64_t v) {
    buf_u32(b, (uint32_t)v);
    buf_u32(b, (uint32_t)(v >> 32));
}

void buf_str(struct buf *b, const char *s) {
    size_t n = strlen(s);
    buf_u32(b, (uint32_t)n);
    buf_bytes(b, s, n);
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p) {
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* A NUL-terminated copy; embedded NULs are refused because execve would cut there. */
static char *dup_text(const uint8_t *p, size_t n) {
    if (memchr(p, 0, n))
        return NULL;
    char *s = xrealloc(NULL, n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static void strv_add(struct strv *v, char *s) {
    v->items = xrealloc(v->items, (v->count + 2) * sizeof(char *));
    v->items[v->count++] = s;
    v->items[v->count] = NULL;
}

/* Reads a u32-length string at *off; NULL when it does not fit or contains a NUL. */
static char *take_str(const uint8_t *v, uint32_t len, uint32_t *off) {
    if (len - *off < 4)
        return NULL;
    uint32_t n = get_u32(v + *off);
    if (n > len - *off - 4)
        return NULL;
    char *s = dup_text(v + *off + 4, n);
    *off += 4 + n;
    return s;
}

static int repeatable(uint16_t tag) {
    return tag == F_ARG || tag == F_ENV || tag == F_RLIMIT || tag == F_CGROUP_PROCS || tag == F_MOUNT ||
           tag == F_LANDLOCK_RULE;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

int plan_decode(const uint8_t *p, size_t n, struct plan *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    if (n < 2)
        FAIL("plan too short");
    unsigned version = p[0] | p[1] << 8;
    if (version != WIRE_PLAN_VERSION)
        FAIL("plan version %u, this launcher reads version %u", version, WIRE_PLAN_VERSION);
    size_t off = 2;
    int last = 0;
    while (off < n) {
        if (n - off < 6)
            FAIL("truncated field header at offset %zu", off);
        uint16_t tag = p[off] | p[off + 1] << 8;
        uint32_t len = get_u32(p + off + 2);
        off += 6;
        if (len > n - off)
            FAIL("field %u: length %u exceeds the plan", tag, len);
        const uint8_t *v = p + off;
        off += len;
        if (tag < last || (tag == last && !repeatable(tag)))
            FAIL("field %u out of order or repeated", tag);
        last = tag;
        char *s = NULL;
        switch (tag) {
        case F_PROGRAM:
        case F_ARG:
        case F_ENV:
        case F_CWD:
        case F_HOSTNAME:
        case F_UID_MAP:
        case F_GID_MAP:
        case F_CGROUP_PROCS:
            if (!(s = dup_text(v, len)))
                FAIL("field %u contains a NUL byte", tag);
            break;
        case F_CLONE_FLAGS:
            if (len != 8)
                FAIL("field %u: expected 8 bytes, got %u", tag, len);
            break;
        case F_UID:
        case F_GID:
            if (len != 4)
                FAIL("field %u: expected 4 bytes, got %u", tag, len);
            break;
        case F_SETGROUPS_DENY:
        case F_CLEAR_GROUPS:
        case F_LOOPBACK_UP:
        case F_NEW_SESSION:
        case F_HOLD:
            if (len != 0)
                FAIL("field %u: expected no value, got %u bytes", tag, len);
            break;
        case F_RLIMIT:
            if (len != 20)
                FAIL("field %u: expected 20 bytes, got %u", tag, len);
            break;
        case F_MOUNT:
        case F_SECCOMP:
            break;
        case F_SECCOMP_NOTIFY:
            if (len != 4)
                FAIL("field %u: expected 4 bytes, got %u", tag, len);
            if (get_u32(v) > 4095 && get_u32(v) != NOTIFY_CONTINUE)
                FAIL("seccomp notification errno %u is above 4095", get_u32(v));
            break;
        case F_LANDLOCK_RULESET:
            if (len != 8)
                FAIL("field %u: expected 8 bytes, got %u", tag, len);
            break;
        case F_LANDLOCK_RULE:
            if (len <= 12 || !(s = dup_text(v + 12, len - 12)))
                FAIL("malformed Landlock rule");
            break;
        case F_PREWARMED:
            if (len != 0)
                FAIL("field %u: expected no bytes, got %u", tag, len);
            break;
        default:
            FAIL("unknown field %u", tag);
        }
        switch (tag) {
        case F_CLONE_FLAGS: out->clone_flags = get_u64(v); break;
        case F_PROGRAM: out->program = s; break;
        case F_ARG: strv_add(&out->argv, s); break;
        case F_ENV: strv_add(&out->envp, s); break;
        case F_CWD: out->cwd = s; break;
        case F_HOSTNAME: out->hostname = s; break;
        case F_UID_MAP: out->uid_map = s; break;
        case F_GID_MAP: out->gid_map = s; break;
        case F_SETGROUPS_DENY: out->setgroups_deny = 1; break;
        case F_UID: out->has_uid = 1; out->uid = get_u32(v); break;
        case F_GID: out->has_gid = 1; out->gid = get_u32(v); break;
        case F_CLEAR_GROUPS: out->clear_groups = 1; break;
        case F_RLIMIT:
            out->rlimits = xrealloc(out->rlimits, (out->rlimit_count + 1) * sizeof(*out->rlimits));
            out->rlimits[out->rlimit_count++] =
                (struct rlimit_item){get_u32(v), get_u64(v + 4), get_u64(v + 12)};
            break;
        case F_CGROUP_PROCS: strv_add(&out->cgroup_procs, s); break;
        case F_MOUNT: {
            if (len < 4)
                FAIL("mount field too short");
            struct mount_item m = {.kind = get_u32(v), .src_fd = -1};
            if (m.kind >= MOUNT_FILESYSTEM && m.kind <= MOUNT_MASK) {
                uint32_t at = 16;
                if (len < 16)
                    FAIL("mount field too short");
                m.attributes = get_u64(v + 4);
                m.mode = get_u32(v + 12);
                if (!(m.source = take_str(v, len, &at)) || !(m.target = take_str(v, len, &at)) ||
                    !(m.fstype = take_str(v, len, &at)) || !(m.data = take_str(v, len, &at)) || at != len)
                    FAIL("malformed mount of kind %u", m.kind);
            } else if (m.kind == MOUNT_PRIVATE_ROOT) {
                if (len != 4)
                    FAIL("private-root mount takes no value");
            } else if (m.kind == MOUNT_PROC) {
                if (len < 8 || get_u32(v + 4) != len - 8 || !(m.target = dup_text(v + 8, len - 8)))
                    FAIL("malformed proc mount");
            } else {
                FAIL("unknown mount kind %u", m.kind);
            }
            out->mounts = xrealloc(out->mounts, (out->mount_count + 1) * sizeof(*out->mounts));
            out->mounts[out->mount_count++] = m;
            break;
        }
        case F_LOOPBACK_UP: out->loopback_up = 1; break;
        case F_NEW_SESSION: out->new_session = 1; break;
        case F_HOLD: out->hold = 1; break;
        case F_SECCOMP:
            if (len == 0 || len % 8 != 0 || len / 8 > 4096)
                FAIL("seccomp program of %u bytes is not 1..4096 instructions", len);
            out->seccomp = xrealloc(NULL, len);
            memcpy(out->seccomp, v, len);
            out->seccomp_len = len;
            break;
        case F_LANDLOCK_RULESET: out->landlock_handled = get_u64(v); break;
        case F_LANDLOCK_RULE:
            out->landlock_rules = xrealloc(out->landlock_rules,
                                           (out->landlock_rule_count + 1) * sizeof(*out->landlock_rules));
            out->landlock_rules[out->landlock_rule_count++] =
                (struct landlock_item){get_u64(v), get_u32(v + 8), s};
            break;
        case F_SECCOMP_NOTIFY:
            out->seccomp_notify = 1;
            out->seccomp_notify_errno = get_u32(v);
            break;
        case F_PREWARMED: out->prewarmed = 1; break;
        }
    }
    if (out->seccomp_notify && !out->seccomp)
        FAIL("seccomp notification without a seccomp program");
    if (out->landlock_rule_count && !out->landlock_handled)
        FAIL("Landlock rules without a ruleset");
    if (out->prewarmed && (out->program || out->argv.count || out->envp.count || out->cwd))
        FAIL("a pre-warmed plan with a program, arguments, environment or directory: they come with the rest");
    if (!out->prewarmed && !out->program)
        FAIL("no program");
    if (!out->prewarmed && out->argv.count == 0)
        FAIL("no arguments (argv[0] is required)");
    if (!out->envp.items) { /* execve wants an array even when it is empty */
        out->envp.items = xrealloc(NULL, sizeof(char *));
        out->envp.items[0] = NULL;
    }
    return 0;
}

static void field(struct buf *b, uint16_t tag, const void *v, size_t n) {
    buf_u16(b, tag);
    buf_u32(b, (uint32_t)n);
    buf_bytes(b, v, n);
}

static void text_field(struct buf *b, uint16_t tag, const char *s) {
    if (s)
        field(b, tag, s, strlen(s));
}

void plan_encode(const struct plan *pl, struct buf *b) {
    buf_u16(b, WIRE_PLAN_VERSION);
    struct buf t = {0};
    buf_u64(&t, pl->clone_flags);
    field(b, F_CLONE_FLAGS, t.data, t.len);
    text_field(b, F_PROGRAM, pl->program);
    for (size_t i = 0; i < pl->argv.count; i++)
        text_field(b, F_ARG, pl->argv.items[i]);
    for (size_t i = 0; i < pl->envp.count; i++)
        text_field(b, F_ENV, pl->envp.items[i]);
    text_field(b, F_CWD, pl->cwd);
    text_field(b, F_HOSTNAME, pl->hostname);
    text_field(b, F_UID_MAP, pl->uid_map);
    text_field(b, F_GID_MAP, pl->gid_map);
    if (pl->setgroups_deny)
        field(b, F_SETGROUPS_DENY, NULL, 0);
    if (pl->has_uid) {
        t.len = 0;
        buf_u32(&t, pl->uid);
        field(b, F_UID, t.data, t.len);
    }
    if (pl->has_gid) {
        t.len = 0;
        buf_u32(&t, pl->gid);
        field(b, F_GID, t.data, t.len);
    }
    if (pl->clear_groups)
        field(b, F_CLEAR_GROUPS, NULL, 0);
    for (size_t i = 0; i < pl->rlimit_count; i++) {
        t.len = 0;
        buf_u32(&t, pl->rlimits[i].resource);
        buf_u64(&t, pl->rlimits[i].soft);
        buf_u64(&t, pl->rlimits[i].hard);
        field(b, F_RLIMIT, t.data, t.len);
    }
    for (size_t i = 0; i < pl->cgroup_procs.count; i++)
        text_field(b, F_CGROUP_PROCS, pl->cgroup_procs.items[i]);
    for (size_t i = 0; i < pl->mount_count; i++) {
        t.len = 0;
        const struct mount_item *m = &pl->mounts[i];
        buf_u32(&t, m->kind);
        if (m->kind >= MOUNT_FILESYSTEM) {
            buf_u64(&t, m->attributes);
            buf_u32(&t, m->mode);
            buf_str(&t, m->source);
            buf_str(&t, m->target);
            buf_str(&t, m->fstype);
            buf_str(&t, m->data);
        } else if (m->target) {
            buf_str(&t, m->target);
        }
        field(b, F_MOUNT, t.data, t.len);
    }
    if (pl->loopback_up)
        field(b, F_LOOPBACK_UP, NULL, 0);
    if (pl->new_session)
        field(b, F_NEW_SESSION, NULL, 0);
    if (pl->seccomp)
        field(b, F_SECCOMP, pl->seccomp, pl->seccomp_len);
    if (pl->landlock_handled) {
        t.len = 0;
        buf_u64(&t, pl->landlock_handled);
        field(b, F_LANDLOCK_RULESET, t.data, t.len);
    }
    for (size_t i = 0; i < pl->landlock_rule_count; i++) {
        t.len = 0;
        buf_u64(&t, pl->landlock_rules[i].allowed);
        buf_u32(&t, pl->landlock_rules[i].flags);
        buf_bytes(&t, pl->landlock_rules[i].path, strlen(pl->landlock_rules[i].path));
        field(b, F_LANDLOCK_RULE, t.data, t.len);
    }
    if (pl->seccomp_notify) {
        t.len = 0;
        buf_u32(&t, pl->seccomp_notify_errno);
        field(b, F_SECCOMP_NOTIFY, t.data, t.len);
    }
    if (pl->hold)
        field(b, F_HOLD, NULL, 0);
    if (pl->prewarmed)
        field(b, F_PREWARMED, NULL, 0);
    free(t.data);
}
