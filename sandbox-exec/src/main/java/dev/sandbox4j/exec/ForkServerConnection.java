package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import dev.sandbox4j.core.SandboxSetupException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's connection to its fork server: starts the server, connects only to that process (SO_PEERCRED),
 * sends frames with descriptors and reads the server's fixed-size replies on one daemon thread,
 * {@value ForkServer#THREAD_NAME}. What the replies mean is {@link ForkServer}'s business.
 */
final class ForkServerConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ForkServerConnection.class);
    private static final File DEV_NULL = new File("/dev/null");
    private static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final int REPLY_LENGTH = 14; // u32 length 10, u16 type, u32, u32

    /** Told of each reply, and once of the connection's end; on the reader thread. */
    interface Listener {
        void reply(Reply reply);

        void ended(String why);
    }

    private final Process process;
    private final int fd;
    private final Object sendLock = new Object();
    private final DescriptorSender sender; // guarded by sendLock
    private volatile boolean lost;

    private ForkServerConnection(Process process, int fd) {
        this.process = process;
        this.fd = fd;
        this.sender = new DescriptorSender(fd);
    }

    static ForkServerConnection start(LauncherBinary binary) {
        binary.checkUnchanged(); // the server's children are forks of the image it starts with
        Path socket = binary.newSocketPath("fs-");
        ProcessBuilder pb = new ProcessBuilder(List.of(binary.path().toString(), "--serve", socket.toString()))
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new SandboxException("cannot start the launcher " + binary.path() + ": " + e.getMessage(), e);
        }
        int fd = -1;
        try {
            fd = connect(socket, process);
            return new ForkServerConnection(process, fd);
        } catch (RuntimeException | Error e) {
            if (fd >= 0) {
                LibC.libc().close(fd);
            }
            process.destroyForcibly();
            throw e;
        } finally {
            try {
                Files.deleteIfExists(socket); // the server unlinks it once we are in; this covers its failures
            } catch (IOException ignored) {
                // a leftover name in the private run directory is harmless and never reused
            }
        }
    }

    /** Connects to the server's socket as soon as it listens: a few hundred microseconds after its start. */
    private static int connect(Path socket, Process server) {
        LibC.Functions libc = LibC.libc();
        UnixAddress address = UnixAddress.of(socket, "the fork server's socket");
        int fd = libc.socket(LibC.Const.AF_UNIX, LibC.Const.SOCK_STREAM | LibC.Const.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new SandboxException("cannot create a socket for the fork server: " + libc.strerror(LibC.errno()));
        }
        long deadline = System.nanoTime() + START_LIMIT_NANOS;
        while (true) {
            if (libc.connect(fd, address.pointer(), address.length()) == 0) {
                // Whoever listens at that name must be the server we started: a process that replaced the name
                // in the run directory would otherwise get every plan and descriptor this JVM sends.
                int peer = ControlChannel.peerPid(libc, fd);
                if (peer == server.pid()) {
                    return fd;
                }
                libc.close(fd);
                throw new SandboxSetupException(
                        "start fork server",
                        0,
                        "the socket " + socket + " is held by process " + peer + ", not by the fork server (pid "
                                + server.pid() + ")");
            }
            int err = LibC.errno();
            String failure = null;
            if (err != LibC.Const.ENOENT
                    && err != LibC.Const.ECONNREFUSED
                    && err != LibC.Const.EINTR
                    && err != LibC.Const.EAGAIN) {
                failure = "cannot connect to the fork server at " + socket + ": " + libc.strerror(err);
            } else if (!server.isAlive()) {
                failure = "the fork server exited with status " + server.exitValue() + " before it listened";
            } else if (System.nanoTime() - deadline > 0) {
                failure = "the fork server did not listen within " + TimeUnit.NANOSECONDS.toSeconds(START_LIMIT_NANOS)
                        + " s";
            }
            if (failure != null) {
                libc.close(fd);
                throw new SandboxSetupException("start fork server", err, failure);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Starts the reader thread, which tells {@code listener} of every reply until the connection ends. */
    void startReading(Listener listener) {
        Thread reader = new Thread(() -> readReplies(listener), ForkServer.THREAD_NAME);
        reader.setDaemon(true);
        reader.start();
    }

    Process process() {
        return process;
    }

    int fd() {
        return fd;
    }

    boolean lost() {
        return lost;
    }

    /** Sends one frame (the descriptors, if any, travel with its first byte). */
    void send(byte[] frame, int[] fds) throws ForkServer.Lost {
        synchronized (sendLock) {
            if (lost) {
                throw new ForkServer.Lost("the connection to it ended");
            }
            try {
                sender.send(frame, fds);
            } catch (IOException e) {
                throw new ForkServer.Lost("sending to it failed: " + e.getMessage());
            }
        }
    }

    /** The reader thread: replies in, dispatched, until the connection ends. */
    private void readReplies(Listener listener) {
        LibC.Functions libc = LibC.libc();
        byte[] chunk = new byte[REPLY_LENGTH * 32];
        ByteBuffer in = ByteBuffer.allocate(chunk.length + REPLY_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        String why = "it closed the connection";
        try {
            while (true) {
                long n = libc.read(fd, chunk, chunk.length - in.position());
                if (n < 0) {
                    int err = LibC.errno();
                    if (err == LibC.Const.EINTR) {
                        continue;
                    }
                    why = "reading from it failed: " + libc.strerror(err);
                    break;
                }
                if (n == 0) {
                    break;
                }
                in.put(chunk, 0, (int) n);
                in.flip();
                while (in.remaining() >= REPLY_LENGTH) {
                    Reply reply = Reply.decode(in);
                    listener.reply(reply);
                }
                in.compact();
            }
        } catch (RuntimeException | Error e) {
            why = "its reply could not be handled: " + e;
            LOG.error("fork server: {}", why, e);
        } finally {
            close();
            listener.ended(why);
        }
    }

    /** One reply of the server; all of them are u32 length 10, u16 type, u32 a, u32 b. */
    record Reply(int type, int a, int b) {
        static Reply decode(ByteBuffer in) {
            int length = in.getInt();
            int type = Short.toUnsignedInt(in.getShort());
            if (length != REPLY_LENGTH - 4) {
                throw new LauncherEvent.ProtocolException("fork server reply of length " + length);
            }
            return new Reply(type, in.getInt(), in.getInt());
        }
    }

    /** No send can use the descriptor once it is closed: they check {@code lost} under the same lock. */
    private void close() {
        synchronized (sendLock) {
            lost = true;
            LibC.libc().close(fd);
        }
        // If the connection broke on our side, the server sees EOF and kills its children itself.
        process.destroyForcibly();
    }
}
