package dev.sandbox4j.seccomp;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A seccomp filter with the name it was asked for by and where it came from: a built-in profile, a profile
 * registered in a {@link SeccompProfileRegistry}, or an OCI/Docker JSON file. What {@code -s/--seccomp} and
 * {@code SandboxBuilder.seccomp(String)} resolve to. Immutable.
 */
public final class NamedSeccompFilter {
    private final String name;
    private final SeccompFilter filter;
    private final String source;
    private final SeccompProfile builtIn;
    private final List<String> notes;

    NamedSeccompFilter(String name, SeccompFilter filter, String source, SeccompProfile builtIn, List<String> notes) {
        this.name = Objects.requireNonNull(name, "name");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.source = Objects.requireNonNull(source, "source");
        this.builtIn = builtIn;
        this.notes = List.copyOf(notes);
    }

    /** A built-in profile under its command-line name. */
    public static NamedSeccompFilter of(SeccompProfile profile) {
        return new NamedSeccompFilter(profile.cliName(), profile.filter(), "built-in", profile, List.of());
    }

    /** A profile read from a file, under the name it was asked for by. */
    public static NamedSeccompFilter of(String name, OciSeccompProfile profile) {
        return new NamedSeccompFilter(name, profile.filter(), profile.source(), null, profile.notes());
    }

    /** The name, as messages and reports should show it: {@code minimal}, {@code team-ci}, {@code ./p.json}. */
    public String name() {
        return name;
    }

    public SeccompFilter filter() {
        return filter;
    }

    /** {@code built-in}, {@code registered}, or the file it was read from. */
    public String source() {
        return source;
    }

    /** The built-in profile, if this is one. */
    public Optional<SeccompProfile> builtIn() {
        return Optional.ofNullable(builtIn);
    }

    /** What reading a file skipped (see {@link OciSeccompProfile#notes()}); empty otherwise. */
    public List<String> notes() {
        return notes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedSeccompFilter n
                && n.name.equals(name)
                && n.filter.equals(filter)
                && n.source.equals(source)
                && n.builtIn == builtIn
                && n.notes.equals(notes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, filter, source, builtIn, notes);
    }

    @Override
    public String toString() {
        return name + " (" + source + ")";
    }
}
