package dev.sandbox4j.exec;

import java.io.IOException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Writes frames to a connected Unix stream socket with sendmsg(2), so that descriptors can travel with one
 * (SCM_RIGHTS): the one place a {@code struct msghdr}, its {@code iovec} and control message are laid out. A
 * {@link java.nio.channels.SocketChannel} cannot send descriptors. Not thread-safe: the caller serialises
 * sends.
 */
final class DescriptorSender {
    static final int MAX_FDS = 8;

    // LP64 layout, the same on x86_64 and aarch64: struct msghdr (56 bytes) at 0, struct iovec at 64,
    // struct cmsghdr (16 bytes) and its descriptors at 80, the frame at 128.
    private static final int MSGHDR = 0;
    private static final int IOVEC = 64;
    private static final int CMSG = 80;
    private static final int CMSG_HEADER = 16;
    private static final int FRAME = CMSG + CMSG_HEADER + MAX_FDS * 4;
    private static final int INITIAL_SIZE = FRAME + 512;

    private final int fd;
    private Pointer buffer; // laid out once, grown for a larger frame and kept at the largest size seen

    DescriptorSender(int fd) {
        this.fd = fd;
        this.buffer = Memory.allocateDirect(LibC.runtime(), INITIAL_SIZE);
    }

    /**
     * Sends {@code frame} whole, in as many sendmsg calls as it takes; {@code fds} (none when null) travel with
     * its first byte. The caller keeps and closes its descriptors: the receiver gets copies.
     *
     * @throws IOException when sendmsg fails (the peer is gone), with the C library's reason
     */
    void send(byte[] frame, int[] fds) throws IOException {
        if (fds != null && fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors, at most " + MAX_FDS);
        }
        if (FRAME + frame.length > buffer.size()) {
            buffer = Memory.allocateDirect(LibC.runtime(), FRAME + frame.length);
        }
        LibC.Functions libc = LibC.libc();
        Pointer b = buffer;
        long base = b.address();
        b.put(FRAME, frame, 0, frame.length);
        int offset = 0;
        while (offset < frame.length) {
            b.putLong(MSGHDR, 0); // msg_name
            b.putLong(MSGHDR + 8, 0); // msg_namelen (+ padding)
            b.putLong(MSGHDR + 16, base + IOVEC); // msg_iov
            b.putLong(MSGHDR + 24, 1); // msg_iovlen
            b.putLong(IOVEC, base + FRAME + offset); // iov_base
            b.putLong(IOVEC + 8, frame.length - offset); // iov_len
            if (fds != null && offset == 0) {
                int data = fds.length * 4;
                b.putLong(CMSG, CMSG_HEADER + data); // cmsg_len = CMSG_LEN(data)
                b.putInt(CMSG + 8, LibC.Const.SOL_SOCKET);
                b.putInt(CMSG + 12, LibC.Const.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    b.putInt(CMSG + CMSG_HEADER + 4L * i, fds[i]);
                }
                b.putLong(MSGHDR + 32, base + CMSG); // msg_control
                b.putLong(MSGHDR + 40, CMSG_HEADER + ((data + 7) & ~7)); // msg_controllen = CMSG_SPACE(data)
            } else {
                b.putLong(MSGHDR + 32, 0);
                b.putLong(MSGHDR + 40, 0);
            }
            b.putLong(MSGHDR + 48, 0); // msg_flags (+ padding)
            long n = libc.sendmsg(fd, b, LibC.Const.MSG_NOSIGNAL);
            if (n < 0) {
                int err = LibC.errno();
                if (err == LibC.Const.EINTR) {
                    continue;
                }
                throw new IOException(libc.strerror(err));
            }
            offset += (int) n;
        }
    }
}
