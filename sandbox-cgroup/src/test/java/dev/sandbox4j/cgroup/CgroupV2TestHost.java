package dev.sandbox4j.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Test support for teams writing their own {@link CgroupLimit}s (in sandbox-cgroup's {@code tests} jar): a
 * cgroup v2 host emulated on a temporary directory, the one sandbox4j's own v2 tests use. {@code mkdir} makes
 * the control files of the enabled controllers appear (memory, cpu, pids, io, cpuset, hugetlb 2MB), the
 * no-internal-process rule and subtree_control are enforced, and every operation is recorded. The JVM sits
 * in the hierarchy's root, which offers {@code controllers}.
 *
 * <pre>{@code
 * CgroupV2TestHost host = CgroupV2TestHost.offering(tempDir, "io memory pids");
 * try (SandboxCgroup cgroup = host.create("t", CgroupConfig.builder().limit(myLimit).build())) {
 *     assertThat(host.operations()).contains("write " + cgroup.directories().get(0).resolve("io.max") + " 8:0 wbps=1");
 * }
 * }</pre>
 */
public final class CgroupV2TestHost {
    private final FakeHost host;

    private CgroupV2TestHost(FakeHost host) {
        this.host = host;
    }

    /** A pure cgroup v2 host beneath {@code directory} whose root offers {@code controllers} (space-separated). */
    public static CgroupV2TestHost offering(Path directory, String controllers) {
        return new CgroupV2TestHost(new FakeHost(Objects.requireNonNull(directory, "directory"))
                .unified("/", Objects.requireNonNull(controllers, "controllers"), ""));
    }

    /** Creates a sandbox's cgroup with {@code config}'s limits written, as on a real host. */
    public SandboxCgroup create(String sandboxId, CgroupConfig config) {
        return host.create(sandboxId, config);
    }

    /** Whether cgroups with {@code config} could be created here, and why not. */
    public CgroupAvailability availability(CgroupConfig config) {
        return host.availability(config);
    }

    /** What was done, in order: {@code mkdir <dir>}, {@code write <file> <value>}, {@code rmdir <dir>}. */
    public List<String> operations() {
        return List.copyOf(host.fs.operations());
    }

    /** Sets a file as the kernel would (a counter such as {@code io.stat}). */
    public void put(Path file, String content) {
        host.fs.put(file, content);
    }

    /** A file's content, as sandbox4j would read it. */
    public Optional<String> read(Path file) {
        try {
            return host.fs.read(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
