package dev.sandbox4j.cgroup;

import dev.sandbox4j.core.InvalidConfigException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a sandbox cgroup: {@code sandbox4j-<sandboxId>-<pidNs>-<ownerPid>-<ownerStartTime>-<seq>}.
 *
 * <p>Cgroups outlive the JVM that created them, so the name must say whose a cgroup is, for the next JVM to
 * decide whether it is stale: the owner's pid plus its start time (a recycled pid has another start time)
 * plus the pid namespace the pid belongs to (a JVM in another pid namespace sharing the same cgroup cannot
 * judge that pid, and must leave the cgroup alone). The prefix keeps clear of control-file names and of other
 * tenants' cgroups, which are never touched. The sandbox id comes first for people reading {@code ls}.
 *
 * @param sandboxId      the caller's id: starts with {@code [A-Za-z0-9_]}, then {@code [A-Za-z0-9_.]} and inner
 *                       {@code -}, at most {@value #MAX_ID_LENGTH} characters
 * @param pidNamespace   inode of the owner's pid namespace ({@code /proc/self/ns/pid})
 * @param ownerPid       the owner's pid in that namespace
 * @param ownerStartTime the owner's start time, clock ticks after boot
 * @param sequence       per-JVM counter, unique among the owner's cgroups
 */
record CgroupName(String sandboxId, long pidNamespace, long ownerPid, long ownerStartTime, long sequence) {

    static final String PREFIX = "sandbox4j-";
    static final int MAX_ID_LENGTH = 64;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?");
    // The id may contain '-' itself, so the numbers are taken from the end.
    private static final Pattern NAME =
            Pattern.compile(Pattern.quote(PREFIX) + "(.+)-(\\d{1,19})-(\\d{1,19})-(\\d{1,19})-(\\d{1,19})");

    CgroupName {
        checkId(sandboxId);
    }

    /**
     * Rejects ids that cannot be part of a directory name or would be confusing in one ("/", "..", spaces,
     * control characters), rather than rewriting them: the caller should find its id in {@code ls} as given.
     */
    static String checkId(String sandboxId) {
        if (sandboxId == null
                || sandboxId.length() > MAX_ID_LENGTH
                || !ID.matcher(sandboxId).matches()) {
            throw new InvalidConfigException(
                    "sandbox id",
                    sandboxId,
                    "must be 1 to " + MAX_ID_LENGTH + " characters of A-Z, a-z, 0-9, '_', '.' and inner '-',"
                            + " starting with a letter, digit or '_', since it becomes part of a cgroup directory name");
        }
        return sandboxId;
    }

    /** The directory name. */
    @Override
    public String toString() {
        return PREFIX + sandboxId + "-" + pidNamespace + "-" + ownerPid + "-" + ownerStartTime + "-" + sequence;
    }

    /** The owner part of the name, e.g. {@code -4026531836-123-456-}, to recognise one owner's cgroups. */
    static String ownerTag(long pidNamespace, long ownerPid, long ownerStartTime) {
        return "-" + pidNamespace + "-" + ownerPid + "-" + ownerStartTime + "-";
    }

    /** A directory name of ours, parsed; empty for every other name (other tenants', control files). */
    static Optional<CgroupName> parse(String directoryName) {
        Matcher matcher = NAME.matcher(directoryName);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CgroupName(
                    matcher.group(1),
                    Long.parseLong(matcher.group(2)),
                    Long.parseLong(matcher.group(3)),
                    Long.parseLong(matcher.group(4)),
                    Long.parseLong(matcher.group(5))));
        } catch (NumberFormatException | InvalidConfigException e) {
            return Optional.empty();
        }
    }
}
