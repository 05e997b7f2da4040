package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

class SignalForwardingTest {

    @Test
    void aForwardedSignalReachesTheTargetInsteadOfEndingTheJvm() throws Exception {
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        try (SignalForwarding forwarding = SignalForwarding.install()) {
            forwarding.forwardTo(received::add);
            // SIGHUP's default would shut this test JVM down; forwarded, it only reaches the queue.
            Signal.raise(new Signal("HUP"));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void aSignalBeforeTheProgramStartedIsHeldAndDeliveredFirst() throws Exception {
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        try (SignalForwarding forwarding = SignalForwarding.install()) {
            Signal.raise(new Signal("INT"));
            Thread.sleep(200); // the JVM runs handlers on a thread of their own
            assertThat(received).isEmpty();

            forwarding.forwardTo(received::add);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(2);
            Signal.raise(new Signal("TERM"));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(15);
        }
    }

    @Test
    void aTargetThatFailsDoesNotBreakTheHandler() throws Exception {
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        boolean[] first = {true};
        try (SignalForwarding forwarding = SignalForwarding.install()) {
            forwarding.forwardTo(n -> {
                if (first[0]) {
                    first[0] = false;
                    throw new IllegalStateException("the program has ended");
                }
                received.add(n);
            });
            Signal.raise(new Signal("TERM"));
            Thread.sleep(200);
            Signal.raise(new Signal("TERM"));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(15);
        }
    }

    @Test
    void closeGivesEachSignalBackToItsPreviousHandler() {
        for (String name : SignalForwarding.FORWARDED) {
            Signal signal = new Signal(name);
            SignalHandler mine = s -> {};
            SignalHandler original = Signal.handle(signal, mine);
            SignalHandler afterClose;
            try {
                SignalForwarding.install().close();
            } finally {
                afterClose = Signal.handle(signal, original);
            }
            assertThat(afterClose).as(name).isSameAs(mine);
        }
    }
}
