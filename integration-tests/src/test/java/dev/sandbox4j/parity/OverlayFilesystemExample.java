package dev.sandbox4j.parity;

import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.namespace.FilesystemView;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * sandbox-rs's overlay example: a base layer the program changes through an overlay, the changes kept in an upper
 * directory and the base left as it was. sandbox4j makes the work directory and hands upper and work to the
 * program's host ids itself.
 */
public final class OverlayFilesystemExample {
    private OverlayFilesystemExample() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws Exception {
        out.println("=== sandbox4j - overlay filesystem ===");
        Path root = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-overlay-example-");
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path base = Files.createDirectories(root.resolve("base"));
            Files.writeString(base.resolve("original.txt"), "original content\n");
            Files.writeString(base.resolve("readme.txt"), "a file of the base layer\n");
            Path upper = Files.createDirectories(root.resolve("upper"));
            out.println("[1] base layer " + base + ": original.txt, readme.txt");
            SandboxConfig config = SandboxConfig.builder()
                    .filesystem(FilesystemView.defaults()
                            .overlay(List.of(base), Path.of("/data"), upper, root.resolve("work"))
                            .build())
                    .build();
            try (Sandbox sandbox = Sandbox.create(config)) {
                SandboxResult r = sandbox.run(List.of(
                        "/bin/sh",
                        "-c",
                        "cat /data/original.txt; echo 'new file' > /data/new.txt; rm /data/readme.txt; ls /data"));
                out.print("[2] inside: " + r.stdoutText().replace("\n", " ").strip() + "\n");
                if (!r.success()) {
                    out.println("[!] " + r.stderrText());
                    return 1;
                }
            }
            out.println("[3] upper layer now holds: " + list(upper));
            out.println("[4] base layer still holds: " + list(base));
            return 0;
        } finally {
            delete(root);
        }
    }

    /** Removes the tree, opening up directories first: overlayfs leaves its work/work directory with mode 000. */
    private static void delete(Path root) throws IOException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(
                    Path dir, java.nio.file.attribute.BasicFileAttributes a) throws IOException {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                Files.delete(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (!Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                delete(file); // a directory it could not open: opened up by preVisitDirectory this time
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
