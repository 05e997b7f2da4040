package dev.sandbox4j.cli;

import dev.sandbox4j.cli.ProgramRunner.RunOutcome;
import dev.sandbox4j.core.IoErrors;
import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompViolation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code --report}: the outcome of a run as one JSON object on one line, with exactly the fields of the
 * command-line contract, in its order, {@code null} where a field does not apply:
 *
 * <pre>{@code
 * {"id":"sbx-1a2b3c4d","mode":"privileged","exitCode":0,"signal":null,"signalName":null,"timedOut":false,
 *  "oomKilled":false,"seccompViolation":false,"blockedSyscall":null,"violation":null,"wallTimeMs":41,"cpuTimeUs":1203,
 *  "userTimeUs":0,"systemTimeUs":1203,"memoryPeakBytes":1572864,"setupError":null,"degradations":[]}
 * }</pre>
 *
 * {@code degradations} lists, one string each, what the run did without ({@link SandboxResult#degradations()}:
 * a hostname a container refused, no /proc with {@code --no-proc}); {@code null} when the program never ran.
 *
 * {@code cpuTimeUs} and {@code memoryPeakBytes} are the whole sandbox's when the run had a cgroup (privileged mode),
 * else the workload's rusage ({@link SandboxResult#cpuTimeSource()}, {@link SandboxResult#memoryPeakSource()});
 * {@code oomKilled} is {@code null} when the run had no memory cgroup to tell. {@code violation} details the
 * first system call the seccomp profile refused, when the sandbox could name it: {@code syscall}, {@code number},
 * {@code arch}, {@code args} (those the profile's rules look at, by index, as hex strings: 64-bit values do not
 * survive a JSON number), {@code action} ({@code KILL_PROCESS} or {@code ERRNO(n)}), {@code process}
 * ({@code "program"} or {@code "child"}: the program's own process or one it started) and {@code permittedBy}
 * (the first built-in profile that permits the call, or {@code null}).
 *
 * <p>When the program never ran, everything about the run is {@code null} and {@code setupError} holds
 * {@code step}, {@code errno} (a name such as {@code "ENOENT"}, or {@code null}) and {@code message}.
 * {@code exitCode} is the program's own status, never sandbox-ctl's (124, 125…): those say what sandbox-ctl
 * did, the report says what happened.
 */
final class RunReport {
    /** {@code --report -}: the report goes to stderr, after anything the program wrote there. */
    static final String STDERR = "-";

    private RunReport() {
    }

    static String json(RunOutcome outcome) {
        if (outcome instanceof RunOutcome.Ran ran) {
            return ran(ran.result());
        }
        return notRun((RunOutcome.NotRun) outcome);
    }

    private static String ran(SandboxResult r) {
        return new JsonObject()
                .string("id", r.id())
                .string("mode", modeName(r.mode()))
                .number("exitCode", r.exitCode().isPresent() ? r.exitCode().getAsInt() : null)
                .number("signal", r.signal().isPresent() ? r.signal().getAsInt() : null)
                .string("signalName", r.signalName().orElse(null))
                .bool("timedOut", r.timedOut())
                .bool("oomKilled", oomKilled(r))
                .bool("seccompViolation", r.seccompViolation())
                .string("blockedSyscall", r.blockedSyscall().orElse(null))
                .object("violation", r.violation().map(RunReport::violation).orElse(null))
                .number("wallTimeMs", r.wallTime().toMillis())
                .number("cpuTimeUs", micros(r.cpuTime()))
                .number("userTimeUs", micros(r.userTime()))
                .number("systemTimeUs", micros(r.systemTime()))
                .number("memoryPeakBytes", r.memoryPeakBytes())
                .object("setupError", null)
                .strings("degradations", r.degradations())
                .toString();
    }

    /**
     * Whether the OOM killer struck, or {@code null} when that cannot be known: without a memory cgroup
     * (unprivileged mode) there is no OOM kill to count, and a {@code false} would claim a check that was
     * never made.
     */
    static Boolean oomKilled(SandboxResult r) {
        return r.oomKills().isPresent() ? r.oomKilled() : null;
    }

    private static String notRun(RunOutcome.NotRun n) {
        JsonObject setupError = new JsonObject()
                .string("step", n.step())
                .string("errno", n.errno().orElse(null))
                .string("message", n.message());
        return new JsonObject()
                .string("id", n.id().orElse(null))
                .string("mode", n.mode().map(RunReport::modeName).orElse(null))
                .number("exitCode", (Long) null)
                .number("signal", (Long) null)
                .string("signalName", null)
                .bool("timedOut", null)
                .bool("oomKilled", null)
                .bool("seccompViolation", null)
                .string("blockedSyscall", null)
                .object("violation", null)
                .number("wallTimeMs", (Long) null)
                .number("cpuTimeUs", (Long) null)
                .number("userTimeUs", (Long) null)
                .number("systemTimeUs", (Long) null)
                .number("memoryPeakBytes", (Long) null)
                .object("setupError", setupError)
                .strings("degradations", null)
                .toString();
    }

    private static JsonObject violation(SeccompViolation v) {
        JsonObject args = new JsonObject();
        v.arguments().forEach((i, value) -> args.string(Integer.toString(i), "0x" + Long.toHexString(value)));
        return new JsonObject()
                .string("syscall", v.syscall())
                .number("number", v.number())
                .string("arch", v.arch())
                .object("args", args)
                .string("action", v.action().toString())
                .string("process", v.programProcess() ? "program" : "child")
                .string("permittedBy", v.permittedBy().map(p -> p.cliName()).orElse(null));
    }

    private static long micros(java.time.Duration d) {
        return d.toNanos() / 1000;
    }

    /** As {@code --mode} spells it. */
    private static String modeName(PrivilegeMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Fixes the report's target before the program runs ({@link OutputFile#prepare}): empty for {@code -} (stderr).
     */
    static Optional<OutputFile.Prepared> prepare(String target) throws IOException {
        return target.equals(STDERR) ? Optional.empty() : Optional.of(OutputFile.prepare(Path.of(target)));
    }

    /** {@link #prepare} and {@link #write(Optional, String, String, PrintWriter)} at once. */
    static boolean write(String target, String json, PrintWriter err) {
        Optional<OutputFile.Prepared> prepared;
        try {
            prepared = prepare(target);
        } catch (IOException | RuntimeException e) {
            cannotWrite(target, e, err);
            return false;
        }
        return write(prepared, target, json, err);
    }

    /**
     * Writes {@code json} and a newline to stderr when {@code prepared} is empty, else to the target it fixed:
     * atomically for a regular file, through for a device or FIFO, never replacing anything but a regular file.
     * A failure is reported on stderr.
     *
     * @return whether the report was written
     */
    static boolean write(Optional<OutputFile.Prepared> prepared, String target, String json, PrintWriter err) {
        if (prepared.isEmpty()) {
            err.println(json);
            err.flush();
            return true;
        }
        try (OutputFile.Prepared file = prepared.get()) {
            file.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (IOException | RuntimeException e) {
            cannotWrite(target, e, err);
            return false;
        }
    }

    static void cannotWrite(String target, Exception e, PrintWriter err) {
        String reason = e instanceof IOException io ? IoErrors.describe(io, Path.of(target).toAbsolutePath().toString())
                : e.toString();
        err.println("sandbox-ctl: cannot write the report to " + target + ": " + reason);
        err.flush();
    }

    /** What would stop the report from being written, checked before the program runs. */
    static Optional<String> problemWith(String target) {
        return target.equals(STDERR) ? Optional.empty() : OutputFile.problemWith(Path.of(target));
    }

    /**
     * Writes one flat JSON object (RFC 8259), members in the order they are added. The {@code --report} object
     * is the only JSON sandbox-ctl writes, and it holds only strings, whole numbers, booleans, {@code null},
     * one nested object and one array of strings, so a JSON library would bring more code than it saves.
     *
     * <p>Strings are escaped so that any Java string, however hostile (a program name with quotes, newlines or
     * an unpaired surrogate), yields valid JSON that decodes back to the same UTF-16 code units.
     */
    static final class JsonObject {
        private final StringBuilder json = new StringBuilder("{");

        JsonObject string(String name, String value) {
            return member(name, value == null ? "null" : quote(value));
        }

        /** A whole number, or {@code null}. */
        JsonObject number(String name, Long value) {
            return member(name, value == null ? "null" : value.toString());
        }

        JsonObject number(String name, Integer value) {
            return member(name, value == null ? "null" : value.toString());
        }

        JsonObject bool(String name, Boolean value) {
            return member(name, value == null ? "null" : value.toString());
        }

        /** A nested object, or {@code null}. */
        JsonObject object(String name, JsonObject value) {
            return member(name, value == null ? "null" : value.toString());
        }

        /** An array of strings, or {@code null}. */
        JsonObject strings(String name, List<String> values) {
            if (values == null) {
                return member(name, "null");
            }
            StringBuilder array = new StringBuilder("[");
            for (String value : values) {
                array.append(array.length() > 1 ? "," : "").append(quote(value));
            }
            return member(name, array.append(']').toString());
        }

        private JsonObject member(String name, String valueJson) {
            Objects.requireNonNull(name, "name");
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(quote(name)).append(':').append(valueJson);
            return this;
        }

        /** The object's text, on one line. */
        @Override
        public String toString() {
            return json + "}";
        }

        /** {@code text} as a JSON string literal, quotes included. */
        static String quote(String text) {
            StringBuilder out = new StringBuilder(text.length() + 2).append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20 || c == 0x7f || unpairedSurrogate(text, i)) {
                            // Control characters must be escaped; DEL need not be, but is invisible in a terminal.
                            // An unpaired surrogate has no UTF-8 form: written raw it would become '?', escaped it
                            // survives the round trip.
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }

        private static boolean unpairedSurrogate(String text, int i) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
            }
            if (Character.isLowSurrogate(c)) {
                return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
            }
            return false;
        }
    }
}
