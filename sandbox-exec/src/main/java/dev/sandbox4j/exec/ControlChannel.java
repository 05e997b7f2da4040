package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The launcher's control connection: a Unix stream socket, not the workload's stdio. A JVM cannot hand a
 * child an extra file descriptor through ProcessBuilder, so the launcher connects to a socket bound in the
 * user's private run directory (mode 0700: nobody else can connect), which is unlinked the moment the
 * launcher is in. Non-blocking with a selector, so every wait has a deadline and can be interrupted.
 */
final class ControlChannel implements Closeable {

    private final SocketChannel channel;
    private final Selector selector;
    private ByteBuffer in = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    private boolean eof;

    private ControlChannel(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    /** Takes charge of {@code channel}: it is closed here if it cannot be set up, as a constructor could not. */
    private static ControlChannel of(SocketChannel channel) throws IOException {
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new ControlChannel(channel, selector);
        } catch (IOException | RuntimeException e) {
            if (selector != null) {
                selector.close();
            }
            channel.close();
            throw e;
        }
    }

    /** A bound, listening socket waiting for one launcher. */
    static final class Listener implements Closeable {
        final Path socket;
        private final ServerSocketChannel server;

        private Listener(Path socket, ServerSocketChannel server) {
            this.socket = socket;
            this.server = server;
        }

        static Listener open(LauncherBinary launcher) {
            Path socket = launcher.newSocketPath("c-");
            try {
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    server.bind(UnixDomainSocketAddress.of(socket), 1);
                    server.configureBlocking(false);
                } catch (IOException e) {
                    server.close();
                    throw e;
                }
                return new Listener(socket, server);
            } catch (IOException e) {
                throw new SandboxException("cannot create the control socket " + socket + ": " + e.getMessage(), e);
            }
        }

        /** Waits for the launcher to connect, while it lives and until the deadline. */
        ControlChannel accept(LauncherProcess launcher, long deadlineNanos) throws InterruptedException {
            try (Selector sel = Selector.open()) {
                server.register(sel, SelectionKey.OP_ACCEPT);
                while (true) {
                    SocketChannel c = server.accept();
                    if (c != null) {
                        return of(c);
                    }
                    if (!launcher.isAlive()) {
                        throw new SandboxSetupException("start launcher", 0,
                                "the launcher ended before connecting (" + launcher.exitDescription() + ")");
                    }
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        throw new SandboxSetupException("start launcher", 0, "the launcher did not connect in time");
                    }
                    sel.select(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
                    sel.selectedKeys().clear();
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } catch (IOException e) {
                throw new SandboxException("control socket: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing a listening socket does not fail in a way we could act on
            }
            try {
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // the run directory is private; a leftover name is harmless and is never reused
            }
        }
    }

    /** Writes one whole frame; frames are small, so a full socket buffer is only waited out briefly. */
    synchronized void send(byte[] frame) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(frame);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the launcher does not read its control socket");
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * The next event, {@link LauncherEvent.Closed} at end of stream, or {@code null} when nothing arrived
     * within {@code timeoutMillis}.
     */
    LauncherEvent next(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            while (true) {
                LauncherEvent event = parse();
                if (event != null) {
                    return event;
                }
                if (eof) {
                    return new LauncherEvent.Closed();
                }
                if (!in.hasRemaining()) {
                    in = ByteBuffer.allocate(in.capacity() * 2).order(ByteOrder.LITTLE_ENDIAN).put(in.flip());
                }
                int n = channel.read(in);
                if (n < 0) {
                    eof = true;
                } else if (n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    selector.selectedKeys().clear();
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
        } catch (IOException e) {
            eof = true; // a reset connection means the launcher is gone, as EOF does
            return new LauncherEvent.Closed();
        }
    }

    private LauncherEvent parse() {
        if (in.position() < 4) {
            return null;
        }
        int length = in.getInt(0);
        if (length < 2 || length > Wire.MAX_FRAME) {
            throw new LauncherEvent.ProtocolException("bad frame length " + length + " from the launcher");
        }
        if (in.position() < 4 + length) {
            return null;
        }
        int type = Short.toUnsignedInt(in.getShort(4));
        byte[] payload = new byte[length - 2];
        in.flip();
        in.position(6);
        in.get(payload);
        in.compact();
        return LauncherEvent.decode(type, payload);
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
