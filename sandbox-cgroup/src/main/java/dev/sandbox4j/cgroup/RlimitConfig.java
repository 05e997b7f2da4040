package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Resource limits (setrlimit(2)) applied to the workload just before it runs. Immutable.
 *
 * <p>Limits are only ever <em>lowered</em>: the launcher takes the smaller of the configured value and the
 * limit it inherited, for the soft and the hard limit alike. Raising a hard limit needs
 * {@code CAP_SYS_RESOURCE} in the host's user namespace, which a sandbox never has (and a root caller may
 * lack: containers often drop it), so asking for more than the caller has silently yields the caller's
 * limit rather than a failed sandbox.
 *
 * <p>Rlimits are per process (address space, cpu seconds, file size, open files, core size) or, for
 * {@link Resource#NPROC}, per <em>real uid across the host</em>: every process of the sandbox's host uid
 * counts, including other sandboxes mapped to the same id. They complement cgroup limits; they do not
 * replace them.
 *
 * <p>By default only the core-file size is limited, to 0: a crashing workload must not leave a dump of its
 * memory behind.
 */
public final class RlimitConfig {
    /** Linux resources, with their {@code RLIMIT_*} numbers (the same on x86_64 and aarch64). */
    public enum Resource {
        CPU(0),
        FSIZE(1),
        DATA(2),
        STACK(3),
        CORE(4),
        RSS(5),
        NPROC(6),
        NOFILE(7),
        MEMLOCK(8),
        AS(9);

        private final int number;

        Resource(int number) {
            this.number = number;
        }

        /** The value of {@code RLIMIT_<name>} in {@code <sys/resource.h>}. */
        public int number() {
            return number;
        }
    }

    /** A soft and a hard limit; {@link #UNLIMITED} is {@code RLIM_INFINITY}. */
    public static final class Limit {
        public static final long UNLIMITED = -1L; // all bits set, as RLIM_INFINITY is

        private final long soft;
        private final long hard;

        private Limit(long soft, long hard) {
            this.soft = soft;
            this.hard = hard;
        }

        public long soft() {
            return soft;
        }

        public long hard() {
            return hard;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Limit && ((Limit) o).soft == soft && ((Limit) o).hard == hard;
        }

        @Override
        public int hashCode() {
            return Objects.hash(soft, hard);
        }

        @Override
        public String toString() {
            return (soft == UNLIMITED ? "unlimited" : Long.toString(soft)) + "/"
                    + (hard == UNLIMITED ? "unlimited" : Long.toString(hard));
        }
    }

    private static final RlimitConfig DEFAULTS = builder().build();

    private final Map<Resource, Limit> limits;

    private RlimitConfig(Map<Resource, Limit> limits) {
        this.limits = Collections.unmodifiableMap(new EnumMap<>(limits));
    }

    /** Core size 0 and nothing else: the default. */
    public static RlimitConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder(new EnumMap<>(Map.of(Resource.CORE, new Limit(0, 0))));
    }

    public Builder toBuilder() {
        EnumMap<Resource, Limit> copy = new EnumMap<>(Resource.class);
        copy.putAll(limits);
        return new Builder(copy);
    }

    /** The configured limits; resources not in the map keep what the workload inherits. */
    public Map<Resource, Limit> limits() {
        return limits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RlimitConfig && ((RlimitConfig) o).limits.equals(limits);
    }

    @Override
    public int hashCode() {
        return limits.hashCode();
    }

    @Override
    public String toString() {
        return "RlimitConfig" + limits;
    }

    /** Collects limits; each setter sets soft and hard to the same value. */
    public static final class Builder {
        private final EnumMap<Resource, Limit> limits;

        private Builder(EnumMap<Resource, Limit> limits) {
            this.limits = limits;
        }

        /** Maximum virtual address space, bytes ({@code RLIMIT_AS}). Counts reservations, not use. */
        public Builder addressSpace(long bytes) {
            return set(Resource.AS, bytes, "address space limit");
        }

        /** Maximum processor time; rounded up to whole seconds ({@code RLIMIT_CPU}, SIGKILL at the limit). */
        public Builder cpuTime(Duration time) {
            Objects.requireNonNull(time, "time");
            if (time.isNegative() || time.isZero()) {
                throw new InvalidConfigException("cpu time limit", time.toString(), "must be positive");
            }
            long seconds = time.getSeconds() + (time.getNano() > 0 ? 1 : 0);
            return set(Resource.CPU, seconds, "cpu time limit");
        }

        /** Maximum processes and threads of the workload's real uid, host-wide ({@code RLIMIT_NPROC}). */
        public Builder processes(long count) {
            return set(Resource.NPROC, count, "process limit");
        }

        /** Maximum size of a file the workload writes, bytes ({@code RLIMIT_FSIZE}, SIGXFSZ beyond). */
        public Builder fileSize(long bytes) {
            return set(Resource.FSIZE, bytes, "file size limit");
        }

        /** Maximum open file descriptors ({@code RLIMIT_NOFILE}). */
        public Builder openFiles(long count) {
            return set(Resource.NOFILE, count, "open files limit");
        }

        /** Maximum core dump size, bytes ({@code RLIMIT_CORE}); 0 by default. */
        public Builder coreSize(long bytes) {
            return set(Resource.CORE, bytes, "core size limit");
        }

        /** Any resource with distinct soft and hard limits; {@link Limit#UNLIMITED} for none. */
        public Builder limit(Resource resource, long soft, long hard) {
            Objects.requireNonNull(resource, "resource");
            String shown = soft + "/" + hard;
            if ((soft < 0 && soft != Limit.UNLIMITED) || (hard < 0 && hard != Limit.UNLIMITED)) {
                throw new InvalidConfigException(resource.name() + " limit", shown, "must be >= 0 or UNLIMITED");
            }
            if (Long.compareUnsigned(soft, hard) > 0) {
                throw new InvalidConfigException(
                        resource.name() + " limit", shown, "the soft limit cannot exceed the hard limit");
            }
            limits.put(resource, new Limit(soft, hard));
            return this;
        }

        /** Removes a limit, so the workload keeps the inherited one (also for {@code CORE}). */
        public Builder inherit(Resource resource) {
            limits.remove(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        private Builder set(Resource resource, long value, String setting) {
            if (value < 0) {
                throw new InvalidConfigException(setting, Long.toString(value), "must be >= 0");
            }
            limits.put(resource, new Limit(value, value));
            return this;
        }

        public RlimitConfig build() {
            return new RlimitConfig(limits);
        }
    }
}
