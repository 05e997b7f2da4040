package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.FeatureUnavailableException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A limit was asked for whose cgroup controller this process cannot use. Thrown by
 * {@link SandboxCgroups#create} before anything is created; {@link SandboxCgroups#availability} gives the same
 * answer without throwing. The caller decides: fail, or fall back to rlimits ({@link RlimitFallback}).
 */
public final class CgroupUnavailableException extends FeatureUnavailableException {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> reasons;

    public CgroupUnavailableException(Map<String, String> reasons) {
        super("cgroup controller " + String.join(", ", reasons.keySet()), describe(reasons));
        this.reasons = Collections.unmodifiableMap(new LinkedHashMap<>(reasons));
    }

    /** Each unusable controller ({@code memory}, {@code cpu}, {@code pids}) with why, and what would help. */
    public Map<String, String> reasons() {
        return reasons;
    }

    private static String describe(Map<String, String> reasons) {
        return reasons.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("; "));
    }
}
