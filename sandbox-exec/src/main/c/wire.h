/*
 * The launch protocol, mirrored from dev.sandbox4j.exec.Wire (Java is the
 * definition). WireHeaderTest fails unless every define here has a Wire
 * constant of the same name (WIRE_ dropped) and value, and the reverse.
 *
 * Every message is a frame: u32 length (of what follows), u16 type, payload.
 * All integers are little-endian. A string is u32 length + bytes, no NUL.
 * A plan payload is u16 version followed by fields: u16 tag, u32 length, bytes.
 * Fields appear in increasing tag order; only the repeatable ones may repeat.
 */
#ifndef SANDBOX4J_WIRE_H
#define SANDBOX4J_WIRE_H

#define WIRE_PLAN_VERSION 3
#define WIRE_MAX_FRAME (4u << 20)

/* Java -> launcher */
#define MSG_PLAN 1
#define MSG_SIGNAL 2 /* u32 signo: forward to the workload through init */
#define MSG_KILL 3   /* kill the whole sandbox now */
#define MSG_CGROUPS_READY 6 /* the plan's cgroups exist now (Java creates them while we start): move init in */
#define MSG_RELEASE 7       /* plan F_HOLD: what Java attached to init's namespaces is in place; start init */
#define MSG_CONTINUE 8 /* for a plan with F_PREWARMED: the rest of it, a plan payload of F_PROGRAM, F_ARG, F_ENV
                          and F_CWD only; the held workload takes it and goes on to exec */

/* Java -> fork server (launcher --serve), on the server's one connection */
#define MSG_SPAWN 4      /* u32 request id, then the MSG_PLAN payload (may be empty); 4 fds attached: stdin,
                            stdout, stderr and the launcher's end of its control connection; for a plan with
                            F_PREWARMED a fifth: the read end of the pipe Java writes the rest into (u32 length,
                            then what MSG_CONTINUE would carry), straight to the held workload */
#define MSG_KILL_CHILD 5 /* u32 pid: SIGKILL this live, unreaped child of the server */

/* launcher -> Java */
#define MSG_EXEC_OK 17     /* u32 host pid of init: the workload's execve succeeded */
#define MSG_SETUP_ERROR 18 /* u32 errno, str step, str detail */
#define MSG_EXIT 19        /* u32 wait status, u64 utime us, u64 stime us, u64 maxrss KiB; sent while
                              init still exits, MSG_INIT_REAPED follows */
#define MSG_ABORTED 20     /* u32 wait status of init: it ended without a report */
#define MSG_ECHO 21        /* test mode: the decoded plan, encoded again */
#define MSG_INIT_REAPED 25 /* after MSG_EXIT: init has been reaped, the run's cgroups are empty */
#define MSG_HELD 27        /* plan F_HOLD: u32 host pid of init, which waits in its namespaces (maps written,
                              cgroups joined) until MSG_RELEASE */
#define MSG_VIOLATION 26   /* u32 flags (VIOLATION_*), u32 host tid, u32 nr, u32 arch, u64 ip, u64 args[6]:
                              a syscall the supervisor was notified of; the run's first, and the first of
                              the workload's own process if that came later */

/* fork server -> Java */
#define MSG_SPAWNED 22      /* u32 request id, u32 pid of the new launcher */
#define MSG_SPAWN_FAILED 23 /* u32 request id, u32 errno */
#define MSG_REAPED 24       /* u32 pid, u32 wait status: a launcher the server forked has ended */

/* plan fields */
#define F_CLONE_FLAGS 1    /* u64 */
#define F_PROGRAM 2        /* bytes: absolute path */
#define F_ARG 3            /* bytes, repeatable */
#define F_ENV 4            /* bytes "K=V", repeatable */
#define F_CWD 5            /* bytes */
#define F_HOSTNAME 6       /* bytes */
#define F_UID_MAP 7        /* bytes: the text written to uid_map */
#define F_GID_MAP 8        /* bytes: the text written to gid_map */
#define F_SETGROUPS_DENY 9 /* empty */
#define F_UID 10           /* u32 */
#define F_GID 11           /* u32 */
#define F_CLEAR_GROUPS 12  /* empty */
#define F_RLIMIT 13        /* u32 resource, u64 soft, u64 hard; repeatable */
#define F_CGROUP_PROCS 14  /* bytes: path of a cgroup.procs file; repeatable */
#define F_MOUNT 15         /* u32 kind, then kind-specific; repeatable */
#define F_LOOPBACK_UP 16   /* empty */
#define F_NEW_SESSION 17   /* empty */
#define F_SECCOMP 18       /* bytes: struct sock_filter[] */
#define F_LANDLOCK_RULESET 19 /* u64 handled_access_fs */
#define F_LANDLOCK_RULE 20    /* u64 allowed_access, u32 flags, path bytes; repeatable */

#define F_SECCOMP_NOTIFY 21   /* u32 response: 0 = kill the caller's process, 1..4095 = fail the call with that
                                 errno, NOTIFY_CONTINUE = let it run (learn mode). F_SECCOMP's USER_NOTIF returns
                                 then go to the launcher, which supervises */
#define F_HOLD 22             /* empty: report MSG_HELD and wait for MSG_RELEASE before init starts the workload
                                 (Java attaches a user-mode network stack to init's network namespace) */
#define F_PREWARMED 23        /* empty: the workload, set up but before chdir, waits for the rest (on the pipe
                                 that came with MSG_SPAWN, or MSG_CONTINUE passed on by the launcher); the plan
                                 has no F_PROGRAM, F_ARG, F_ENV or F_CWD (a pre-warmed sandbox) */

#define VIOLATION_WORKLOAD 1 /* the caller belongs to the workload's own process (the one exec'd first) */
#define VIOLATION_KILLED 2   /* its process was killed (otherwise the call failed with the plan's errno) */
#define VIOLATION_CONTINUED 4 /* learn mode: the call was let through; reported once per syscall number */
#define NOTIFY_CONTINUE 0x10000 /* F_SECCOMP_NOTIFY response for learn mode: let every notified call run */

#define LANDLOCK_RULE_OPTIONAL 1 /* skip the rule when the path does not exist */

#define MOUNT_PRIVATE_ROOT 1 /* no payload: make "/" rprivate */
#define MOUNT_PROC 2         /* str target: fresh proc */
/* Kinds from 3 on: u64 attributes (MOUNT_ATTR_*), u32 mode, str source, str target, str fstype, str data.
 * Targets resolve inside the root set by MOUNT_ROOT once there is one. */
#define MOUNT_FILESYSTEM 3     /* fsopen(fstype) with data's options, "source" = source, on target */
#define MOUNT_BIND 4           /* recursive clone of source (a host path, opened before the clone with the
                                  caller's rights, no symlink followed), attributes set before it is
                                  attached; data: where the same object is inside, for a caller who may
                                  not copy mounts of its own namespace */
#define MOUNT_DIRECTORY 5      /* make sure target is a directory (mode) */
#define MOUNT_FILE 6           /* make sure target exists as a file (mode) */
#define MOUNT_SYMLINK 7        /* symlink target -> source */
#define MOUNT_SET_ATTRIBUTES 8 /* add attributes to the mount at target */
#define MOUNT_PIVOT 9          /* pivot_root(target, source); source "" = detach the old root */
#define MOUNT_ROOT 10          /* resolve later targets inside target */
#define MOUNT_MASK 11          /* an empty read-only tmpfs over target, skipped when the workload's ids cannot
                                  reach target (EACCES, ENOENT): then neither can the workload */

#endif
