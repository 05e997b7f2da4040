package dev.sandbox4j.exec.host;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A set of capabilities as the kernel reports it in {@code /proc/<pid>/status} ({@code CapEff:} and friends):
 * a 64-bit mask. Bits {@link Capability} does not name (a newer kernel's) are kept as numbers. Immutable.
 */
public final class CapabilitySet {
    private final long mask;

    private CapabilitySet(long mask) {
        this.mask = mask;
    }

    /** The set whose bit {@code n} is capability number {@code n}. */
    public static CapabilitySet ofMask(long mask) {
        return new CapabilitySet(mask);
    }

    /** The set from the hexadecimal form of {@code /proc/<pid>/status}, e.g. {@code 000001fffeffffff}. */
    public static CapabilitySet parseHex(String hex) {
        return new CapabilitySet(Long.parseUnsignedLong(hex.strip(), 16));
    }

    public static CapabilitySet of(Collection<Capability> capabilities) {
        long mask = 0;
        for (Capability capability : capabilities) {
            mask |= 1L << capability.number();
        }
        return new CapabilitySet(mask);
    }

    public long mask() {
        return mask;
    }

    public boolean isEmpty() {
        return mask == 0;
    }

    public boolean contains(Capability capability) {
        return (mask & (1L << capability.number())) != 0;
    }

    public boolean containsAll(Collection<Capability> capabilities) {
        for (Capability capability : capabilities) {
            if (!contains(capability)) {
                return false;
            }
        }
        return true;
    }

    /** The named capabilities in the set, in bit order. */
    public Set<Capability> known() {
        EnumSet<Capability> known = EnumSet.noneOf(Capability.class);
        for (Capability capability : Capability.values()) {
            if (contains(capability)) {
                known.add(capability);
            }
        }
        return Collections.unmodifiableSet(known);
    }

    /** Bit numbers in the set that {@link Capability} does not name. */
    public SortedSet<Integer> unknownBits() {
        SortedSet<Integer> unknown = new TreeSet<>();
        for (int bit = Capability.values().length; bit < Long.SIZE; bit++) {
            if ((mask & (1L << bit)) != 0) {
                unknown.add(bit);
            }
        }
        return Collections.unmodifiableSortedSet(unknown);
    }

    /** Those of {@code wanted} that the set lacks, in bit order. */
    public Set<Capability> missing(Collection<Capability> wanted) {
        EnumSet<Capability> missing = EnumSet.noneOf(Capability.class);
        for (Capability capability : wanted) {
            if (!contains(capability)) {
                missing.add(capability);
            }
        }
        return Collections.unmodifiableSet(missing);
    }

    /**
     * Short, readable form: {@code none}; {@code all 41 known}; {@code all 41 known except CAP_SYS_RESOURCE}
     * when most are present; otherwise the names present. Unknown bits are appended as {@code cap_41}.
     */
    public String describe() {
        Set<Capability> known = known();
        int total = Capability.values().length;
        String names;
        if (known.isEmpty()) {
            names = unknownBits().isEmpty() ? "none" : "";
        } else if (known.size() == total) {
            names = "all " + total + " known";
        } else if (known.size() > total / 2) {
            names = "all " + total + " known except " + join(missing(EnumSet.allOf(Capability.class)));
        } else {
            names = join(known);
        }
        String unknown = unknownBits().stream().map(bit -> "cap_" + bit).collect(Collectors.joining(", "));
        if (unknown.isEmpty()) {
            return names;
        }
        return names.isEmpty() ? unknown : names + " + " + unknown;
    }

    private static String join(Set<Capability> capabilities) {
        return capabilities.stream().map(Capability::name).collect(Collectors.joining(", "));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CapabilitySet that && that.mask == mask;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(mask);
    }

    @Override
    public String toString() {
        return String.format("%016x (%s)", mask, describe());
    }
}
