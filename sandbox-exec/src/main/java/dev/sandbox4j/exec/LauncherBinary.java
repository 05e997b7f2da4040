package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.internal.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Where the native launcher lives. Either an installed binary named by the system property
 * {@value #PROPERTY} or the environment variable {@value #ENV} (recommended for production: root-owned and
 * read-only), or the copy inside this jar, extracted once per user to a private cache directory (mode
 * 0700, owned by the user), verified against the SHA-256 built into the jar and moved into place
 * atomically. Never a shared writable place: whoever can replace the launcher runs code as the caller.
 *
 * <p>Before every start of the file (each launcher per run, or the fork server, whose launchers are forks of
 * the image it started with) the extracted file's identity (device, inode, size, mtime, ctime, owner, mode) is
 * compared with the verified one, cheaply; a change (someone rewrote it) triggers a full re-verification.
 *
 * <p>Across JVMs the same identity, recorded beside the launcher when it was verified (a {@code .verified}
 * file holding the expected hash and the identity), spares each JVM hashing the ~1 MB file again. Why that
 * keeps "a replaced launcher does not run":
 * <ul>
 *   <li>replacing or rewriting the file changes its identity: a rename puts another inode there, a write
 *       moves its mtime and ctime, and no unprivileged process can set a ctime (the kernel stamps it with
 *       the current time on every change, utimensat included). A changed identity means a full hash;</li>
 *   <li>the record is only believed inside the directory checked to be a private 0700 directory of this
 *       uid, read without following links; another user can write neither it nor the launcher;</li>
 *   <li>what remains is a process of the same uid, outside any sandbox view, that rewrites both files. It
 *       could as well replace what this user runs next (a jar or a shell start-up file in the same home),
 *       and the in-JVM check above still catches a rewrite during a JVM's life. Against untrusted code
 *       that runs as the caller with the host's files visible (an unprivileged sandbox with
 *       {@code hostFilesystem()}), an installed, root-owned launcher is the answer, as before.</li>
 * </ul>
 */
final class LauncherBinary {
    static final String PROPERTY = "sandbox4j.launcher";
    static final String ENV = "SANDBOX4J_LAUNCHER";
    static final String NAME = "sandbox4j-launcher";

    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("r-x------");
    private static LauncherBinary shared;
    /** The launcher chosen with {@link LauncherSource#use}, or null for the property, variable or jar. */
    private static LauncherSource chosen;

    private final Path path;
    private final Path runDirectory;
    private final String expectedSha256; // null for an installed launcher run unverified
    private final LauncherSource.Content content; // what to extract; null for a launcher run in place
    private final String description;
    private Object verifiedIdentity;

    private LauncherBinary(
            Path path, Path runDirectory, String expectedSha256, LauncherSource.Content content, String description) {
        this.path = path;
        this.runDirectory = runDirectory;
        this.expectedSha256 = expectedSha256;
        this.content = content;
        this.description = description;
    }

    /** The launcher for this JVM, located (and if need be extracted) on first use. */
    static synchronized LauncherBinary get() {
        if (shared == null) {
            shared = chosen != null
                    ? locateSource(chosen, System.getenv())
                    : locate(System.getProperty(PROPERTY, System.getenv(ENV)), System.getenv());
        }
        return shared;
    }

    /** See {@link LauncherSource#use}: located at once, so a bad source fails here, not in a later run. */
    static synchronized void use(LauncherSource source) {
        if (shared != null) {
            boolean same = source.installed() != null
                    ? source.installed().equals(shared.path)
                            && (source.sha256() == null || source.sha256().equals(shared.expectedSha256))
                    : source.sha256() != null && source.sha256().equals(shared.expectedSha256);
            if (!same && !(source.isBundled() && shared.content != null && chosen == null)) {
                throw new IllegalStateException("cannot use " + source + ": this JVM already runs " + shared.description
                        + " (" + shared.path + "); choose the launcher before the first sandbox is created");
            }
            return;
        }
        shared = locateSource(source, System.getenv());
        chosen = source;
    }

    static LauncherBinary locateSource(LauncherSource source, Map<String, String> env) {
        if (source.isBundled()) {
            return locate((String) null, env);
        }
        if (source.installed() != null) {
            LauncherBinary binary = installed(source.installed(), env, source.sha256(), source.toString());
            if (source.sha256() != null) {
                binary.checkUnchanged();
            }
            return binary;
        }
        return extracted(source.sha256(), source.content(), source.toString(), env);
    }

    private static LauncherBinary installed(Path p, Map<String, String> env, String sha256, String description) {
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw new SandboxException(description + " is not an executable file");
        }
        Path base = cacheBase(env, HostIdentity.current().euid());
        return new LauncherBinary(p, privateDirectory(base.resolve("run")), sha256, null, description);
    }

    static LauncherBinary locate(String installed, Map<String, String> env) {
        if (installed != null && !installed.isEmpty()) {
            Path p = Path.of(installed).toAbsolutePath();
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new SandboxException(
                        PROPERTY + "/" + ENV + " points at " + p + ", which is not an executable file");
            }
            return installed(p, env, null, "the launcher at " + p);
        }
        String platform = platform();
        String resource = "/native/" + platform + "/" + NAME;
        String expected = readResource(resource + ".sha256").trim();
        return extracted(expected, () -> open(resource), "the launcher inside the jar", env);
    }

    /** Bytes verified against {@code expected} and kept in the first usable private cache directory. */
    private static LauncherBinary extracted(
            String expected, LauncherSource.Content content, String description, Map<String, String> env) {
        // Each usable cache directory in turn: one that exists but cannot take the launcher (a full or
        // read-only filesystem under HOME) must not stop us while the next one can.
        SandboxException last = null;
        for (Path base : cacheCandidates(env, HostIdentity.current().euid())) {
            try {
                Path dir = privateDirectory(base);
                Path run = privateDirectory(dir.resolve("run"));
                LauncherBinary binary = new LauncherBinary(
                        dir.resolve(NAME + "-" + expected.substring(0, 16)), run, expected, content, description);
                binary.extract();
                return binary;
            } catch (SandboxException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
            }
        }
        throw last != null ? last : new SandboxException("no usable cache directory for the launcher");
    }

    Path path() {
        return path;
    }

    /**
     * The user's sandbox4j cache, which holds the extracted launcher and the run directory: never to be seen
     * from inside a sandbox.
     */
    Path privateDirectory() {
        return runDirectory.getParent();
    }

    /** A 0700 directory of this user for the per-run control sockets. */
    Path runDirectory() {
        return runDirectory;
    }

    /**
     * A fresh name for a socket in the run directory: {@code prefix}, this JVM's pid and 64 random bits. The
     * directory is private (0700, this uid), so the name needs to be unique, not secret: the pid separates
     * live JVMs, the random part a recycled pid's leftovers and this JVM's own sockets.
     */
    Path newSocketPath(String prefix) {
        return runDirectory.resolve(prefix + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    /** Throws unless the file is still the one that was verified; re-verifies after a change. */
    synchronized void checkUnchanged() {
        if (expectedSha256 == null) {
            return;
        }
        if (!identity().equals(verifiedIdentity)) {
            if (content == null) {
                verifyInPlace();
            } else {
                extract();
            }
        }
    }

    /** An installed launcher with a required hash: it runs only while it has that hash. */
    private void verifyInPlace() {
        try {
            Object identity = identity();
            String actual = sha256(path);
            if (!actual.equals(expectedSha256)) {
                throw new SandboxException(description + " has SHA-256 " + actual + ", expected " + expectedSha256
                        + "; refusing to run it (install the launcher that hash was taken of, or correct the hash)");
            }
            verifiedIdentity = identity;
        } catch (IOException e) {
            throw new SandboxException("cannot read " + description + ": " + IoErrors.describe(e, path.toString()), e);
        }
    }

    private void extract() {
        try {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                // The identity first, then the content: a file replaced in between fails the next check.
                Object identity = identity();
                if (record(identity).equals(readRecord())) {
                    verifiedIdentity = identity;
                    return;
                }
                if (expectedSha256.equals(sha256(path))) {
                    verifiedIdentity = identity;
                    writeRecord(identity);
                    return;
                }
            }
            Path tmp = Files.createTempFile(
                    path.getParent(), NAME, ".tmp", PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            try {
                MessageDigest digest = sha256Digest();
                try (InputStream in = new DigestInputStream(content.open(), digest);
                        OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (!actual.equals(expectedSha256)) {
                    throw new SandboxException(description + " does not match: SHA-256 " + actual + ", expected "
                            + expectedSha256 + "; refusing to run it");
                }
                Files.setPosixFilePermissions(tmp, EXECUTABLE);
                try {
                    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new SandboxException(
                            "cannot rename the launcher into place atomically in " + path.getParent(), e);
                }
                // Taken right after the rename, before anyone else can have replaced it in this private directory.
                verifiedIdentity = identity();
            } finally {
                Files.deleteIfExists(tmp);
            }
            writeRecord(verifiedIdentity);
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot extract the launcher to " + path + ": " + IoErrors.describe(e, path.toString()), e);
        }
    }

    /** The file's identity as one line of text; an error's text, never equal to a verified identity, if unreadable. */
    private Object identity() {
        try {
            Map<String, Object> a = Files.readAttributes(
                    path, "unix:dev,ino,size,lastModifiedTime,ctime,uid,mode", LinkOption.NOFOLLOW_LINKS);
            return "dev " + a.get("dev") + " ino " + a.get("ino") + " size " + a.get("size")
                    + " mtime " + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)
                    + " ctime " + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS)
                    + " uid " + a.get("uid") + " mode " + Integer.toOctalString((Integer) a.get("mode"));
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    /** Where the identity of the verified launcher is kept between JVMs, beside it. */
    private Path recordPath() {
        return path.resolveSibling(path.getFileName() + ".verified");
    }

    private String record(Object identity) {
        return "sha256 " + expectedSha256 + " " + identity + "\n";
    }

    /** The recorded line, or "" when there is none (or it is not a plain file of the right size). */
    private String readRecord() {
        try (SeekableByteChannel in =
                Files.newByteChannel(recordPath(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (in.size() > 4096) {
                return "";
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) in.size());
            while (bytes.hasRemaining() && in.read(bytes) >= 0) {
                // until full or at its end
            }
            return new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    /** Best effort: without the record the next JVM hashes the launcher once more. */
    private void writeRecord(Object identity) {
        if (identity.toString().startsWith("unreadable")) {
            return;
        }
        Path record = recordPath();
        try {
            Path tmp = Files.createTempFile(
                    record.getParent(),
                    NAME,
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, record(identity), StandardCharsets.US_ASCII);
                Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // the launcher is verified all the same
        }
    }

    /**
     * The per-user cache: {@code $XDG_CACHE_HOME/sandbox4j}, {@code ~/.cache/sandbox4j}, or, when neither is
     * usable (e.g. nobody's home is /nonexistent), {@code /tmp/sandbox4j-<uid>}, and last
     * {@code /var/tmp/sandbox4j-<uid>}: container images run as a non-root user may have a root-owned /tmp
     * but keep /var/tmp world-writable. Always verified private.
     * Also kept short: control sockets live beneath it and a socket path has at most 107 bytes.
     */
    static Path cacheBase(Map<String, String> env, long euid) {
        SandboxException last = null;
        for (Path candidate : cacheCandidates(env, euid)) {
            try {
                return privateDirectory(candidate);
            } catch (SandboxException e) {
                last = e;
            }
        }
        throw last != null ? last : new SandboxException("no usable cache directory for the launcher");
    }

    /** The cache directories {@link #cacheBase} chooses from, in order of preference. */
    static List<Path> cacheCandidates(Map<String, String> env, long euid) {
        String xdg = env.get("XDG_CACHE_HOME");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        List<Path> candidates = new ArrayList<>(4);
        if (xdg != null && xdg.startsWith("/")) {
            candidates.add(Path.of(xdg, "sandbox4j"));
        }
        if (home != null && home.startsWith("/")) {
            candidates.add(Path.of(home, ".cache", "sandbox4j"));
        }
        candidates.add(Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "sandbox4j-" + euid));
        candidates.add(Path.of("/var/tmp", "sandbox4j-" + euid));
        candidates.removeIf(c -> c.toString().length() > 70);
        return candidates;
    }

    /** Creates the directory 0700 if missing, then insists it is ours, not a link, and private. */
    static Path privateDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another JVM of ours made it; the checks below decide whether it is acceptable
                }
            }
            Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            long euid = HostIdentity.current().euid();
            int mode = (Integer) a.get("mode");
            if (Files.isSymbolicLink(dir) || ((Integer) a.get("uid")) != euid || (mode & 0077) != 0) {
                throw new SandboxException(dir + " must be a directory owned by uid " + euid
                        + " with mode 0700; refusing to place the launcher there");
            }
            return dir;
        } catch (IOException e) {
            throw new SandboxException("cannot create " + dir + ": " + IoErrors.describe(e, dir.toString()), e);
        }
    }

    static String platform() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String normalized = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return "linux-" + normalized;
    }

    /** A resource of this module's jar. */
    private static InputStream open(String resource) {
        InputStream in = LauncherBinary.class.getResourceAsStream(resource);
        if (in == null) {
            throw new dev.sandbox4j.core.FeatureUnavailableException(
                    "the sandbox4j launcher",
                    "this jar has no launcher for " + platform() + " (" + resource + "); set " + ENV
                            + " to an installed one");
        }
        return in;
    }

    private static String readResource(String resource) {
        try (InputStream in = open(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
