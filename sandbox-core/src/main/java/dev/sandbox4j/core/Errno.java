package dev.sandbox4j.core;

import java.util.Map;

/**
 * Names and descriptions of Linux errno values, for messages. The numbers are the asm-generic ones, which
 * x86_64 and aarch64 share.
 */
public final class Errno {
    /** Index = errno value. */
    private static final String[] NAMES = {
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
        "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
        "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY",
        "ELOOP", null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH",
        "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT",
        "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT",
        "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG",
        "ELIBACC", "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS",
        "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
        "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN",
        "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH",
        "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT",
        "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED",
        "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON"
    };

    /** The errors a sandbox's setup and system calls commonly meet; others are named only. */
    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("EPERM", "Operation not permitted"),
            Map.entry("ENOENT", "No such file or directory"),
            Map.entry("ESRCH", "No such process"),
            Map.entry("EINTR", "Interrupted system call"),
            Map.entry("EIO", "Input/output error"),
            Map.entry("ENXIO", "No such device or address"),
            Map.entry("E2BIG", "Argument list too long"),
            Map.entry("ENOEXEC", "Exec format error"),
            Map.entry("EBADF", "Bad file descriptor"),
            Map.entry("ECHILD", "No child processes"),
            Map.entry("EAGAIN", "Resource temporarily unavailable"),
            Map.entry("ENOMEM", "Cannot allocate memory"),
            Map.entry("EACCES", "Permission denied"),
            Map.entry("EFAULT", "Bad address"),
            Map.entry("ENOTBLK", "Block device required"),
            Map.entry("EBUSY", "Device or resource busy"),
            Map.entry("EEXIST", "File exists"),
            Map.entry("EXDEV", "Invalid cross-device link"),
            Map.entry("ENODEV", "No such device"),
            Map.entry("ENOTDIR", "Not a directory"),
            Map.entry("EISDIR", "Is a directory"),
            Map.entry("EINVAL", "Invalid argument"),
            Map.entry("ENFILE", "Too many open files in system"),
            Map.entry("EMFILE", "Too many open files"),
            Map.entry("ENOTTY", "Inappropriate ioctl for device"),
            Map.entry("ETXTBSY", "Text file busy"),
            Map.entry("EFBIG", "File too large"),
            Map.entry("ENOSPC", "No space left on device"),
            Map.entry("ESPIPE", "Illegal seek"),
            Map.entry("EROFS", "Read-only file system"),
            Map.entry("EMLINK", "Too many links"),
            Map.entry("EPIPE", "Broken pipe"),
            Map.entry("EDOM", "Numerical argument out of domain"),
            Map.entry("ERANGE", "Numerical result out of range"),
            Map.entry("EDEADLK", "Resource deadlock avoided"),
            Map.entry("ENAMETOOLONG", "File name too long"),
            Map.entry("ENOLCK", "No locks available"),
            Map.entry("ENOSYS", "Function not implemented"),
            Map.entry("ENOTEMPTY", "Directory not empty"),
            Map.entry("ELOOP", "Too many levels of symbolic links"),
            Map.entry("EOVERFLOW", "Value too large for defined data type"),
            Map.entry("EILSEQ", "Invalid or incomplete multibyte or wide character"),
            Map.entry("EUSERS", "Too many users"),
            Map.entry("ENOTSOCK", "Socket operation on non-socket"),
            Map.entry("EPROTONOSUPPORT", "Protocol not supported"),
            Map.entry("EOPNOTSUPP", "Operation not supported"),
            Map.entry("EAFNOSUPPORT", "Address family not supported by protocol"),
            Map.entry("EADDRINUSE", "Address already in use"),
            Map.entry("EADDRNOTAVAIL", "Cannot assign requested address"),
            Map.entry("ENETUNREACH", "Network is unreachable"),
            Map.entry("ECONNRESET", "Connection reset by peer"),
            Map.entry("ENOTCONN", "Transport endpoint is not connected"),
            Map.entry("ETIMEDOUT", "Connection timed out"),
            Map.entry("ECONNREFUSED", "Connection refused"),
            Map.entry("EHOSTUNREACH", "No route to host"),
            Map.entry("ESTALE", "Stale file handle"),
            Map.entry("EDQUOT", "Disk quota exceeded"),
            Map.entry("ENOMEDIUM", "No medium found"),
            Map.entry("ECANCELED", "Operation canceled"),
            Map.entry("EOWNERDEAD", "Owner died"));

    private Errno() {
    }

    /** Symbolic name such as {@code "EPERM"}, or {@code "errno N"} when unknown. */
    public static String name(int errno) {
        String name = errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
        return name == null ? "errno " + errno : name;
    }

    /** {@code "EPERM (Operation not permitted)"}, the name alone when no description is known, or {@code "errno N"}. */
    public static String describe(int errno) {
        String name = name(errno);
        String description = DESCRIPTIONS.get(name);
        return description == null ? name : name + " (" + description + ")";
    }
}
