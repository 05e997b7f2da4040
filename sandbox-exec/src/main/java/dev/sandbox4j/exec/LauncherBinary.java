package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the native launcher lives. Either an installed binary named by the system property
 * {@value #PROPERTY} or the environment variable {@value #ENV} (recommended for production: root-owned and
 * read-only), or the copy inside this jar, extracted once per user to a private cache directory (mode
 * 0700, owned by the user), verified against the SHA-256 built into the jar and moved into place
 * atomically. Never a shared writable place: whoever can replace the launcher runs code as the caller.
 *
 * <p>Before every start of the file (each launcher per run, or the fork server, whose launchers are forks of
 * the image it started with) the extracted file's identity (inode, size, ctime) is compared with the verified
 * one, cheaply; a change (someone rewrote it) triggers a full re-verification. Until the mount plan hides
 * the host's files from the workload, an unprivileged workload runs as the caller and could rewrite that
 * cache: prefer an installed launcher when untrusted code runs unprivileged.
 */
final class LauncherBinary {
    static final String PROPERTY = "sandbox4j.launcher";
    static final String ENV = "SANDBOX4J_LAUNCHER";
    static final String NAME = "sandbox4j-launcher";

    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("r-x------");
    private static LauncherBinary shared;

    private final Path path;
    private final Path runDirectory;
    private final String expectedSha256; // null for an installed launcher
    private Object verifiedIdentity;

    private LauncherBinary(Path path, Path runDirectory, String expectedSha256) {
        this.path = path;
        this.runDirectory = runDirectory;
        this.expectedSha256 = expectedSha256;
    }

    /** The launcher for this JVM, located (and if need be extracted) on first use. */
    static synchronized LauncherBinary get() {
        if (shared == null) {
            shared = locate(System.getProperty(PROPERTY, System.getenv(ENV)), System.getenv());
        }
        return shared;
    }

    static LauncherBinary locate(String installed, Map<String, String> env) {
        Path base = cacheBase(env, HostIdentity.current().euid());
        Path run = privateDirectory(base.resolve("run"));
        if (installed != null && !installed.isEmpty()) {
            Path p = Path.of(installed).toAbsolutePath();
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new SandboxException(PROPERTY + "/" + ENV + " points at " + p + ", which is not an executable file");
            }
            return new LauncherBinary(p, run, null);
        }
        String platform = platform();
        String resource = "/native/" + platform + "/" + NAME;
        String expected = readResource(resource + ".sha256").trim();
        LauncherBinary binary = new LauncherBinary(base.resolve(NAME + "-" + expected.substring(0, 16)), run, expected);
        binary.extract(resource);
        return binary;
    }

    Path path() {
        return path;
    }

    /** A 0700 directory of this user for the per-run control sockets. */
    Path runDirectory() {
        return runDirectory;
    }

    /** Throws unless the file is still the one that was verified; re-verifies after a change. */
    synchronized void checkUnchanged() {
        if (expectedSha256 == null) {
            return;
        }
        if (!identity().equals(verifiedIdentity)) {
            extract("/native/" + platform() + "/" + NAME);
        }
    }

    private void extract(String resource) {
        try {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && expectedSha256.equals(sha256(path))) {
                verifiedIdentity = identity();
                return;
            }
            Path tmp = Files.createTempFile(path.getParent(), NAME, ".tmp", PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            try {
                MessageDigest digest = sha256Digest();
                try (InputStream in = new DigestInputStream(open(resource), digest);
                     OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (!actual.equals(expectedSha256)) {
                    throw new SandboxException("the launcher inside the jar is damaged: SHA-256 " + actual
                            + ", expected " + expectedSha256);
                }
                Files.setPosixFilePermissions(tmp, EXECUTABLE);
                try {
                    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new SandboxException("cannot rename the launcher into place atomically in " + path.getParent(), e);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            verifiedIdentity = identity();
        } catch (IOException e) {
            throw new SandboxException("cannot extract the launcher to " + path + ": " + e.getMessage(), e);
        }
    }

    private Object identity() {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:ino,size,ctime,uid,mode", LinkOption.NOFOLLOW_LINKS);
            return Map.of("ino", a.get("ino"), "size", a.get("size"), "ctime", ((FileTime) a.get("ctime")).toMillis(),
                    "uid", a.get("uid"), "mode", a.get("mode"));
        } catch (IOException e) {
            return e.toString(); // never equal to a verified identity, so the next check re-extracts
        }
    }

    /**
     * The per-user cache: {@code $XDG_CACHE_HOME/sandbox4j}, {@code ~/.cache/sandbox4j}, or, when neither is
     * usable (e.g. nobody's home is /nonexistent), {@code /tmp/sandbox4j-<uid>}; always verified private.
     * Also kept short: control sockets live beneath it and a socket path has at most 107 bytes.
     */
    static Path cacheBase(Map<String, String> env, long euid) {
        String xdg = env.get("XDG_CACHE_HOME");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        Path[] candidates = {
            xdg != null && xdg.startsWith("/") ? Path.of(xdg, "sandbox4j") : null,
            home != null && home.startsWith("/") ? Path.of(home, ".cache", "sandbox4j") : null,
            Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "sandbox4j-" + euid),
        };
        SandboxException last = null;
        for (Path candidate : candidates) {
            if (candidate == null || candidate.toString().length() > 70) {
                continue;
            }
            try {
                return privateDirectory(candidate);
            } catch (SandboxException e) {
                last = e;
            }
        }
        throw last != null ? last : new SandboxException("no usable cache directory for the launcher");
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
            throw new SandboxException("cannot create " + dir + ": " + e.getMessage(), e);
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

    private static InputStream open(String resource) {
        InputStream in = LauncherBinary.class.getResourceAsStream(resource);
        if (in == null) {
            throw new dev.sandbox4j.core.FeatureUnavailableException("the sandbox4j launcher",
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
