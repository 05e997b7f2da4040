package com.example.sandbox4j.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.SandboxSetupException;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxBuilder;
import dev.sandbox4j.exec.SandboxConfig;
import dev.sandbox4j.exec.SandboxResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java program run in the preset's view against the real kernel: it finds java by name, reads its classes
 * at /app, writes /work, and cannot write /app. Under CI=true a host that cannot run sandboxes fails it.
 */
class JdkViewKernelTest {
    @TempDir
    Path dir;

    @Test
    void aJavaProgramRunsInTheView() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path classes = Files.createDirectory(dir.resolve("classes"));
        Files.writeString(classes.resolve("Hello.java"), """
                public class Hello {
                    public static void main(String[] args) throws Exception {
                        java.nio.file.Files.writeString(java.nio.file.Path.of("/work/out"), "written");
                        System.out.println("hello from " + System.getProperty("java.home") + ", "
                                + java.nio.file.Files.readString(java.nio.file.Path.of("/work/out")));
                        System.out.println(java.nio.file.Files.isWritable(java.nio.file.Path.of("/app")));
                    }
                }
                """);
        Path home = Path.of(System.getProperty("java.home")).toRealPath();
        SandboxBuilder builder = SandboxConfig.builder().timeout(Duration.ofSeconds(60))
                .filesystem(JdkView.view(home, classes, 64L << 20).build()).cwd(JdkView.WORK);
        JdkView.environment(home).forEach(builder::env);

        SandboxResult r;
        try (Sandbox sandbox = Sandbox.create(builder.build())) {
            r = sandbox.run(List.of("java", "/app/Hello.java"));
        } catch (SandboxSetupException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw e;
            }
            Assumptions.abort("sandboxes cannot run here: " + e.getMessage());
            return;
        }

        assertThat(r.exitCode()).as(r.stderrText()).hasValue(0);
        assertThat(r.stdoutText()).isEqualTo("hello from " + home + ", written\nfalse\n");
    }
}
