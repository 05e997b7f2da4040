package dev.sandbox4j.core.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * The reason an I/O operation failed, in words. java.nio's exceptions often carry only the path as their
 * message ({@code AccessDeniedException: /tmp/x}); the reason is in their class, or in {@code getReason()}.
 */
public final class IoErrors {
    private IoErrors() {}

    /**
     * What went wrong, e.g. {@code "permission denied"}, {@code "No space left on device"}, naming the file
     * involved when it is not the one the caller asked about (pass null to always name it).
     */
    public static String describe(IOException e, String asked) {
        String reason = reason(e);
        if (e instanceof FileSystemException f
                && f.getFile() != null
                && !f.getFile().equals(asked)) {
            String other = f.getOtherFile() == null ? "" : " -> " + f.getOtherFile();
            return reason + " (" + f.getFile() + other + ")";
        }
        return reason;
    }

    /** What went wrong, without naming any file. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f
                && f.getReason() != null
                && !f.getReason().isBlank()) {
            return f.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof NotLinkException) {
            return "not a symbolic link";
        }
        if (e instanceof FileSystemLoopException) {
            return "too many levels of symbolic links";
        }
        if (e instanceof FileSystemException) {
            return e.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
