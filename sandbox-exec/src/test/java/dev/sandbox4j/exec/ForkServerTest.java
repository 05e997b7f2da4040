package dev.sandbox4j.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.SandboxSetupException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fork server's messages, against the real launcher (no namespaces needed: the plans here never get as
 * far as a clone): SPAWN with four descriptors (stdio and the control connection), SPAWNED, REAPED with the
 * wait status, KILL_CHILD.
 */
class ForkServerTest {
    private static final long SECONDS_10 = TimeUnit.SECONDS.toNanos(10);

    @Test
    void repliesDecodeAsTheLauncherEncodesThem() {
        ByteBuffer b = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(10).putShort((short) Wire.MSG_REAPED).putInt(4242).putInt(9).flip();
        assertThat(ForkServerConnection.Reply.decode(b))
                .isEqualTo(new ForkServerConnection.Reply(Wire.MSG_REAPED, 4242, 9));
        ByteBuffer bad = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
        bad.putInt(11).putShort((short) Wire.MSG_SPAWNED).putInt(1).putInt(2).flip();
        assertThatThrownBy(() -> ForkServerConnection.Reply.decode(bad))
                .isInstanceOf(LauncherEvent.ProtocolException.class);
    }

    @Test
    void aForkedLauncherTalksOnItsOwnConnectionAndIsReapedWithItsStatus() throws Exception {
        LauncherBinary binary = LauncherBinary.get();
        try (ControlChannel.Pair pair = ControlChannel.Pair.open(binary);
                ControlChannel control = pair.channel();
                ForkedStdio stdio = ForkedStdio.open(Input.none(), Output.pipe(), Output.pipe())) {
            ForkedLauncher launcher = ForkServer.spawn(binary, stdio, pair.launcherEnd());
            pair.close();
            launcher.streams(stdio);
            stdio.close();
            assertThat(launcher.pid()).isPositive();
            assertThat(launcher.isAlive()).isTrue();
            byte[] notAPlan = new LaunchPlan.Out().u16(Wire.PLAN_VERSION + 1).toByteArray();
            control.send(LaunchPlan.frame(Wire.MSG_PLAN, notAPlan));
            LauncherEvent event = control.next(10_000);
            assertThat(event).isInstanceOf(LauncherEvent.SetupError.class);
            assertThat(((LauncherEvent.SetupError) event).step()).isEqualTo("decode plan");
            assertThat(launcher.waitFor(SECONDS_10)).isTrue();
            assertThat(launcher.isAlive()).isFalse();
            assertThat(launcher.exitDescription()).isEqualTo("exit status 1");
            // The launcher's stdout was the pipe: it wrote nothing, and end-of-file came with its exit.
            assertThat(launcher.stdout().readAllBytes()).isEmpty();
            launcher.stdout().close();
            launcher.stderr().close();
        }
    }

    @Test
    void aPlanSentWithTheSpawnIsTheOneTheLauncherRuns() throws Exception {
        LauncherBinary binary = LauncherBinary.get();
        byte[] notAPlan = new LaunchPlan.Out().u16(Wire.PLAN_VERSION + 1).toByteArray();
        for (int i = 0;
                i < 3;
                i++) { // through the spare, and through whatever the server has next: a new spare or a fork
            try (ControlChannel.Pair pair = ControlChannel.Pair.open(binary);
                    ForkedStdio stdio = ForkedStdio.open(Input.none(), Output.discard(), Output.discard())) {
                ForkedLauncher launcher = ForkServer.spawn(binary, stdio, pair.launcherEnd(), notAPlan);
                pair.close();
                try (ControlChannel control = pair.channel()) {
                    // Nothing sent on the control channel: the launcher decoded the plan it was given.
                    LauncherEvent event = control.next(10_000);
                    assertThat(event).isInstanceOf(LauncherEvent.SetupError.class);
                    assertThat(((LauncherEvent.SetupError) event).step()).isEqualTo("decode plan");
                }
                assertThat(launcher.waitFor(SECONDS_10)).isTrue();
            }
        }
    }

    @Test
    void killChildEndsALauncherThatWaitsForItsPlan() throws Exception {
        LauncherBinary binary = LauncherBinary.get();
        try (ControlChannel.Pair pair = ControlChannel.Pair.open(binary);
                ForkedStdio stdio = ForkedStdio.open(Input.none(), Output.discard(), Output.discard())) {
            ForkedLauncher launcher = ForkServer.spawn(binary, stdio, pair.launcherEnd());
            pair.close();
            try (ControlChannel control = pair.channel()) {
                assertThat(launcher.waitFor(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
                launcher.destroyForcibly();
                assertThat(launcher.waitFor(SECONDS_10)).isTrue();
                assertThat(launcher.exitDescription()).isEqualTo("killed by signal 9");
                assertThat(control.next(10_000)).isInstanceOf(LauncherEvent.Closed.class);
            }
            launcher.destroyForcibly(); // reaped: the server ignores it, and so must we
        }
    }

    @Test
    void aRequestOverTheFrameLimitFailsAloneAndTheServerServesOn() throws Exception {
        LauncherBinary binary = LauncherBinary.get();
        try (ControlChannel.Pair pair = ControlChannel.Pair.open(binary);
                ControlChannel control = pair.channel();
                ForkedStdio stdio = ForkedStdio.open(Input.none(), Output.discard(), Output.discard())) {
            ForkedLauncher running = ForkServer.spawn(binary, stdio, pair.launcherEnd());
            pair.close();
            long server = ForkServer.serverPid();
            // Past Java's own check (Execution refuses such plans): the server must refuse it on its own.
            byte[] huge = new byte[Wire.MAX_FRAME + 1];
            try (ControlChannel.Pair other = ControlChannel.Pair.open(binary);
                    ForkedStdio otherStdio = ForkedStdio.open(Input.none(), Output.discard(), Output.discard())) {
                assertThatThrownBy(() -> ForkServer.spawn(binary, otherStdio, other.launcherEnd(), huge))
                        .isInstanceOf(SandboxSetupException.class)
                        .satisfies(e ->
                                assertThat(((SandboxSetupException) e).errno()).isEqualTo(7)); // E2BIG
                other.channel().close();
            }
            assertThat(ForkServer.serverPid()).as("the same server").isEqualTo(server);
            assertThat(running.isAlive()).as("the run beside it").isTrue();
            control.send(LaunchPlan.frame(
                    Wire.MSG_PLAN,
                    new LaunchPlan.Out().u16(Wire.PLAN_VERSION + 1).toByteArray()));
            assertThat(control.next(10_000)).isInstanceOf(LauncherEvent.SetupError.class);
            assertThat(running.waitFor(SECONDS_10)).isTrue();
            assertThat(running.exitDescription()).isEqualTo("exit status 1");
        }
    }

    @Test
    void aPipedStdinReachesTheForkedLauncher() throws Exception {
        try (ForkedStdio stdio = ForkedStdio.open(Input.pipe(), Output.pipe(), Output.discard())) {
            assertThat(stdio.child[0]).isGreaterThan(2);
            assertThat(stdio.child[1]).isGreaterThan(2);
            // Written on the JVM's end, read back on the child's: the same pipe, reopened through /proc.
            stdio.stdin.write("x".getBytes(StandardCharsets.US_ASCII));
            stdio.stdin.close();
            try (var childEnd = new java.io.FileInputStream("/proc/self/fd/" + stdio.child[0])) {
                assertThat(childEnd.read()).isEqualTo('x');
            }
            stdio.closeAll();
        }
    }

    @Test
    void aMissingStdinFileIsNamed() {
        Path missing = Path.of("/nonexistent/stdin.txt");
        assertThatThrownBy(() -> ForkedStdio.open(Input.file(missing), Output.discard(), Output.discard()))
                .hasMessageContaining("cannot open the standard input file " + missing)
                .hasMessageContaining("No such file");
    }
}
