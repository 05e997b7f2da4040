package dev.sandbox4j.cli;

import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.namespace.FilesystemView;
import dev.sandbox4j.namespace.LandlockRules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The filesystem options of {@code sandbox-ctl run}, parsed ({@link FilesystemOptions}) and ready to apply to a
 * {@link SandboxBuilder}. Which root the program gets:
 * <ul>
 *   <li>without {@code -r/--root}: {@link FilesystemView#defaults()}, the host's {@code /usr}, {@code /bin},
 *       {@code /lib*}, {@code /etc} read-only, a fresh {@code /proc}, a minimal {@code /dev} and a private
 *       {@code /tmp}; nothing else of the host unless bound;</li>
 *   <li>with {@code -r/--root PATH}: that directory as {@code /}, read-only unless {@code --rw}, with a fresh
 *       {@code /proc}, a minimal {@code /dev} and a private {@code /tmp} where the tree has those directories
 *       (or anywhere, with {@code --rw}, where they are created).</li>
 * </ul>
 * The binds, tmpfs and overlays then follow in command-line order (per kind: binds, then tmpfs, then overlays).
 *
 * @param binds             {@code --bind} and {@code --ro-bind}, in order
 * @param tmpfs             {@code --tmpfs}
 * @param overlays          {@code --overlay}
 * @param writableRoot      {@code --rw}
 * @param landlockReadOnly  {@code --landlock-ro}: paths inside the sandbox
 * @param landlockReadWrite {@code --landlock-rw}: paths inside the sandbox
 */
record FilesystemSettings(
        List<Bind> binds,
        List<Tmpfs> tmpfs,
        List<Overlay> overlays,
        boolean writableRoot,
        List<Path> landlockReadOnly,
        List<Path> landlockReadWrite) {

    /** {@code --bind}/{@code --ro-bind SRC[:DST]}: SRC resolved against the current directory, DST absolute (default SRC). */
    record Bind(Path source, Path destination, boolean writable) {
    }

    /** {@code --tmpfs DST[:SIZE]}: SIZE as the tmpfs size option takes it, empty for the kernel default. */
    record Tmpfs(Path destination, Optional<String> size) {
    }

    /** {@code --overlay LOWER:DST[:UPPER]}: without UPPER the changes are discarded after the run. */
    record Overlay(Path lower, Path destination, Optional<Path> upper) {
        /** Kept changes need overlayfs's scratch directory beside UPPER: {@code .UPPERNAME.work}, created if missing. */
        Path work() {
            Path u = upper.orElseThrow();
            return u.resolveSibling("." + u.getFileName() + ".work");
        }
    }

    FilesystemSettings {
        binds = List.copyOf(binds);
        tmpfs = List.copyOf(tmpfs);
        overlays = List.copyOf(overlays);
        landlockReadOnly = List.copyOf(landlockReadOnly);
        landlockReadWrite = List.copyOf(landlockReadWrite);
    }

    /** No filesystem options: the default view, no Landlock. */
    static FilesystemSettings none() {
        return new FilesystemSettings(List.of(), List.of(), List.of(), false, List.of(), List.of());
    }

    /**
     * The view for this run: the default one, or {@code root} ({@code -r/--root}) as described above.
     *
     * @throws dev.sandbox4j.core.InvalidConfigException naming the offending path
     */
    FilesystemView view(Optional<Path> root) {
        Objects.requireNonNull(root, "root");
        FilesystemView.Builder view;
        if (root.isPresent()) {
            Path dir = root.get().toAbsolutePath().normalize();
            view = FilesystemView.root(dir).writableRoot(writableRoot);
            // A read-only tree cannot get mount points it lacks; skip those rather than fail.
            if (writableRoot || Files.isDirectory(dir.resolve("proc"))) {
                view.proc(Path.of("/proc"));
            }
            if (writableRoot || Files.isDirectory(dir.resolve("dev"))) {
                view.dev(Path.of("/dev"));
            }
            if (writableRoot || Files.isDirectory(dir.resolve("tmp"))) {
                view.tmpfs(Path.of("/tmp"), 0, 01777);
            }
        } else {
            view = FilesystemView.defaults().writableRoot(writableRoot);
        }
        for (Bind b : binds) {
            if (b.writable()) {
                view.bind(b.source(), b.destination());
            } else {
                view.roBind(b.source(), b.destination());
            }
        }
        for (Tmpfs t : tmpfs) {
            if (t.size().isPresent()) {
                view.tmpfs(t.destination(), t.size().get());
            } else {
                view.tmpfs(t.destination());
            }
        }
        for (Overlay o : overlays) {
            if (o.upper().isPresent()) {
                view.overlay(List.of(o.lower()), o.destination(), o.upper().get(), o.work());
            } else {
                view.overlay(o.lower(), o.destination());
            }
        }
        return view.build();
    }

    /**
     * The Landlock rules, when {@code --landlock-ro}/{@code --landlock-rw} were given: those paths plus what any
     * program needs to start ({@link LandlockRules.Builder#systemDefaults()}).
     */
    Optional<LandlockRules> landlock() {
        if (landlockReadOnly.isEmpty() && landlockReadWrite.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(LandlockRules.builder().systemDefaults()
                .readOnly(landlockReadOnly.toArray(Path[]::new))
                .readWrite(landlockReadWrite.toArray(Path[]::new))
                .build());
    }

    /** Sets the view (and the Landlock rules, if any) on the builder. */
    SandboxBuilder applyTo(SandboxBuilder builder, Optional<Path> root) {
        builder.filesystem(view(root));
        landlock().ifPresent(builder::landlock);
        return builder;
    }
}
