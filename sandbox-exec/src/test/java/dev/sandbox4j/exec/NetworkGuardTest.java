package dev.sandbox4j.exec;

import static dev.sandbox4j.exec.SandboxBuilderTest.asRoot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SeccompException;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.ArgCondition;
import dev.sandbox4j.seccomp.BpfInstruction;
import dev.sandbox4j.seccomp.BpfInterpreter;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompAction;
import dev.sandbox4j.seccomp.SeccompData;
import dev.sandbox4j.seccomp.SeccompFilter;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NetworkGuardTest {
    private static final SeccompAction NO_FAMILY = SeccompAction.errno(NetworkGuard.EAFNOSUPPORT);
    private static final SeccompAction NO_URING = SeccompAction.errno(NetworkGuard.ENOSYS);
    private static final int I386 = 0x40000003;
    private static final int ARM = 0x40000028;

    /** A call the guard answers itself, and its answer. */
    private record Guarded(SeccompData call, SeccompAction answer) {}

    private static int nr(Architecture arch, String name) {
        return arch.syscalls().numberOf(name);
    }

    private static List<Guarded> guarded(Architecture arch) {
        List<Guarded> g = new ArrayList<>();
        int nat = arch.auditArch();
        for (String call : List.of("socket", "socketpair")) {
            g.add(new Guarded(new SeccompData(nat, nr(arch, call), 0, 40, 1, 0), NO_FAMILY));
            // The family is an int: only the low 32 bits count.
            g.add(new Guarded(new SeccompData(nat, nr(arch, call), 0, 0xdead_0000_0028L, 1, 0), NO_FAMILY));
            if (arch.hasX32Abi()) {
                int x32 = nr(arch, call) | Architecture.X32_SYSCALL_BIT;
                g.add(new Guarded(new SeccompData(nat, x32, 0, 40, 1, 0), NO_FAMILY));
            }
        }
        g.add(new Guarded(new SeccompData(nat, nr(arch, "io_uring_setup"), 0, 8, 0), NO_URING));
        if (arch.hasX32Abi()) {
            g.add(new Guarded(
                    new SeccompData(nat, nr(arch, "io_uring_setup") | Architecture.X32_SYSCALL_BIT, 0, 8, 0),
                    NO_URING));
        }
        int compat = arch == Architecture.X86_64 ? I386 : ARM;
        int socket = arch == Architecture.X86_64 ? 359 : 281;
        int socketpair = arch == Architecture.X86_64 ? 360 : 288;
        g.add(new Guarded(new SeccompData(compat, socket, 0, 40, 1, 0), NO_FAMILY));
        g.add(new Guarded(new SeccompData(compat, socketpair, 0, 40, 1, 0), NO_FAMILY));
        g.add(new Guarded(new SeccompData(compat, 102, 0, 1, 0xffff0000L), NO_FAMILY)); // socketcall(SYS_SOCKET, …)
        g.add(new Guarded(new SeccompData(compat, 102, 0, 8, 0xffff0000L), NO_FAMILY)); // SYS_SOCKETPAIR
        g.add(new Guarded(new SeccompData(compat, 425, 0, 8, 0), NO_URING));
        return g;
    }

    /** Calls next to the guarded ones that the guard leaves to the program. */
    private static List<SeccompData> neighbours(Architecture arch) {
        int nat = arch.auditArch();
        int compat = arch == Architecture.X86_64 ? I386 : ARM;
        int socket = arch == Architecture.X86_64 ? 359 : 281;
        List<SeccompData> n = new ArrayList<>();
        for (long family : new long[] {1, 2, 10, 16, 17, 38, 39, 41, 0x28_0000_0000L}) {
            n.add(new SeccompData(nat, nr(arch, "socket"), 0, family, 1, 0));
            n.add(new SeccompData(nat, nr(arch, "socketpair"), 0, family, 1, 0));
            n.add(new SeccompData(compat, socket, 0, family, 1, 0));
        }
        n.add(new SeccompData(nat, nr(arch, "io_uring_enter"), 0, 3, 1));
        n.add(new SeccompData(nat, nr(arch, "io_uring_register"), 0, 3, 1));
        n.add(new SeccompData(nat, nr(arch, "connect"), 0, 40));
        n.add(new SeccompData(compat, 102, 0, 3, 0)); // socketcall(SYS_CONNECT, …): needs a socket first
        n.add(new SeccompData(compat, 426, 0, 3, 0)); // io_uring_enter
        n.add(new SeccompData(0xC0000028, nr(arch, "socket"), 0, 40)); // an ABI neither of them
        return n;
    }

    private static SeccompAction run(BpfProgram program, SeccompData call) {
        return BpfInterpreter.of(program).run(call).action();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void alonePrefixRefusesVsockAndIoUringAndAllowsEverythingElse(Architecture arch) {
        BpfProgram alone = NetworkGuard.of(arch).before(null);
        BpfInterpreter guard = BpfInterpreter.of(alone); // checked as the kernel checks a filter
        for (Guarded g : guarded(arch)) {
            assertThat(guard.run(g.call()).action()).as(g.call().toString()).isEqualTo(g.answer());
        }
        for (SeccompData call : neighbours(arch)) {
            assertThat(guard.run(call).action()).as(call.toString()).isEqualTo(SeccompAction.ALLOW);
        }
        for (int nr = 0; nr <= arch.syscalls().highestNumber(); nr++) {
            if (!List.of("socket", "socketpair", "io_uring_setup")
                    .contains(arch.syscalls().nameOf(nr).orElse(""))) {
                assertThat(guard.run(SeccompData.of(arch, nr, 40, 1, 8)).action())
                        .as("syscall " + nr)
                        .isEqualTo(SeccompAction.ALLOW);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void inFrontOfAProgramItChangesNoOtherAnswer(Architecture arch) {
        Random random = new Random(arch.ordinal());
        List<BpfProgram> programs = new ArrayList<>();
        for (SeccompProfile profile : SeccompProfile.values()) {
            BpfProgram compiled = profile.filter().compile(arch);
            programs.add(compiled);
            SeccompSupervision.decide(profile.filter(), arch, true).ifPresent(s -> programs.add(s.program(compiled)));
        }
        // One whose answer depends on the accumulator the kernel starts it with: 0, so "ret a" kills.
        programs.add(BpfProgram.of(List.of(new BpfInstruction(0x16, 0, 0, 0))));
        NetworkGuard guard = NetworkGuard.of(arch);
        for (BpfProgram program : programs) {
            BpfProgram guarded = guard.before(program);
            assertThat(guarded.length()).isEqualTo(program.length() + guard.length());
            BpfInterpreter alone = BpfInterpreter.of(program);
            BpfInterpreter both = BpfInterpreter.of(guarded);
            for (Guarded g : guarded(arch)) {
                assertThat(both.run(g.call()).action()).as(g.call().toString()).isEqualTo(g.answer());
            }
            List<SeccompData> others = new ArrayList<>(neighbours(arch));
            for (int nr = 0; nr <= arch.syscalls().highestNumber() + 2; nr++) {
                others.add(SeccompData.of(arch, nr, random.nextLong(), random.nextInt(64), random.nextLong()));
                others.add(SeccompData.of(arch, nr));
            }
            for (int i = 0; i < 300; i++) {
                others.add(new SeccompData(
                        random.nextBoolean() ? arch.auditArch() : random.nextInt(),
                        random.nextInt(),
                        random.nextLong(),
                        random.nextLong(),
                        random.nextLong()));
            }
            others.removeIf(call -> isGuarded(arch, call));
            for (SeccompData call : others) {
                assertThat(both.run(call).returnValue())
                        .as(call + " under " + program)
                        .isEqualTo(alone.run(call).returnValue());
            }
        }
    }

    /** Whether the guard answers {@code call} itself (the ones {@link #guarded} lists, and their kind). */
    private static boolean isGuarded(Architecture arch, SeccompData call) {
        int low = (int) call.arg(0);
        if (call.arch() == arch.auditArch()) {
            int nr = arch.hasX32Abi() ? call.nr() & ~Architecture.X32_SYSCALL_BIT : call.nr();
            return nr == nr(arch, "io_uring_setup")
                    || (nr == nr(arch, "socket") || nr == nr(arch, "socketpair")) && low == 40;
        }
        boolean i386 = arch == Architecture.X86_64 && call.arch() == I386;
        boolean arm = arch == Architecture.AARCH64 && call.arch() == ARM;
        if (!i386 && !arm) {
            return false;
        }
        int socket = i386 ? 359 : 281;
        int socketpair = i386 ? 360 : 288;
        return call.nr() == 425
                || (call.nr() == socket || call.nr() == socketpair) && low == 40
                || call.nr() == 102 && (low == 1 || low == 8);
    }

    @Test
    void aProgramWithNoRoomLeftForTheGuardIsRefusedNamingBoth() {
        NetworkGuard guard = NetworkGuard.of(Architecture.X86_64);
        int room = BpfProgram.MAX_INSTRUCTIONS - guard.length();
        BpfProgram fits = allowAll(room);
        assertThat(guard.before(fits).length()).isEqualTo(BpfProgram.MAX_INSTRUCTIONS);
        assertThatThrownBy(() -> guard.before(allowAll(room + 1)))
                .isInstanceOf(SeccompException.class)
                .hasMessageContaining((room + 1) + " BPF instructions")
                .hasMessageContaining("limit of 4096")
                .hasMessageContaining("Network.host()");
        assertThatThrownBy(() -> asRoot(SandboxConfig.builder().seccompProgram(allowAll(room + 1))))
                .as("refused at build()")
                .isInstanceOf(SeccompException.class);
        assertThat(asRoot(SandboxConfig.builder().network(Network.host()).seccompProgram(allowAll(room + 1))))
                .as("the host's network needs no guard")
                .isNotNull();
    }

    private static BpfProgram allowAll(int length) {
        return BpfProgram.of(Collections.nCopies(length, new BpfInstruction(0x06, 0, 0, 0x7fff0000)));
    }

    @Test
    void everyRunWithANetworkOfItsOwnLoadsTheGuardWhateverItsFilter() {
        Architecture arch = Architecture.current();
        SeccompData vsock = SeccompData.of(arch, nr(arch, "socket"), 40, 1, 0);
        SeccompData uring = SeccompData.of(arch, nr(arch, "io_uring_setup"), 8, 0);
        SeccompData inet = SeccompData.of(arch, nr(arch, "socket"), 2, 1, 0);
        SeccompFilter allowsSocket = SeccompProfile.MINIMAL.filter().toBuilder()
                .remove("socket")
                .allow("socket")
                .build();
        List<SandboxBuilder> builders = List.of(
                SandboxConfig.builder(),
                SandboxConfig.builder().network(Network.none()),
                SandboxConfig.builder().network(Network.user()),
                SandboxConfig.builder().seccomp(SeccompProfile.UNRESTRICTED),
                SandboxConfig.builder().seccomp(allowsSocket),
                SandboxConfig.builder().seccomp(allowsSocket).seccompLearning(new SeccompLearner()),
                SandboxConfig.builder()
                        .seccompProgram(SeccompProfile.UNRESTRICTED.filter().compile(arch)));
        for (SandboxBuilder b : builders) {
            SandboxConfig config = asRoot(b);
            BpfInterpreter loaded = BpfInterpreter.of(BpfProgram.fromBytes(Planner.seccomp(config)));
            assertThat(loaded.run(vsock).action()).as(config.toString()).isEqualTo(NO_FAMILY);
            assertThat(loaded.run(uring).action()).as(config.toString()).isEqualTo(NO_URING);
            SeccompAction expected = config.seccompProgram().isEmpty()
                    ? SeccompAction.ALLOW
                    : config.seccompSupervision().isPresent()
                            ? SeccompAction.fromReturnValue(BpfInterpreter.of(config.seccompSupervision()
                                            .get()
                                            .program(config.seccompProgram().get()))
                                    .run(inet)
                                    .returnValue())
                            : BpfInterpreter.of(config.seccompProgram().get())
                                    .run(inet)
                                    .action();
            assertThat(loaded.run(inet).action()).as(config.toString()).isEqualTo(expected);
        }
        SandboxConfig learning = asRoot(SandboxConfig.builder()
                .seccomp(SeccompProfile.MINIMAL.filter().toBuilder()
                        .remove("socket")
                        .allowIf("socket", ArgCondition.arg32(0).eq(1))
                        .build())
                .seccompLearning(new SeccompLearner()));
        BpfInterpreter loaded = BpfInterpreter.of(BpfProgram.fromBytes(Planner.seccomp(learning)));
        assertThat(loaded.run(vsock).action())
                .as("refused before learn mode could let it through")
                .isEqualTo(NO_FAMILY);
        assertThat(loaded.run(inet).action()).isEqualTo(SeccompAction.USER_NOTIF);
    }

    @Test
    void onAnArchitectureWithoutAGuardBuildFailsRatherThanLeaveVsockOpen() {
        String osArch = System.getProperty("os.arch");
        System.setProperty("os.arch", "riscv64");
        try {
            assertThatThrownBy(() -> asRoot(SandboxConfig.builder()))
                    .isInstanceOf(SeccompException.class)
                    .hasMessageContaining("refuses vsock and io_uring")
                    .hasMessageContaining("riscv64")
                    .hasMessageContaining("Network.host()");
            assertThat(asRoot(SandboxConfig.builder().network(Network.host())))
                    .as("nothing to guard")
                    .isNotNull();
        } finally {
            System.setProperty("os.arch", osArch);
        }
    }

    @Test
    void theConfigurationSaysSo() {
        assertThat(asRoot(SandboxConfig.builder()).toString()).contains("vsock and io_uring refused");
        assertThat(asRoot(SandboxConfig.builder().network(Network.host())).toString())
                .doesNotContain("vsock");
    }

    @Test
    void theHostsNetworkLoadsOnlyTheFilter() {
        assertThat(Planner.seccomp(asRoot(SandboxConfig.builder().network(Network.host()))))
                .isNull();
        BpfProgram unrestricted = SeccompProfile.UNRESTRICTED.filter().compile(Architecture.current());
        assertThat(Planner.seccomp(
                        asRoot(SandboxConfig.builder().network(Network.host()).seccomp(SeccompProfile.UNRESTRICTED))))
                .isEqualTo(unrestricted.toBytes());
    }
}
