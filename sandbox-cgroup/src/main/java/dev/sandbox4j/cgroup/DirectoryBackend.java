package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.CgroupException;
import dev.sandbox4j.core.CgroupHierarchy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What every backend shares whatever its cgroup version: its directory in one hierarchy, the controllers
 * driven there, and the limit files as the kernel holds them after they were written.
 */
abstract class DirectoryBackend implements CgroupBackend {
    final CgroupFs fs;
    final CgroupHierarchy hierarchy;
    final Path directory;
    final Set<String> controllers;
    private final Map<String, String> settings = new LinkedHashMap<>();

    DirectoryBackend(CgroupFs fs, CgroupHierarchy hierarchy, Path directory, Set<String> controllers) {
        this.fs = fs;
        this.hierarchy = hierarchy;
        this.directory = directory;
        this.controllers = Set.copyOf(controllers);
    }

    @Override
    public final CgroupHierarchy hierarchy() {
        return hierarchy;
    }

    @Override
    public final Path directory() {
        return directory;
    }

    @Override
    public final Set<String> controllers() {
        return controllers;
    }

    /** Writes, then records what the kernel holds (it rounds memory limits down to whole pages). */
    final void set(String file, String value) {
        Path path = directory.resolve(file);
        CgroupFiles.write(fs, path, value);
        // Stripped: the file's own newline would split the log line that shows the settings.
        settings.put(file, CgroupFiles.read(fs, path).orElseThrow(
                () -> new CgroupException(path + " disappeared right after it was written")).strip());
    }

    /** {@code pids.max} is 0 to stop forks, on v1 and v2 alike. */
    @Override
    public final boolean blockForks() {
        if (!controllers.contains("pids")) {
            return false;
        }
        CgroupFiles.write(fs, directory.resolve("pids.max"), "0");
        return true;
    }

    @Override
    public final Map<String, String> settings() {
        return Map.copyOf(settings);
    }
}
