package dev.sandbox4j.exec;

import java.nio.charset.StandardCharsets;

/**
 * One thing that happened to a started program, from {@link SandboxEvents}: a chunk of its piped stdout or stderr,
 * in the order the chunks arrived, and last its exit with the {@link SandboxResult}.
 */
public sealed interface SandboxEvent {
    /**
     * Bytes the program wrote to stdout, as one read of the pipe returned them. A chunk ends wherever the read
     * ended, so a line or a multi-byte character can continue in the next chunk.
     */
    record Stdout(byte[] bytes) implements SandboxEvent {
        /** The bytes as UTF-8; a character split between chunks shows as a replacement character. */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Bytes the program wrote to stderr; as {@link Stdout}. */
    record Stderr(byte[] bytes) implements SandboxEvent {
        /** The bytes as UTF-8; as {@link Stdout#text()}. */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The last event: the program has ended and every chunk of its piped output came before this. */
    record Exit(SandboxResult result) implements SandboxEvent {}
}
