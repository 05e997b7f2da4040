package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CgroupHierarchyTest {
    private static final Path MOUNT = Path.of("/sys/fs/cgroup/memory");
    private static final Path OWN = Path.of("/sys/fs/cgroup/memory/a");

    @Test
    void equalsAndHashCodeCompareEveryComponentLikeARecordsWould() {
        CgroupHierarchy h = new CgroupHierarchy(1, MOUNT, Set.of("memory"), "/a", OWN, false);
        CgroupHierarchy same = new CgroupHierarchy(1, MOUNT, Set.of("memory"), "/a", OWN, false);
        assertThat(h).isEqualTo(same).hasSameHashCodeAs(same);

        List<CgroupHierarchy> others = List.of(
                new CgroupHierarchy(2, MOUNT, Set.of("memory"), "/a", OWN, false),
                new CgroupHierarchy(1, Path.of("/x"), Set.of("memory"), "/a", OWN, false),
                new CgroupHierarchy(1, MOUNT, Set.of("pids"), "/a", OWN, false),
                new CgroupHierarchy(1, MOUNT, Set.of("memory"), null, OWN, false),
                new CgroupHierarchy(1, MOUNT, Set.of("memory"), "/a", null, false),
                new CgroupHierarchy(1, MOUNT, Set.of("memory"), "/a", OWN, true));
        for (CgroupHierarchy other : others) {
            assertThat(h).isNotEqualTo(other);
        }
        assertThat(h).isNotEqualTo(null).isNotEqualTo("v1 memory");
        assertThat(new CgroupHierarchy(1, MOUNT, Set.of("memory"), null, null, false))
                .isEqualTo(new CgroupHierarchy(1, MOUNT, Set.of("memory"), null, null, false));
    }
}
