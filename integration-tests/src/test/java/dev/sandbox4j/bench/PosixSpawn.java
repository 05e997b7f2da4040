package dev.sandbox4j.bench;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * A reference point, not a way to run programs: {@code posix_spawn} called directly through jnr-ffi, the
 * spawn path that avoids the JDK's {@code jspawnhelper} (an extra exec per ProcessBuilder start). Its
 * distance to ProcessBuilder is what a launcher started this way would save on every sandboxed run. The
 * child's standard streams are {@code /dev/null}; nothing is captured. Thread-safe.
 */
final class PosixSpawn {
    public interface LibC {
        int posix_spawn(
                IntByReference pid, String path, Pointer fileActions, Pointer attributes, Pointer argv, Pointer envp);

        int posix_spawn_file_actions_init(Pointer fileActions);

        int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags, int mode);

        int waitpid(int pid, IntByReference status, int options);
    }

    private static final int EINTR = 4;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    /** sizeof(posix_spawn_file_actions_t) is 80 on glibc x86_64 and aarch64; room to spare. */
    private static final int FILE_ACTIONS_SIZE = 256;

    private final LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
    private final Runtime runtime = Runtime.getRuntime(libc);
    private final Pointer devNullStdio;
    private final CStrings emptyEnvironment;

    PosixSpawn() {
        // Built once and only read afterwards: posix_spawn takes the actions as const.
        devNullStdio = Memory.allocateDirect(runtime, FILE_ACTIONS_SIZE, true);
        check(libc.posix_spawn_file_actions_init(devNullStdio), "posix_spawn_file_actions_init");
        check(libc.posix_spawn_file_actions_addopen(devNullStdio, 0, "/dev/null", O_RDONLY, 0), "addopen 0");
        check(libc.posix_spawn_file_actions_addopen(devNullStdio, 1, "/dev/null", O_WRONLY, 0), "addopen 1");
        check(libc.posix_spawn_file_actions_addopen(devNullStdio, 2, "/dev/null", O_WRONLY, 0), "addopen 2");
        emptyEnvironment = new CStrings(runtime, List.of());
    }

    /** Spawns {@code command}, waits, and throws unless it exited 0. */
    void run(List<String> command) {
        int status = waitFor(spawn(command));
        if (status != 0) {
            throw new IllegalStateException(command + ": wait status " + status);
        }
    }

    int spawn(List<String> command) {
        IntByReference pid = new IntByReference();
        CStrings argv = new CStrings(runtime, command);
        int err = libc.posix_spawn(pid, command.get(0), devNullStdio, null, argv.array, emptyEnvironment.array);
        // Direct memory is freed once its Pointer is collected: keep the strings until the call returned.
        Reference.reachabilityFence(argv);
        check(err, "posix_spawn " + command.get(0));
        return pid.intValue();
    }

    int waitFor(int pid) {
        IntByReference status = new IntByReference();
        int r;
        do {
            r = libc.waitpid(pid, status, 0);
        } while (r < 0 && runtime.getLastError() == EINTR);
        if (r < 0) {
            throw new IllegalStateException("waitpid " + pid + ": errno " + runtime.getLastError());
        }
        return status.intValue();
    }

    private static void check(int err, String what) {
        if (err != 0) {
            throw new IllegalStateException(what + ": error " + err);
        }
    }

    /** A NULL-terminated array of C strings in native memory; the strings live as long as this object. */
    private static final class CStrings {
        final Pointer array;
        private final List<Pointer> strings = new ArrayList<>();

        CStrings(Runtime runtime, List<String> values) {
            int size = runtime.addressSize();
            array = Memory.allocateDirect(runtime, (values.size() + 1) * size, true);
            for (int i = 0; i < values.size(); i++) {
                byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
                Pointer s = Memory.allocateDirect(runtime, bytes.length + 1, true);
                s.put(0, bytes, 0, bytes.length);
                array.putPointer((long) i * size, s);
                strings.add(s);
            }
        }
    }
}
