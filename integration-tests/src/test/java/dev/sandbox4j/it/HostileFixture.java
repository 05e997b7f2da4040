package dev.sandbox4j.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the hostile tests attack and attack with: the attack program (hostile/attack.c, compiled here with gcc),
 * a secret host file the sandbox must not reach, a directory bound read-only and one bound writable, a host
 * process owned by the sandbox's own host uid, and host services on a path socket, an abstract socket and a
 * loopback TCP port. The host process and the services are not children of the JVM (so that the leak check does
 * not count them) and end by themselves after 15 minutes if {@link #close()} never runs.
 */
final class HostileFixture implements AutoCloseable {
    /** The sandbox's host uid when the JVM is root; an unprivileged caller's sandbox keeps the caller's uid. */
    static final long NOBODY = 65534;

    final boolean root;
    final String unique;
    /** Mode 0755: everything below is reachable by the sandbox's host uid, were it visible. */
    final Path dir;
    /** Holds the attack program and nothing else: bound at /attack, and sandbox-ctl's working directory. */
    final Path binDir;

    final Path bin;
    final Path secret;
    final String secretText;
    /** Bound read-only at /data; holds {@link #victim}. */
    final Path data;

    final Path victim;
    /** Bound writable at /work. */
    final Path work;
    /** Where calibrations outside the sandbox write. */
    final Path calib;

    final Path calibVictim;
    final Path pathSocket;
    final String abstractSocket;
    final int port;
    final long servicePid;
    /** A host process of the sandbox's own host uid, named by {@link #sleeperMarker}. */
    final long sleeperPid;

    final String sleeperMarker;

    private HostileFixture(Path dir, boolean root) throws IOException, InterruptedException {
        this.root = root;
        this.dir = dir;
        this.unique = ProcessHandle.current().pid() + "" + System.nanoTime() % 100_000;
        this.binDir = dir.resolve("bin");
        this.bin = binDir.resolve("attack");
        this.secret = dir.resolve("secret/secret.txt");
        this.secretText = "SECRET-" + unique;
        this.data = dir.resolve("data");
        this.victim = data.resolve("victim");
        this.work = dir.resolve("work");
        this.calib = dir.resolve("calib");
        this.calibVictim = calib.resolve("victim");
        this.pathSocket = dir.resolve("sandbox4j-hostile.sock");
        this.abstractSocket = "sandbox4j-hostile-" + unique;
        this.sleeperMarker = "900." + unique;

        compile();
        Files.createDirectories(secret.getParent());
        Files.writeString(secret, secretText);
        Files.createDirectories(data);
        Files.writeString(victim, "ORIGINAL");
        Files.createDirectories(work);
        Files.createDirectories(calib);
        Files.writeString(calibVictim, "ORIGINAL");
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(
                        p,
                        PosixFilePermissions.fromString(
                                Files.isDirectory(p) || p.equals(bin) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        // Writable by the sandbox's host uid were it not read-only: only the bind can stop a write.
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(calibVictim, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(calib, PosixFilePermissions.fromString("rwxrwxrwx"));

        String[] service = run(List.of(bin.toString(), "serve", pathSocket.toString(), abstractSocket))
                .split(" ");
        this.port = Integer.parseInt(service[0]);
        this.servicePid = Long.parseLong(service[1]);
        List<String> sleeper = new ArrayList<>();
        if (root) {
            sleeper.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        sleeper.addAll(List.of("/bin/sh", "-c", "sleep " + sleeperMarker + " </dev/null >/dev/null 2>&1 & echo $!"));
        this.sleeperPid = Long.parseLong(run(sleeper));
    }

    static HostileFixture create() throws IOException, InterruptedException {
        KernelTestSupport.requireFeature(
                Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc to build the attack programs");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-hostile");
        return new HostileFixture(dir, KernelTestSupport.euid() == 0);
    }

    private void compile() throws IOException, InterruptedException {
        Files.createDirectories(binDir);
        Path source = dir.resolve("attack.c");
        try (InputStream in = HostileFixture.class.getResourceAsStream("/hostile/attack.c")) {
            Files.copy(in, source);
        }
        run(List.of("/usr/bin/gcc", "-O1", "-Wall", "-Werror", "-o", bin.toString(), source.toString()));
    }

    /**
     * Builds the attack program {@code /hostile/NAME.c} into {@code dir/bin/NAME}, readable and executable by every
     * user (sandboxes and the uid 65534 pass run it through a bind of {@code dir/bin}); returns its path.
     */
    static Path compileAttack(Path dir, String name) throws IOException, InterruptedException {
        KernelTestSupport.requireFeature(
                Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc to build the attack programs");
        Path source = dir.resolve(name + ".c");
        try (InputStream in = HostileFixture.class.getResourceAsStream("/hostile/" + name + ".c")) {
            Files.copy(in, source);
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path program = bin.resolve(name);
        run(List.of("/usr/bin/gcc", "-O1", "-Wall", "-Werror", "-o", program.toString(), source.toString()));
        for (Path p : List.of(dir, bin, program)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return program;
    }

    /** Runs a host command to its end and returns its stdout, stripped; fails unless it exits 0. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " still ran after 60 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(command + " exited " + p.exitValue() + ": " + out);
        }
        return out.strip();
    }

    boolean sleeperAlive() {
        return ProcessHandle.of(sleeperPid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Host processes whose command line contains {@code marker}. */
    static List<ProcessHandle> processesWith(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(marker))
                .toList();
    }

    @Override
    public void close() throws IOException {
        for (long pid : new long[] {sleeperPid, servicePid}) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
