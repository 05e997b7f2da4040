package dev.sandbox4j.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cgroupfs emulated on a temporary directory, for the logic that cannot be exercised on the reference host
 * (cgroup v2 with controllers) or that needs failures injected. It follows the kernel where sandbox4j relies on
 * it: mkdir makes the control files appear (v2: those of the controllers the parent enables; v1: those of the
 * hierarchy's controllers), rmdir refuses while tasks are members or children exist, subtree_control enforces
 * the parent's cgroup.controllers and the no-internal-process rule, cgroup.kill empties the subtree, SIGKILL
 * takes a task out of every cgroup (unless v1-frozen), v1 memory keeps limit ≤ memsw, memory.max rounds down to
 * pages. File names and formats are those of Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/.
 */
final class FakeCgroupFs implements CgroupFs {
    static final long PAGE = 4096;
    private static final Set<String> DOMAIN_CONTROLLERS = Set.of("memory", "io", "hugetlb");

    /** A mounted hierarchy of the fake host: version and, for v1, its controllers. */
    private record Mount(int version, Set<String> controllers) {}

    private final Map<Path, Mount> hierarchyByMount = new HashMap<>();
    private final Map<Long, Long> startTimes = new HashMap<>();
    private final Set<Path> unwritable = new HashSet<>();
    private final Map<String, String> failingWrites = new HashMap<>();
    private final List<String> operations = Collections.synchronizedList(new ArrayList<>());

    /** A cgroup2 mount; its root cgroup offers {@code controllers} (cgroup.controllers). */
    FakeCgroupFs mountV2(Path mountPoint, String controllers) {
        hierarchyByMount.put(mountPoint, new Mount(2, Set.of()));
        put(mountPoint.resolve("cgroup.controllers"), controllers + "\n");
        return existing(mountPoint);
    }

    /** A cgroup v1 mount carrying {@code controllers}. */
    FakeCgroupFs mountV1(Path mountPoint, String... controllers) {
        hierarchyByMount.put(mountPoint, new Mount(1, Set.of(controllers)));
        return existing(mountPoint);
    }

    // ---- test set-up ------------------------------------------------------------------------------------

    /** A process that exists, with its start time. */
    FakeCgroupFs process(long pid, long startTime) {
        startTimes.put(pid, startTime);
        return this;
    }

    /** Makes {@code pid} a member of {@code cgroup}, as the launcher's write to cgroup.procs would. */
    FakeCgroupFs join(Path cgroup, long pid) {
        startTimes.putIfAbsent(pid, 1L);
        List<String> pids = new ArrayList<>(lines(cgroup.resolve("cgroup.procs")));
        pids.add(Long.toString(pid));
        put(cgroup.resolve("cgroup.procs"), String.join("\n", pids) + "\n");
        if (isV2(cgroup)) {
            put(cgroup.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        }
        return this;
    }

    /** Creates a cgroup directory with its control files, as if it existed before the test (not logged). */
    FakeCgroupFs existing(Path cgroup) {
        try {
            Files.createDirectories(cgroup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        populateControlFiles(cgroup);
        return this;
    }

    /** Sets a file's content directly (e.g. counters the kernel would update). */
    FakeCgroupFs put(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    FakeCgroupFs delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Writes to files of this name fail with {@code reason}, as the kernel's EINVAL/EBUSY would. */
    FakeCgroupFs failWrites(String fileName, String reason) {
        failingWrites.put(fileName, reason);
        return this;
    }

    FakeCgroupFs unwritable(Path directory) {
        unwritable.add(directory);
        return this;
    }

    /** What sandbox4j did, in order: "mkdir <path>", "write <path> <value>", "rmdir <path>", "kill <pid>". */
    List<String> operations() {
        synchronized (operations) {
            return List.copyOf(operations);
        }
    }

    String content(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- CgroupFs ----------------------------------------------------------------------------------------

    @Override
    public synchronized Optional<String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(file).strip());
    }

    @Override
    public synchronized void write(Path file, String value) throws IOException {
        operations.add("write " + file + " " + value);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        String failure = failingWrites.get(file.getFileName().toString());
        if (failure != null) {
            throw new IOException(failure);
        }
        Path cgroup = file.getParent();
        switch (file.getFileName().toString()) {
            case "cgroup.subtree_control" -> writeSubtreeControl(cgroup, value);
            case "cgroup.kill" -> {
                if (!value.equals("1")) {
                    throw new IOException("Invalid argument");
                }
                for (Path member : subtree(cgroup)) {
                    for (String pid : lines(member.resolve("cgroup.procs"))) {
                        startTimes.remove(Long.parseLong(pid));
                    }
                    put(member.resolve("cgroup.procs"), "");
                    put(member.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
                }
            }
            case "cgroup.procs" -> move(cgroup, value.trim());
            case "memory.max" -> put(file, value.equals("max") ? "max\n" : roundToPage(value) + "\n");
            case "memory.limit_in_bytes", "memory.memsw.limit_in_bytes" -> writeV1Memory(file, value);
            case "freezer.state" -> {
                if (value.equals("THAWED")) {
                    thaw(cgroup);
                }
                put(file, value + "\n");
            }
            default -> put(file, value + "\n");
        }
    }

    @Override
    public synchronized void mkdir(Path directory) throws IOException {
        operations.add("mkdir " + directory);
        if (unwritable.contains(directory.getParent())) {
            throw new FileSystemException(directory.toString(), null, "Permission denied");
        }
        Files.createDirectory(directory);
        populateControlFiles(directory);
    }

    @Override
    public synchronized void rmdir(Path directory) throws IOException {
        operations.add("rmdir " + directory);
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString());
        }
        if (!lines(directory.resolve("cgroup.procs")).isEmpty()) {
            throw new FileSystemException(directory.toString(), null, "Device or resource busy");
        }
        if (!children(directory).isEmpty()) {
            throw new DirectoryNotEmptyException(directory.toString());
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    @Override
    public synchronized List<Path> children(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isDirectory).sorted().collect(Collectors.toList());
        }
    }

    @Override
    public synchronized boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public synchronized boolean isWritable(Path path) {
        return !unwritable.contains(path);
    }

    /** SIGKILL: the task leaves every cgroup, unless it is v1-frozen, when it dies only at thaw. */
    @Override
    public synchronized void kill(long pid) {
        operations.add("kill " + pid);
        for (Path procs : allProcsFiles()) {
            if (lines(procs).contains(Long.toString(pid)) && isFrozen(procs.getParent())) {
                pendingKills.add(pid);
                return;
            }
        }
        remove(pid);
    }

    private final Set<Long> pendingKills = new LinkedHashSet<>();

    @Override
    public synchronized OptionalLong startTime(long pid) {
        Long start = startTimes.get(pid);
        return start == null ? OptionalLong.empty() : OptionalLong.of(start);
    }

    // ---- emulation ---------------------------------------------------------------------------------------

    private void remove(long pid) {
        startTimes.remove(pid);
        for (Path procs : allProcsFiles()) {
            List<String> pids = new ArrayList<>(lines(procs));
            if (pids.remove(Long.toString(pid))) {
                put(procs, pids.isEmpty() ? "" : String.join("\n", pids) + "\n");
                if (pids.isEmpty() && isV2(procs.getParent())) {
                    put(procs.resolveSibling("cgroup.events"), "populated 0\nfrozen 0\n");
                }
            }
        }
    }

    private void thaw(Path cgroup) {
        Set<Long> members = subtree(cgroup).stream()
                .flatMap(c -> lines(c.resolve("cgroup.procs")).stream())
                .map(Long::parseLong)
                .collect(Collectors.toSet());
        for (Long pid : List.copyOf(pendingKills)) {
            if (members.contains(pid)) {
                pendingKills.remove(pid);
                remove(pid);
            }
        }
    }

    private boolean isFrozen(Path cgroup) {
        Path state = cgroup.resolve("freezer.state");
        return Files.isRegularFile(state) && content(state).strip().equals("FROZEN");
    }

    private void writeSubtreeControl(Path cgroup, String value) throws IOException {
        Set<String> available = new TreeSet<>(lines(cgroup.resolve("cgroup.controllers"), "\\s+"));
        Set<String> enabled = new TreeSet<>(lines(cgroup.resolve("cgroup.subtree_control"), "\\s+"));
        boolean root = !Files.exists(cgroup.resolve("cgroup.type"));
        for (String token : value.trim().split("\\s+")) {
            String controller = token.substring(1);
            if (!available.contains(controller)) {
                throw new IOException("No such file or directory");
            }
            if (token.startsWith("+")) {
                if (!root
                        && DOMAIN_CONTROLLERS.contains(controller)
                        && !lines(cgroup.resolve("cgroup.procs")).isEmpty()) {
                    throw new IOException("Device or resource busy");
                }
                enabled.add(controller);
            } else {
                enabled.remove(controller);
            }
        }
        put(cgroup.resolve("cgroup.subtree_control"), String.join(" ", enabled) + "\n");
        // A child's cgroup.controllers is what its parent enables now, as the kernel shows it.
        for (Path child : children(cgroup)) {
            put(child.resolve("cgroup.controllers"), String.join(" ", enabled) + "\n");
        }
    }

    /** limit ≤ memsw at every step, as mm/memcontrol.c enforces (EINVAL otherwise). */
    private void writeV1Memory(Path file, String value) throws IOException {
        Path cgroup = file.getParent();
        long requested = roundToPage(value);
        long limit = number(cgroup.resolve("memory.limit_in_bytes"));
        Path memswFile = cgroup.resolve("memory.memsw.limit_in_bytes");
        long memsw = Files.exists(memswFile) ? number(memswFile) : Long.MAX_VALUE;
        boolean isLimit = file.getFileName().toString().equals("memory.limit_in_bytes");
        if (isLimit ? requested > memsw : requested < limit) {
            throw new IOException("Invalid argument");
        }
        put(file, requested + "\n");
    }

    private static long roundToPage(String value) {
        return Long.parseLong(value.trim()) / PAGE * PAGE;
    }

    private long number(Path file) {
        return Long.parseLong(content(file).strip());
    }

    private void populateControlFiles(Path cgroup) {
        Mount hierarchy = hierarchyOf(cgroup);
        put(cgroup.resolve("cgroup.procs"), "");
        if (hierarchy.version() == 2) {
            boolean root = hierarchyByMount.containsKey(cgroup);
            Set<String> controllers = root
                    ? new TreeSet<>(lines(cgroup.resolve("cgroup.controllers"), "\\s+"))
                    : new TreeSet<>(lines(cgroup.getParent().resolve("cgroup.subtree_control"), "\\s+"));
            put(cgroup.resolve("cgroup.controllers"), String.join(" ", controllers) + "\n");
            putIfAbsent(cgroup.resolve("cgroup.subtree_control"), "");
            put(cgroup.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
            put(cgroup.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
            if (!root) {
                put(cgroup.resolve("cgroup.type"), "domain\n");
                put(cgroup.resolve("cgroup.kill"), "");
                put(cgroup.resolve("cgroup.freeze"), "0\n");
            }
            if (controllers.contains("memory") && !root) {
                put(cgroup.resolve("memory.max"), "max\n");
                put(cgroup.resolve("memory.current"), "0\n");
                put(cgroup.resolve("memory.peak"), "0\n");
                put(cgroup.resolve("memory.swap.max"), "max\n");
                put(cgroup.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
            }
            if (controllers.contains("cpu") && !root) {
                put(cgroup.resolve("cpu.max"), "max 100000\n");
                put(cgroup.resolve("cpu.weight"), "100\n");
            }
            if (controllers.contains("io") && !root) {
                put(cgroup.resolve("io.max"), "");
                put(cgroup.resolve("io.stat"), "");
                put(cgroup.resolve("io.weight"), "default 100\n");
            }
            if (controllers.contains("cpuset") && !root) {
                put(cgroup.resolve("cpuset.cpus"), "");
                put(cgroup.resolve("cpuset.mems"), "");
                put(cgroup.resolve("cpuset.cpus.effective"), "0-1\n");
            }
            if (controllers.contains("hugetlb") && !root) {
                put(cgroup.resolve("hugetlb.2MB.max"), "max\n");
                put(cgroup.resolve("hugetlb.2MB.current"), "0\n");
                put(cgroup.resolve("hugetlb.2MB.events"), "max 0\n");
            }
            if (controllers.contains("pids") && !root) {
                put(cgroup.resolve("pids.max"), "max\n");
                put(cgroup.resolve("pids.current"), "0\n");
                put(cgroup.resolve("pids.peak"), "0\n");
            }
        } else {
            put(cgroup.resolve("tasks"), "");
            Set<String> controllers = hierarchy.controllers();
            if (controllers.contains("memory")) {
                put(cgroup.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
                put(cgroup.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
                put(cgroup.resolve("memory.max_usage_in_bytes"), "0\n");
                put(cgroup.resolve("memory.usage_in_bytes"), "0\n");
                // Inherited from a parent that disabled the OOM killer: sandbox4j must write 0.
                put(cgroup.resolve("memory.oom_control"), "oom_kill_disable 1\nunder_oom 0\noom_kill 0\n");
            }
            if (controllers.contains("cpu")) {
                put(cgroup.resolve("cpu.cfs_period_us"), "100000\n");
                put(cgroup.resolve("cpu.cfs_quota_us"), "-1\n");
                put(cgroup.resolve("cpu.shares"), "1024\n");
            }
            if (controllers.contains("cpuacct")) {
                put(cgroup.resolve("cpuacct.usage"), "0\n");
            }
            if (controllers.contains("pids")) {
                put(cgroup.resolve("pids.max"), "max\n");
                put(cgroup.resolve("pids.current"), "0\n");
                put(cgroup.resolve("pids.peak"), "0\n");
            }
            if (controllers.contains("freezer")) {
                put(cgroup.resolve("freezer.state"), "THAWED\n");
            }
            if (controllers.contains("cpuset")) {
                // A new v1 cpuset is empty (the root's own values are put by the test).
                put(cgroup.resolve("cpuset.cpus"), "\n");
                put(cgroup.resolve("cpuset.mems"), "\n");
            }
            if (controllers.contains("blkio")) {
                for (String file : List.of(
                        "read_bps_device",
                        "write_bps_device",
                        "read_iops_device",
                        "write_iops_device",
                        "io_service_bytes",
                        "io_serviced")) {
                    put(cgroup.resolve("blkio.throttle." + file), "");
                }
            }
        }
    }

    private void putIfAbsent(Path file, String content) {
        if (!Files.exists(file)) {
            put(file, content);
        }
    }

    private Mount hierarchyOf(Path path) {
        return hierarchyByMount.entrySet().stream()
                .filter(e -> path.startsWith(e.getKey()))
                .max((a, b) ->
                        Integer.compare(a.getKey().getNameCount(), b.getKey().getNameCount()))
                .map(Map.Entry::getValue)
                .orElseThrow(() -> new IllegalArgumentException(path + " is in no fake hierarchy"));
    }

    /** A write of a pid to cgroup.procs: the process leaves whichever cgroup of the hierarchy held it. */
    private void move(Path cgroup, String pid) {
        Path mount = hierarchyByMount.keySet().stream()
                .filter(cgroup::startsWith)
                .max((a, b) -> Integer.compare(a.getNameCount(), b.getNameCount()))
                .orElseThrow();
        for (Path member : subtree(mount)) {
            List<String> pids = new ArrayList<>(lines(member.resolve("cgroup.procs")));
            if (pids.remove(pid)) {
                put(member.resolve("cgroup.procs"), pids.isEmpty() ? "" : String.join("\n", pids) + "\n");
            }
        }
        join(cgroup, Long.parseLong(pid));
    }

    private boolean isV2(Path cgroup) {
        return hierarchyOf(cgroup).version() == 2;
    }

    private List<Path> subtree(Path cgroup) {
        try (Stream<Path> all = Files.walk(cgroup)) {
            return all.filter(Files::isDirectory).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> allProcsFiles() {
        List<Path> files = new ArrayList<>();
        for (Path mount : hierarchyByMount.keySet()) {
            if (Files.isDirectory(mount)) {
                for (Path cgroup : subtree(mount)) {
                    Path procs = cgroup.resolve("cgroup.procs");
                    if (Files.isRegularFile(procs)) {
                        files.add(procs);
                    }
                }
            }
        }
        return files;
    }

    private List<String> lines(Path file) {
        return lines(file, "\n");
    }

    private List<String> lines(Path file, String separator) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        String content = content(file).strip();
        return content.isEmpty() ? List.of() : Arrays.asList(content.split(separator));
    }
}
