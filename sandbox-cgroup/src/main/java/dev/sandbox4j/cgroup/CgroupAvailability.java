package dev.sandbox4j.cgroup;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether sandbox cgroups with a given {@link CgroupConfig} can be created here, and where they would go.
 *
 * @param unavailable controllers the limits need that cannot be used, each with the reason and the remedy
 *                    (empty when {@link #available()})
 * @param directories where each sandbox cgroup would be created, one line per hierarchy, e.g. {@code v1
 *                    memory beneath /sys/fs/cgroup/memory/process_api/42}
 */
public record CgroupAvailability(Map<String, String> unavailable, List<String> directories) {

    public CgroupAvailability {
        // Insertion order kept (memory, cpu, pids): messages list controllers in a stable order.
        unavailable =
                Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(unavailable, "unavailable")));
        directories = List.copyOf(Objects.requireNonNull(directories, "directories"));
    }

    /** Whether {@link SandboxCgroups#create} would succeed as far as can be told without creating anything. */
    public boolean available() {
        return unavailable.isEmpty();
    }

    /** The exception {@link SandboxCgroups#create} would throw; only when not {@link #available()}. */
    public CgroupUnavailableException toException() {
        if (available()) {
            throw new IllegalStateException("every controller is available");
        }
        return new CgroupUnavailableException(unavailable);
    }
}
