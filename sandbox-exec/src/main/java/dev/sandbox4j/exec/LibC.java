package dev.sandbox4j.exec;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;

/**
 * The C library calls of sandbox4j's Java side (sockets, descriptor passing, pipes), through jnr-ffi.
 *
 * <p>Only calls that are safe from a multi-threaded JVM belong here; whatever must happen between fork and
 * exec is the native launcher's job. Read the errno of a failed call with {@link #errno()} straight after it,
 * on the same thread.
 */
final class LibC {

    /** The C functions. Every call saves errno, which {@link LibC#errno()} returns. */
    @SaveError
    public interface Functions {
        int getpid();

        /** open(2): {@code int open(const char *path, int flags, ...)}; a descriptor, or -1 with errno. */
        @Variadic(fixedCount = 2)
        int open(CharSequence path, int flags, int mode);

        /** close(2): 0, or -1 with errno. */
        int close(int fd);

        /** pipe2(2): fills {@code fds} with the read and the write end; 0, or -1 with errno. */
        int pipe2(@Out int[] fds, int flags);

        /** read(2) into {@code buffer}: bytes read, 0 at end of file, or -1 with errno. */
        long read(int fd, @Out byte[] buffer, long count);

        /** write(2) of {@code count} bytes of {@code buffer}: bytes written, or -1 with errno. */
        long write(int fd, @In byte[] buffer, long count);

        /** socket(2): a descriptor, or -1 with errno. */
        int socket(int domain, int type, int protocol);

        /** connect(2) to the address laid out at {@code address} ({@code length} bytes); 0, or -1 with errno. */
        int connect(int fd, Pointer address, int length);

        /** bind(2) to the address laid out at {@code address} ({@code length} bytes); 0, or -1 with errno. */
        int bind(int fd, Pointer address, int length);

        /** listen(2): 0, or -1 with errno. */
        int listen(int fd, int backlog);

        /** accept4(2) without the peer's address: a descriptor, or -1 with errno. */
        int accept4(int fd, Pointer address, Pointer length, int flags);

        /** getsockopt(2) into {@code value}, whose size {@code length} holds (an int, updated); 0, or -1 with errno. */
        int getsockopt(int fd, int level, int option, Pointer value, Pointer length);

        /** sendmsg(2) of the {@code struct msghdr} at {@code message}: bytes sent, or -1 with errno. */
        long sendmsg(int fd, Pointer message, int flags);

        /** epoll_create1(2): an epoll descriptor, or -1 with errno. */
        int epoll_create1(int flags);

        /** epoll_ctl(2) with the {@code struct epoll_event} at {@code event} (null for DEL); 0, or -1 with errno. */
        int epoll_ctl(int epfd, int op, int fd, Pointer event);

        /** epoll_wait(2) into {@code events} ({@code max} structures): how many are ready, or -1 with errno. */
        int epoll_wait(int epfd, Pointer events, int max, int timeoutMillis);

        /** strerror(3): the C library's text for an errno value. */
        String strerror(int errno);
    }

    /** Constants of the calls above; the same on x86_64 and aarch64 (asm-generic values). */
    public static final class Const {
        public static final int O_RDONLY = 0;
        public static final int O_WRONLY = 1;
        public static final int O_CLOEXEC = 0x80000;
        public static final int AF_UNIX = 1;
        public static final int SOCK_STREAM = 1;
        public static final int SOCK_CLOEXEC = 0x80000;
        public static final int SOCK_NONBLOCK = 04000;
        /** {@code struct ucred {pid_t pid; uid_t uid; gid_t gid;}} of a Unix socket's peer. */
        public static final int SO_PEERCRED = 17;

        public static final int SOL_SOCKET = 1;
        public static final int SCM_RIGHTS = 1;
        public static final int MSG_NOSIGNAL = 0x4000;
        public static final int EPOLL_CLOEXEC = 0x80000;
        public static final int EPOLL_CTL_ADD = 1;
        public static final int EPOLL_CTL_DEL = 2;
        public static final int EPOLLIN = 0x001;
        public static final int EINTR = 4;
        public static final int EAGAIN = 11;
        public static final int ENOENT = 2;
        public static final int ECONNREFUSED = 111;

        private Const() {}
    }

    private LibC() {}

    /** Loaded on first use. */
    private static final class Loaded {
        static final Functions FUNCTIONS =
                LibraryLoader.create(Functions.class).failImmediately().load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(FUNCTIONS);
    }

    /** The loaded C library. */
    public static Functions libc() {
        return Loaded.FUNCTIONS;
    }

    /** The jnr-ffi runtime of the loaded library, to allocate native memory for structures. */
    public static Runtime runtime() {
        return Loaded.RUNTIME;
    }

    /** The errno the calling thread's last {@link Functions} call left. */
    public static int errno() {
        return LastError.getLastError(Loaded.RUNTIME);
    }
}
