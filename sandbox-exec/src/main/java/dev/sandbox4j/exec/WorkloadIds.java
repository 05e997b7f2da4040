package dev.sandbox4j.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The host uid and gid a configuration's program runs as: through the id maps with a user namespace (a root
 * caller's program is 65534, or its {@code /etc/subuid} range; an unprivileged caller's is the caller), the
 * configured ids without one. What directories the program must write (volumes, overlay upper and work
 * directories) are handed to.
 */
record WorkloadIds(long uid, long gid) {

    static WorkloadIds of(SandboxConfig config) {
        long uid = config.uidMap()
                .map(m -> m.toOutside(config.uid()))
                .filter(OptionalLong::isPresent)
                .map(OptionalLong::getAsLong)
                .orElse(config.uid());
        long gid = config.gidMap()
                .map(m -> m.toOutside(config.gid()))
                .filter(OptionalLong::isPresent)
                .map(OptionalLong::getAsLong)
                .orElse(config.gid());
        return new WorkloadIds(uid, gid);
    }

    /** Whether the program is the caller itself on the host: nothing to hand over then. */
    boolean isCaller() {
        HostIdentity me = HostIdentity.current();
        return uid == me.euid() && gid == me.egid();
    }

    /**
     * Makes {@code path} (not following a symlink) the program's, when it is not already and the caller may give it
     * away (CAP_CHOWN); a caller who may not is one whose program runs as itself, where nothing needs doing.
     */
    void own(Path path) throws IOException {
        if (isCaller()) {
            return;
        }
        if (((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue() != uid) {
            Files.setAttribute(path, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        }
        if (((Number) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue() != gid) {
            Files.setAttribute(path, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
