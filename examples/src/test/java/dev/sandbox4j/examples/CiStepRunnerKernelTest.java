package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CI step runner against the real kernel: a make build and its tests in a bound workspace, with a report. */
class CiStepRunnerKernelTest {
    private static Path project(Path dir, String test) throws Exception {
        Path ws = Files.createDirectory(dir.resolve("ws"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(ws, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(ws.resolve("add.c"), "int add(int a, int b) { return a + b; }\n");
        Files.writeString(
                ws.resolve("test.c"),
                "#include <stdio.h>\nint add(int, int);\n"
                        + "int main(void) { int r = add(2, 2); printf(\"add(2, 2) = %d\\n\", r); return r == " + test
                        + " ? 0 : 1; }\n");
        Files.writeString(
                ws.resolve("Makefile"),
                "test: build/test\n\t./build/test\n"
                        + "build/test: add.c test.c\n\tmkdir -p build\n\tcc -o $@ add.c test.c\n");
        return ws;
    }

    @Test
    void aPassingBuildLeavesItsArtifactsInTheWorkspaceAndAReport(@TempDir Path dir) throws Exception {
        Path ws = project(dir, "4");
        CiStepRunner.Step step = CiStepRunner.run(ws, List.of("make", "test"));
        assertThat(step.result().status()).as(step.result().stderrText()).isEqualTo(RunStatus.EXITED);
        assertThat(step.result().exitCode()).hasValue(0);
        assertThat(step.result().stdoutText()).contains("add(2, 2) = 4");
        assertThat(ws.resolve("build/test")).as("built in the bound workspace").isExecutable();
        String report = Files.readString(step.report());
        assertThat(report).startsWith("{\"id\":").contains("\"exitCode\":0,").endsWith("\"status\":\"exited\"}\n");
    }

    @Test
    void aFailingTestIsAnExitedStepWithMakesStatus(@TempDir Path dir) throws Exception {
        Path ws = project(dir, "5");
        CiStepRunner.Step step = CiStepRunner.run(ws, List.of("make", "test"));
        assertThat(step.result().status()).isEqualTo(RunStatus.EXITED);
        assertThat(step.result().exitCode()).hasValue(2);
        assertThat(Files.readString(step.report())).contains("\"exitCode\":2,");
    }
}
