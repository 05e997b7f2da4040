package dev.sandbox4j.namespace;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A uid or gid map of a user namespace: ranges of ids inside mapped to ids outside, as written to
 * {@code /proc/PID/uid_map} and {@code gid_map}. Immutable and validated on creation against the
 * kernel's rules (no overlapping ranges inside or outside, at most 340 lines, ids below 2^32-1).
 *
 * <p>Whether the kernel accepts the map also depends on the writer: without {@code CAP_SETUID} in the
 * parent namespace only a single line mapping the caller's own id is allowed. That is checked by the kernel
 * when the sandbox starts and reported as a setup error naming the map.
 */
public final class IdMap {
    /** The kernel's limit on lines per map (since Linux 4.15). */
    public static final int MAX_RANGES = 340;

    private static final long ID_LIMIT = 0xFFFFFFFFL; // (uid_t)-1 is never a valid id

    /** One line of a map: {@code count} ids from {@code inside} map to ids from {@code outside}. */
    public static final class Range {
        private final long inside;
        private final long outside;
        private final long count;

        private Range(long inside, long outside, long count) {
            this.inside = inside;
            this.outside = outside;
            this.count = count;
        }

        public long inside() {
            return inside;
        }

        public long outside() {
            return outside;
        }

        public long count() {
            return count;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Range)) {
                return false;
            }
            Range r = (Range) o;
            return r.inside == inside && r.outside == outside && r.count == count;
        }

        @Override
        public int hashCode() {
            return Objects.hash(inside, outside, count);
        }

        @Override
        public String toString() {
            return inside + " " + outside + " " + count;
        }
    }

    private final List<Range> ranges;

    private IdMap(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** A single-id map: {@code inside} is {@code outside} on the host. */
    public static IdMap single(long inside, long outside) {
        return of(range(inside, outside, 1));
    }

    /**
     * A range, for {@link #of(Range...)}.
     *
     * @throws InvalidConfigException if an id is negative, the count is not positive, or the range passes
     *                                the largest id
     */
    public static Range range(long inside, long outside, long count) {
        String shown = inside + " " + outside + " " + count;
        if (inside < 0 || outside < 0 || count < 1) {
            throw new InvalidConfigException("id map range", shown, "ids must be >= 0 and the count >= 1");
        }
        if (inside + count > ID_LIMIT || outside + count > ID_LIMIT) {
            throw new InvalidConfigException("id map range", shown, "ids must stay below 4294967295");
        }
        return new Range(inside, outside, count);
    }

    /**
     * A map of the given ranges.
     *
     * @throws InvalidConfigException if there are none, more than {@value #MAX_RANGES}, or two overlap
     */
    public static IdMap of(Range... ranges) {
        List<Range> list = List.copyOf(Arrays.asList(ranges));
        if (list.isEmpty() || list.size() > MAX_RANGES) {
            throw new InvalidConfigException(
                    "id map", String.valueOf(list.size()) + " ranges", "a map has 1 to " + MAX_RANGES + " ranges");
        }
        for (int i = 0; i < list.size(); i++) {
            for (int j = i + 1; j < list.size(); j++) {
                Range a = list.get(i);
                Range b = list.get(j);
                if (overlap(a.inside, b.inside, a.count, b.count) || overlap(a.outside, b.outside, a.count, b.count)) {
                    throw new InvalidConfigException("id map", a + ", " + b, "ranges overlap");
                }
            }
        }
        return new IdMap(list);
    }

    private static boolean overlap(long a, long b, long countA, long countB) {
        return a < b + countB && b < a + countA;
    }

    public List<Range> ranges() {
        return ranges;
    }

    /** The host id of {@code inside}, or empty when it is not mapped. */
    public OptionalLong toOutside(long inside) {
        for (Range r : ranges) {
            if (inside >= r.inside && inside < r.inside + r.count) {
                return OptionalLong.of(r.outside + (inside - r.inside));
            }
        }
        return OptionalLong.empty();
    }

    /** The text the kernel expects in {@code uid_map}/{@code gid_map}: one line per range. */
    public String toProcFormat() {
        StringBuilder text = new StringBuilder();
        for (Range r : ranges) {
            text.append(r.inside)
                    .append(' ')
                    .append(r.outside)
                    .append(' ')
                    .append(r.count)
                    .append('\n');
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdMap && ((IdMap) o).ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        List<String> lines = new ArrayList<>();
        for (Range r : ranges) {
            lines.add(r.toString());
        }
        return "IdMap" + Collections.unmodifiableList(lines);
    }
}
