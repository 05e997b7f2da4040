package dev.sandbox4j.cgroup.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MountInfoTest {

    @Test
    void parsesAroundAVariableNumberOfOptionalFields() {
        MountInfo mount = MountInfo.parse(
                "30 22 0:27 / /sys/fs/cgroup ro,nosuid shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate");

        assertThat(mount.root()).isEqualTo("/");
        assertThat(mount.mountPoint()).isEqualTo("/sys/fs/cgroup");
        assertThat(mount.readOnly()).isTrue();
        assertThat(mount.fsType()).isEqualTo("cgroup2");
        assertThat(mount.source()).isEqualTo("cgroup2");
        assertThat(mount.superOptions()).containsExactly("rw", "nsdelegate");
    }

    @Test
    void decodesOctalEscapesOnly() {
        assertThat(MountInfo.unescape("a\\040b\\011c\\012d\\134e")).isEqualTo("a b\tc\nd\\e");
        assertThat(MountInfo.unescape("trailing\\04")).isEqualTo("trailing\\04");
        assertThat(MountInfo.unescape("not\\999octal")).isEqualTo("not\\999octal");
    }

    @Test
    void rejectsALineWithoutSeparator() {
        assertThatThrownBy(() -> MountInfo.parse("30 22 0:27 / /x rw"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("separator");
    }
}
