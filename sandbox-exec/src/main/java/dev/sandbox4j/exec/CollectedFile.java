package dev.sandbox4j.exec;

import java.nio.charset.StandardCharsets;

/**
 * A file read back after a run ({@link SandboxResult#files()}): its first bytes up to the limit asked for, its full
 * size, and whether it was cut. Immutable.
 *
 * @param size the file's size when it was read; more than {@code bytes().length} when {@link #truncated()}
 */
public record CollectedFile(byte[] bytes, long size, boolean truncated) {
    public CollectedFile {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "CollectedFile[" + size + " bytes" + (truncated ? ", truncated to " + bytes.length : "") + "]";
    }
}
