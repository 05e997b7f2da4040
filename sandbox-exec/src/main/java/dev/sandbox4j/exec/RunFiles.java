package dev.sandbox4j.exec;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's files in and out: the request's {@link SandboxFile}s written to a directory of the run beneath
 * sandbox4j's private directory (hidden in every view), bound into the view, read back where asked, and removed
 * with the run. Confined to the run's thread.
 */
final class RunFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);

    private final List<SandboxFile> files;
    private final Map<Path, Long> collect; // inside path → most bytes to read back
    private Path staging; // null until staged, and after release
    private FilesystemView view; // the view with the files bound in, once staged
    private final Map<Path, Path> hostFiles = new LinkedHashMap<>();

    RunFiles(List<SandboxFile> files, Map<Path, Long> collect) {
        this.files = List.copyOf(files);
        this.collect = Map.copyOf(collect);
        for (Path wanted : collect.keySet()) {
            if (files.stream().noneMatch(f -> f.writable() && f.path().equals(wanted))) {
                throw new InvalidConfigException(
                        "collect",
                        wanted.toString(),
                        "only a writable file of the same "
                                + "request can be read back; add it with file(SandboxFile.writable(...))");
            }
        }
    }

    boolean isEmpty() {
        return files.isEmpty();
    }

    /**
     * Writes the files for a program that runs as host uid/gid {@code owner}, and returns the view with them bound
     * in. A file is its program's own: readable, and writable where asked, whatever the caller's ids.
     */
    FilesystemView stage(SandboxConfig config, FilesystemView view, long hostUid, long hostGid) {
        if (files.isEmpty()) {
            return view;
        }
        if (view == null) {
            throw new InvalidConfigException(
                    "file",
                    files.get(0).path().toString(),
                    "files handed in need a filesystem view (SandboxBuilder.filesystem) to appear in");
        }
        FilesystemView.Builder withFiles = view.toBuilder();
        try {
            staging = Files.createDirectory(
                    LauncherBinary.get().privateDirectory().resolve("files-" + config.id() + "-" + UUID.randomUUID()));
            int n = 0;
            for (SandboxFile f : files) {
                Path host = staging.resolve(Integer.toString(n++));
                Files.write(
                        host,
                        f.content(),
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(host, permissions(f.mode()));
                if (hostUid != HostIdentity.current().euid()
                        || hostGid != HostIdentity.current().egid()) {
                    Files.setAttribute(host, "unix:uid", (int) hostUid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(host, "unix:gid", (int) hostGid, LinkOption.NOFOLLOW_LINKS);
                }
                hostFiles.put(f.path(), host);
                if (f.writable()) {
                    withFiles.bind(host, f.path());
                } else {
                    withFiles.roBind(host, f.path());
                }
            }
            this.view = withFiles.build();
            return view;
        } catch (IOException e) {
            release();
            throw new SandboxException("cannot write the run's files beneath " + staging + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** The view the run gets: {@code configured}, or that with the files bound in once they are staged. */
    FilesystemView view(FilesystemView configured) {
        return view != null ? view : configured;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? rwx.charAt(2 - bit % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /** The writable files asked for, as the program left them: at most the limit's bytes each, cut where longer. */
    Map<Path, CollectedFile> collect(String sandboxId) {
        if (collect.isEmpty() || staging == null) {
            return Map.of();
        }
        Map<Path, CollectedFile> read = new LinkedHashMap<>();
        collect.forEach((inside, limit) -> {
            Path host = hostFiles.get(inside);
            try (InputStream in = Files.newInputStream(host, LinkOption.NOFOLLOW_LINKS)) {
                long size = Files.size(host);
                byte[] bytes = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
                read.put(inside, new CollectedFile(bytes, Math.max(size, bytes.length), size > bytes.length));
            } catch (IOException e) {
                LOG.warn("sandbox {}: cannot read back {}: {}", sandboxId, inside, e.getMessage());
            }
        });
        return Collections.unmodifiableMap(read);
    }

    /** Removes the run's files; once, on every path out of the run. */
    void release() {
        Path dir = staging;
        staging = null;
        if (dir == null) {
            return;
        }
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("sandbox {}: cannot remove the run's files in {}: {}", dir.getFileName(), dir, e.getMessage());
        }
    }
}
