package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * <b>Advanced.</b> Where this JVM's native launcher comes from, when it is not the one bundled in the
 * sandbox-exec jar: an installed binary (root-owned and read-only is the recommended production set-up, as
 * with the {@code SANDBOX4J_LAUNCHER} variable), or bytes from anywhere (an artifact store, a build of your
 * own) accepted only if their SHA-256 is the one given. Choose it with {@link #use(LauncherSource)} before the
 * first sandbox is created.
 *
 * <p>A launcher must be built from the same sandbox4j version's {@code src/main/c}: Java and the launcher share
 * one wire protocol, whose version each side checks, and a launcher of another version fails every run with a
 * setup error. sandbox4j still checks what it checks for the bundled one: the file is executable; a hashed
 * launcher is verified when located, kept in the user's private 0700 cache, and verified again before each
 * start whenever its identity (inode, size, times, owner, mode) changed, so a replaced file never runs; a
 * wrong hash is refused with both hashes named, and nothing is left behind.
 *
 * <pre>{@code
 * LauncherSource.use(LauncherSource.verified("3f5a…", () -> Files.newInputStream(Path.of("/opt/builds/launcher"))));
 * }</pre>
 */
public final class LauncherSource {

    /** Supplies the launcher's bytes; called when the launcher is located and again if its copy changed. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    private final Path installed; // an installed binary, or null
    private final String sha256; // required of the bytes; null only for an unverified installed binary
    private final Content content; // bytes to extract, or null
    private final String description;

    private LauncherSource(Path installed, String sha256, Content content, String description) {
        this.installed = installed;
        this.sha256 = sha256;
        this.content = content;
        this.description = description;
    }

    /** The launcher inside the sandbox-exec jar (the default), extracted to the user's private cache. */
    public static LauncherSource bundled() {
        return new LauncherSource(null, null, null, "the launcher inside the sandbox-exec jar");
    }

    /** An installed launcher at {@code path}, run in place, as {@code SANDBOX4J_LAUNCHER} would name it. */
    public static LauncherSource path(Path path) {
        Path absolute = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        return new LauncherSource(absolute, null, null, "the launcher at " + absolute);
    }

    /** An installed launcher at {@code path}, run in place only while its SHA-256 is {@code sha256}. */
    public static LauncherSource path(Path path, String sha256) {
        Path absolute = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        return new LauncherSource(absolute, checkHash(sha256), null, "the launcher at " + absolute);
    }

    /**
     * Launcher bytes from {@code content}, written to the user's private cache only if their SHA-256 is
     * {@code sha256} (64 hex digits).
     */
    public static LauncherSource verified(String sha256, Content content) {
        String hash = checkHash(sha256);
        return new LauncherSource(
                null, hash, Objects.requireNonNull(content, "content"), "the launcher with SHA-256 " + hash);
    }

    private static String checkHash(String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new InvalidConfigException(
                    "launcher SHA-256",
                    String.valueOf(sha256),
                    "must be 64 hexadecimal digits, e.g. the output of sha256sum");
        }
        return sha256.toLowerCase(Locale.ROOT);
    }

    /**
     * Makes {@code source} this JVM's launcher. Call it before the first sandbox is created; calling it again
     * with the launcher already in use is allowed only for that same launcher.
     *
     * @throws IllegalStateException when another launcher is already in use in this JVM
     */
    public static void use(LauncherSource source) {
        LauncherBinary.use(Objects.requireNonNull(source, "source"));
    }

    Path installed() {
        return installed;
    }

    String sha256() {
        return sha256;
    }

    Content content() {
        return content;
    }

    boolean isBundled() {
        return installed == null && content == null;
    }

    @Override
    public String toString() {
        return description;
    }
}
