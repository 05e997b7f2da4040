package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxSetupException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchPlanTest {
    static LaunchPlan fullPlan() {
        return LaunchPlan.builder()
                .cloneFlags(0x7E020000L)
                .program("/bin/echo")
                .argv(List.of("echo", "héllo", ""))
                .env(List.of("PATH=/bin", "LANG=C.UTF-8"))
                .cwd("/tmp")
                .hostname("box")
                .uidMap("0 65534 1\n")
                .gidMap("0 65534 1\n")
                .setgroupsDeny(true)
                .uid(0)
                .gid(4294967294L)
                .clearGroups(true)
                .rlimit(4, 0, 0)
                .rlimit(9, 1 << 30, -1)
                .cgroupProcs("/sys/fs/cgroup/x/cgroup.procs")
                .mount(LaunchPlan.Mount.privateRoot())
                .mount(LaunchPlan.Mount.proc("/proc"))
                .mount(new LaunchPlan.Mount(
                        Wire.MOUNT_FILESYSTEM, "tmpfs", "/tmp", "tmpfs", 0x6, 0, "size=1048576,mode=01777"))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_BIND, "/oldroot/usr", "/usr", "", 0x7, 0, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_DIRECTORY, "", "/dévé", "", 0, 01777, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_FILE, "", "/dev/null", "", 0, 0644, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_SYMLINK, "usr/bin", "/bin", "", 0, 0, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_SET_ATTRIBUTES, "", "/", "", 0x1, 0, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_PIVOT, "/tmp/oldroot", "/tmp", "", 0, 0, ""))
                .mount(new LaunchPlan.Mount(Wire.MOUNT_ROOT, "", "/newroot", "", 0, 0, ""))
                .loopbackUp(true)
                .newSession(true)
                .seccomp(new byte[] {6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f})
                .landlock(0xFFFFL)
                .landlockRule(new LaunchPlan.LandlockRule("/usr", 0xD, true))
                .landlockRule(new LaunchPlan.LandlockRule("/home/ü", 0xFFFE, false))
                .seccompNotify(13)
                .hold(true)
                .build();
    }

    @Test
    void encodesVersionThenFieldsInTagOrderLittleEndian() {
        byte[] bytes = LaunchPlan.builder()
                .cloneFlags(0x10000000L)
                .program("/p")
                .argv(List.of("p"))
                .uid(7)
                .build()
                .encode();
        assertThat(HexFormat.of().formatHex(bytes))
                .isEqualTo(
                        "0300" // version 3
                                + "0100" + "08000000" + "0000001000000000" // clone flags
                                + "0200" + "02000000" + "2f70" // program "/p"
                                + "0300" + "01000000" + "70" // argv[0] "p"
                                + "0a00" + "04000000" + "07000000"); // uid 7
    }

    @Test
    void aPlanOverTheFrameLimitIsRefusedBeforeSendingNamingItsSizeAndTheLimit() {
        String big = "a".repeat(3 << 20);
        LaunchPlan plan = LaunchPlan.builder()
                .program("/p")
                .argv(List.of("p", big))
                .env(List.of("X=" + "b".repeat(2 << 20)))
                .build();
        byte[] encoded = plan.encode();
        assertThatThrownBy(() -> plan.checkSize(encoded))
                .isInstanceOf(dev.sandbox4j.core.SandboxSetupException.class)
                .hasMessageContaining("the plan is " + encoded.length + " bytes (arguments " + ((3 << 20) + 3)
                        + ", environment " + ((2 << 20) + 3) + "), more than the launcher's limit of 4194186 bytes")
                .satisfies(e -> assertThat(((dev.sandbox4j.core.SandboxSetupException) e).errnoName())
                        .isEqualTo("E2BIG"));
        LaunchPlan small = LaunchPlan.builder()
                .program("/p")
                .argv(List.of("p", "a".repeat(4_000_000)))
                .build();
        small.checkSize(small.encode()); // under the limit: fine
    }

    @Test
    void frameCarriesLengthAndType() {
        byte[] frame = fullPlan().toFrame();
        ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(frame.length - 4);
        assertThat(b.getShort()).isEqualTo((short) Wire.MSG_PLAN);
        assertThat(b.getShort()).isEqualTo((short) Wire.PLAN_VERSION);
    }

    @Test
    void refusesNulBecauseExecveWouldTruncate() {
        assertThatThrownBy(() -> LaunchPlan.builder()
                        .program("/bin/x")
                        .argv(List.of("x", "a\0b"))
                        .build()
                        .encode())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
    }

    @Test
    void launcherDecodesAndReencodesEveryFieldIdentically() throws Exception {
        byte[] plan = fullPlan().encode();
        assertThat(Execution.echo(plan)).isEqualTo(plan);
        byte[] minimal = LaunchPlan.builder()
                .program("/bin/true")
                .argv(List.of("true"))
                .build()
                .encode();
        assertThat(Execution.echo(minimal)).isEqualTo(minimal);
    }

    @Test
    void theDefaultViewsPlanRoundTripsThroughTheLauncher() throws Exception {
        LaunchPlan.Builder b = LaunchPlan.builder().program("/bin/true").argv(List.of("true"));
        dev.sandbox4j.namespace.internal.MountPlanner.plan(
                        dev.sandbox4j.namespace.FilesystemView.defaults().build(), true)
                .operations()
                .forEach(op -> b.mount(LaunchPlan.Mount.of(op)));
        byte[] plan = b.build().encode();
        assertThat(Execution.echo(plan)).isEqualTo(plan);
    }

    @Test
    void launcherRejectsUnknownVersionFieldAndOrder() {
        byte[] plan = fullPlan().encode();
        byte[] badVersion = plan.clone();
        badVersion[0] = 99;
        assertThatThrownBy(() -> Execution.echo(badVersion))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("decode plan")
                .hasMessageContaining("version 99");

        LaunchPlan.Out unknown = new LaunchPlan.Out();
        unknown.bytes(
                LaunchPlan.builder().program("/p").argv(List.of("p")).build().encode());
        unknown.u16(200).u32(0);
        assertThatThrownBy(() -> Execution.echo(unknown.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("unknown field 200");

        LaunchPlan.Out outOfOrder = new LaunchPlan.Out();
        outOfOrder.u16(Wire.PLAN_VERSION);
        outOfOrder.u16(Wire.F_ARG).u32(1).bytes(new byte[] {'p'});
        outOfOrder.u16(Wire.F_PROGRAM).u32(2).bytes(new byte[] {'/', 'p'});
        assertThatThrownBy(() -> Execution.echo(outOfOrder.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("out of order");

        LaunchPlan.Out truncated = new LaunchPlan.Out();
        truncated.u16(Wire.PLAN_VERSION);
        truncated.u16(Wire.F_PROGRAM).u32(50).bytes(new byte[] {'/', 'p'});
        assertThatThrownBy(() -> Execution.echo(truncated.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("exceeds");

        // A supervised filter's answer is an errno or 0 (kill), and comes only with a filter.
        LaunchPlan.Out hugeErrno = new LaunchPlan.Out();
        hugeErrno.bytes(LaunchPlan.builder()
                .program("/p")
                .argv(List.of("p"))
                .seccomp(new byte[8])
                .build()
                .encode());
        hugeErrno.u16(Wire.F_SECCOMP_NOTIFY).u32(4).u32(5000);
        assertThatThrownBy(() -> Execution.echo(hugeErrno.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("above 4095");
        LaunchPlan.Out noFilter = new LaunchPlan.Out();
        noFilter.bytes(
                LaunchPlan.builder().program("/p").argv(List.of("p")).build().encode());
        noFilter.u16(Wire.F_SECCOMP_NOTIFY).u32(4).u32(0);
        assertThatThrownBy(() -> Execution.echo(noFilter.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("without a seccomp program");
    }

    @Test
    void decodesLauncherMessages() {
        LaunchPlan.Out err = new LaunchPlan.Out().u32(13).str("chdir").str("/nope");
        assertThat(LauncherEvent.decode(Wire.MSG_SETUP_ERROR, err.toByteArray()))
                .isEqualTo(new LauncherEvent.SetupError(13, "chdir", "/nope"));
        LaunchPlan.Out exit =
                new LaunchPlan.Out().u32(42 << 8).u64(1500).u64(250).u64(2048);
        assertThat(LauncherEvent.decode(Wire.MSG_EXIT, exit.toByteArray()))
                .isEqualTo(new LauncherEvent.Exit(42 << 8, 1500, 250, 2048));
        assertThatThrownBy(() -> LauncherEvent.decode(Wire.MSG_EXIT, new byte[3]))
                .isInstanceOf(LauncherEvent.ProtocolException.class);
        assertThatThrownBy(() -> LauncherEvent.decode(99, new byte[0]))
                .isInstanceOf(LauncherEvent.ProtocolException.class);
        assertThatThrownBy(() -> LauncherEvent.decode(Wire.MSG_ABORTED, new byte[5]))
                .isInstanceOf(LauncherEvent.ProtocolException.class)
                .hasMessageContaining("extra");
        LaunchPlan.Out violation = new LaunchPlan.Out()
                .u32(Wire.VIOLATION_KILLED)
                .u32(4242)
                .u32(83)
                .u32(0xC000003E)
                .u64(0x401000)
                .u64(1)
                .u64(2)
                .u64(3)
                .u64(4)
                .u64(5)
                .u64(-1);
        LauncherEvent.Violation v =
                (LauncherEvent.Violation) LauncherEvent.decode(Wire.MSG_VIOLATION, violation.toByteArray());
        assertThat(v.killed()).isTrue();
        assertThat(v.workload()).isFalse();
        assertThat(v.tid()).isEqualTo(4242);
        assertThat(v.nr()).isEqualTo(83);
        assertThat(v.arch()).isEqualTo(0xC000003E);
        assertThat(v.instructionPointer()).isEqualTo(0x401000);
        assertThat(v.args()).containsExactly(1, 2, 3, 4, 5, -1);
        LaunchPlan.Out learned = new LaunchPlan.Out()
                .u32(Wire.VIOLATION_CONTINUED)
                .u32(4242)
                .u32(83)
                .u32(0xC000003E)
                .u64(0x401000)
                .u64(0)
                .u64(0)
                .u64(0)
                .u64(0)
                .u64(0)
                .u64(0);
        LauncherEvent.Learned l =
                (LauncherEvent.Learned) LauncherEvent.decode(Wire.MSG_VIOLATION, learned.toByteArray());
        assertThat(l.nr()).isEqualTo(83);
    }

    @Test
    void learnModesAnswerCrossesTheWireAndOtherValuesAboveTheErrnoRangeDoNot() throws Exception {
        byte[] learn = LaunchPlan.builder()
                .program("/bin/true")
                .argv(List.of("true"))
                .seccomp(new byte[8])
                .seccompNotify(Wire.NOTIFY_CONTINUE)
                .build()
                .encode();
        assertThat(Execution.echo(learn)).isEqualTo(learn);
        assertThatThrownBy(() -> LaunchPlan.builder()
                        .program("/bin/true")
                        .argv(List.of("true"))
                        .seccomp(new byte[8])
                        .seccompNotify(Wire.NOTIFY_CONTINUE + 1)
                        .build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHeldPlanRoundTripsWithoutItsRequestAndItsRestCarriesTheRequestAlone() throws Exception {
        byte[] held = LaunchPlan.builder()
                .cloneFlags(0x7E020000L)
                .hostname("box")
                .uidMap("0 65534 1\n")
                .mount(LaunchPlan.Mount.privateRoot())
                .seccomp(new byte[8])
                .seccompNotify(13)
                .prewarmed()
                .build()
                .encode();
        assertThat(Execution.echo(held)).isEqualTo(held);

        // The rest is the four request fields and nothing else; the launcher reads it as a plan of its own.
        byte[] rest = fullPlan().encodeRest();
        LaunchPlan.Out expected = new LaunchPlan.Out();
        expected.u16(Wire.PLAN_VERSION);
        LaunchPlan full = fullPlan();
        expected.text(Wire.F_PROGRAM, full.program);
        full.argv.forEach(a -> expected.text(Wire.F_ARG, a));
        full.env.forEach(e -> expected.text(Wire.F_ENV, e));
        expected.text(Wire.F_CWD, full.cwd);
        assertThat(rest).isEqualTo(expected.toByteArray());
        LaunchPlan requestOnly = LaunchPlan.builder()
                .program(full.program)
                .argv(full.argv)
                .env(full.env)
                .cwd(full.cwd)
                .build();
        byte[] echoed = Execution.echo(rest);
        assertThat(echoed).isEqualTo(requestOnly.encode()); // the echo adds only clone flags 0

        // A held plan that names a program would leave the launcher two of them: refused on both sides.
        LaunchPlan.Out heldWithProgram = new LaunchPlan.Out();
        heldWithProgram.bytes(
                LaunchPlan.builder().program("/p").argv(List.of("p")).build().encode());
        heldWithProgram.u16(Wire.F_PREWARMED).u32(0);
        assertThatThrownBy(() -> Execution.echo(heldWithProgram.toByteArray()))
                .isInstanceOf(SandboxSetupException.class)
                .hasMessageContaining("they come with the rest");
        assertThatThrownBy(() -> LaunchPlan.builder()
                        .program("/p")
                        .argv(List.of("p"))
                        .prewarmed()
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pre-warmed plan");
    }
}
