package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramResolverTest {
    @TempDir
    Path root;

    private Path file(String name, String mode) throws Exception {
        Path p = root.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private ProgramNotRunnableException.Reason failure(String program, String path) {
        try {
            ProgramResolver.resolve(program, path, root);
        } catch (ProgramNotRunnableException e) {
            assertThat(e.step()).isEqualTo(ProgramResolver.STEP);
            return e.reason();
        }
        throw new AssertionError("resolved " + program);
    }

    @Test
    void searchesThePathInOrderAndSkipsNonExecutables() throws Exception {
        file("a/tool", "rw-r--r--");
        Path b = file("b/tool", "rwxr-xr-x");
        file("c/tool", "rwxr-xr-x");
        String path = root.resolve("a") + ":" + root.resolve("b") + ":" + root.resolve("c");
        assertThat(ProgramResolver.resolve("tool", path, root)).isEqualTo(b.toString());
    }

    @Test
    void notFoundAndNotExecutableAreDistinct() throws Exception {
        file("a/data", "rw-r--r--");
        Files.createDirectories(root.resolve("a/dir"));
        String path = root.resolve("a").toString();
        assertThat(failure("missing", path)).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND);
        assertThat(failure("data", path)).isEqualTo(ProgramNotRunnableException.Reason.NOT_EXECUTABLE);
        assertThat(failure("dir", path)).isEqualTo(ProgramNotRunnableException.Reason.NOT_EXECUTABLE);
        assertThat(failure("", path)).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND);
        assertThat(failure("missing", null)).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND);
    }

    @Test
    void aSlashMeansAPathRelativeToTheWorkingDirectoryNotAPathSearch() throws Exception {
        Path tool = file("bin/tool", "rwxr-xr-x");
        assertThat(ProgramResolver.resolve(tool.toString(), "", root)).isEqualTo(tool.toString());
        assertThat(ProgramResolver.resolve("bin/tool", "/nowhere", root)).isEqualTo(tool.toString());
        assertThat(ProgramResolver.resolve("./bin/tool", "/nowhere", root)).isEqualTo(tool.toString());
        assertThat(failure("bin/none", "/nowhere")).isEqualTo(ProgramNotRunnableException.Reason.NOT_FOUND);
        assertThatThrownBy(() -> ProgramResolver.resolve("tool", "/nowhere", root))
                .isInstanceOf(ProgramNotRunnableException.class);
    }

    @Test
    void anEmptyPathEntryIsTheWorkingDirectory() throws Exception {
        Path tool = file("tool", "rwxr-xr-x");
        assertThat(ProgramResolver.resolve("tool", "/nowhere::", root)).isEqualTo(tool.toString());
    }
}
