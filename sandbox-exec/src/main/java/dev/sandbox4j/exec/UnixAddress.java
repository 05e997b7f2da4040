package dev.sandbox4j.exec;

import dev.sandbox4j.core.SandboxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A {@code sockaddr_un} for a path socket, as bind(2) and connect(2) take it through {@link LibC}. */
record UnixAddress(Pointer pointer, int length) {
    /** sun_path holds 108 bytes, the terminating NUL included. */
    private static final int MAX_PATH = 108;

    /**
     * @param what names the socket in the error, e.g. "the control socket"
     * @throws SandboxException if the path does not fit a socket address
     */
    static UnixAddress of(Path socket, String what) {
        byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= MAX_PATH) {
            throw new SandboxException(what + " path is too long: " + socket);
        }
        Pointer address = Memory.allocateDirect(LibC.runtime(), 2 + MAX_PATH);
        address.putShort(0, (short) LibC.Const.AF_UNIX);
        address.put(2, path, 0, path.length);
        address.putByte(2 + path.length, (byte) 0);
        return new UnixAddress(address, 2 + path.length + 1);
    }
}
