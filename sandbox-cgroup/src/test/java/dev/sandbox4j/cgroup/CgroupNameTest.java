package dev.sandbox4j.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CgroupNameTest {

    @Test
    void roundTripsEvenWhenTheIdContainsDashesAndDigits() {
        CgroupName name = new CgroupName("build-42-7", 4026531836L, 123, 456789, 3);

        assertThat(name).hasToString("sandbox4j-build-42-7-4026531836-123-456789-3");
        assertThat(CgroupName.parse(name.toString())).contains(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "libpod_parent",
                "sandbox4j-",
                "sandbox4j-x-1-2-3",
                "sandbox4j-x-a-1-2-3",
                "sandbox4j--1-2-3-4",
                "cgroup.procs",
                "sandbox4jx-a-1-2-3-4",
                "sandbox4j-x-1-2-3-99999999999999999999"
            })
    void foreignNamesAreNotOurs(String directoryName) {
        assertThat(CgroupName.parse(directoryName)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "..", ".", "-x", "x-", "with space", "tab\t", "ü"})
    void idsThatCannotBeADirectoryNamePartAreRejected(String id) {
        assertThatThrownBy(() -> new CgroupName(id, 1, 2, 3, 4))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("invalid sandbox id");
    }

    @Test
    void idLengthIsBounded() {
        assertThat(new CgroupName("a".repeat(64), 1, 2, 3, 4).sandboxId()).hasSize(64);
        assertThatThrownBy(() -> new CgroupName("a".repeat(65), 1, 2, 3, 4)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> new CgroupName(null, 1, 2, 3, 4)).hasMessageStartingWith("invalid sandbox id null");
    }

    @Test
    void startTimeIsField22CountedFromTheLastParenthesis() {
        String stat = "4242 (a) b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 19 0 987654 10000 200";
        assertThat(LiveCgroupFs.parseStartTime(stat)).isEqualTo(987654);
    }

    @Test
    void theLiveStartTimeOfThisJvmIsStable() {
        long pid = ProcessHandle.current().pid();
        assertThat(LiveCgroupFs.INSTANCE.startTime(pid)).isPresent();
        assertThat(LiveCgroupFs.INSTANCE.startTime(pid)).isEqualTo(LiveCgroupFs.INSTANCE.startTime(pid));
        assertThat(Owner.current(LiveCgroupFs.INSTANCE).pid()).isEqualTo(pid);
    }
}
