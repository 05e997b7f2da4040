package dev.sandbox4j.seccomp;

import dev.sandbox4j.core.Errno;
import dev.sandbox4j.core.InvalidConfigException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A seccomp profile in the OCI/Docker JSON format (what Docker, podman, runc, crun and Kubernetes'
 * {@code Localhost} profiles use), read into a {@link SeccompFilter} that means what libseccomp makes of the
 * same file, for one architecture.
 *
 * <pre>{@code
 * OciSeccompProfile p = OciSeccompProfile.read(Path.of("/usr/share/containers/seccomp.json"));
 * p.notes().forEach(System.err::println);          // what was skipped, and why
 * Sandbox.builder().seccomp(p.filter());
 * String json = OciSeccompProfile.toJson(SeccompProfile.MINIMAL.filter(), Architecture.X86_64);
 * }</pre>
 *
 * <p>What the import means, field by field, and what it refuses, is in sandbox-seccomp/README.md
 * ("OCI/Docker profiles"). In short: rules are applied as runc hands them to libseccomp (a syscall's first
 * unconditional rule replaces all its other rules; several conditions on one argument become separate
 * rules; rules whose action is the default are skipped; names unknown on the architecture are skipped
 * with a note); {@code includes}/{@code excludes} are evaluated for a workload with no capabilities, this
 * architecture and the running kernel; calls of other architectures are killed. Anything that would make
 * the sandbox weaker or different than the file says (SCMP_ACT_TRACE, SCMP_ACT_NOTIFY, a listener, unknown
 * flags or fields) is refused with the JSON path of the value.
 */
public final class OciSeccompProfile {
    /** Linux EPERM: runc's errno for SCMP_ACT_ERRNO without errnoRet. */
    private static final int EPERM = 1;

    private static final long MAX_FILE_BYTES = 4L << 20;
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final Set<String> TOP_KEYS = Set.of(
            "defaultAction",
            "defaultErrnoRet",
            "defaultErrno",
            "architectures",
            "archMap",
            "flags",
            "listenerPath",
            "listenerMetadata",
            "syscalls");
    private static final Set<String> SYSCALL_KEYS =
            Set.of("names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes");
    private static final Set<String> FILTER_KEYS = Set.of("caps", "arches", "minKernel");
    private static final Set<String> ARG_KEYS = Set.of("index", "value", "valueTwo", "op");
    private static final Set<String> KNOWN_ARCHES = Set.of(
            "SCMP_ARCH_NATIVE",
            "SCMP_ARCH_X86",
            "SCMP_ARCH_X86_64",
            "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM",
            "SCMP_ARCH_AARCH64",
            "SCMP_ARCH_MIPS",
            "SCMP_ARCH_MIPS64",
            "SCMP_ARCH_MIPS64N32",
            "SCMP_ARCH_MIPSEL",
            "SCMP_ARCH_MIPSEL64",
            "SCMP_ARCH_MIPSEL64N32",
            "SCMP_ARCH_PPC",
            "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE",
            "SCMP_ARCH_S390",
            "SCMP_ARCH_S390X",
            "SCMP_ARCH_PARISC",
            "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64",
            "SCMP_ARCH_LOONGARCH64",
            "SCMP_ARCH_M68K",
            "SCMP_ARCH_SH",
            "SCMP_ARCH_SHEB");

    private final String source;
    private final Architecture arch;
    private final SeccompFilter filter;
    private final List<String> notes;

    private OciSeccompProfile(String source, Architecture arch, SeccompFilter filter, List<String> notes) {
        this.source = source;
        this.arch = arch;
        this.filter = filter;
        this.notes = List.copyOf(notes);
    }

    /** Reads a profile file for this machine's architecture and running kernel. */
    public static OciSeccompProfile read(Path file) {
        return read(file, Architecture.current(), System.getProperty("os.version", ""));
    }

    /**
     * Reads a profile file.
     *
     * @param kernelRelease the kernel {@code minKernel} is compared with, as {@code uname -r} prints it
     * @throws InvalidConfigException naming the file, the JSON path and the problem
     */
    public static OciSeccompProfile read(Path file, Architecture arch, String kernelRelease) {
        String text;
        try {
            // A profile is a few kilobytes; a FIFO or a device would block or never end.
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new InvalidConfigException("seccomp profile " + file + ": not a regular file");
            }
            if (Files.exists(file) && Files.size(file) > MAX_FILE_BYTES) {
                throw new InvalidConfigException("seccomp profile " + file + ": larger than " + (MAX_FILE_BYTES >> 20)
                        + " MiB, which no seccomp profile needs");
            }
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException("seccomp profile " + file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException("seccomp profile " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new InvalidConfigException("seccomp profile " + file + ": cannot read it: " + e.getMessage());
        }
        return parse(text, file.toString(), arch, kernelRelease);
    }

    /** Parses a profile for this machine's architecture and running kernel; {@code source} names it in errors. */
    public static OciSeccompProfile parse(String json, String source) {
        return parse(json, source, Architecture.current(), System.getProperty("os.version", ""));
    }

    /**
     * Parses a profile.
     *
     * @param source        what errors call it (a file name)
     * @param kernelRelease the kernel {@code minKernel} is compared with, as {@code uname -r} prints it
     * @throws InvalidConfigException naming the source, the JSON path and the problem
     */
    public static OciSeccompProfile parse(String json, String source, Architecture arch, String kernelRelease) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(arch, "arch");
        Object root;
        try {
            root = Json.parse(json);
        } catch (Json.SyntaxException e) {
            throw new InvalidConfigException("seccomp profile " + source + ": not valid JSON: " + e.getMessage());
        }
        return new Reader(source, arch, kernelRelease).read(root);
    }

    /** Where the profile came from (a file name, or what the caller called it). */
    public String source() {
        return source;
    }

    /** The architecture the profile was read for. */
    public Architecture architecture() {
        return arch;
    }

    /** The filter, meaning what libseccomp makes of the file on {@link #architecture()}. */
    public SeccompFilter filter() {
        return filter;
    }

    /** What the import skipped or could not apply as written, one sentence each (e.g. unknown syscall names). */
    public List<String> notes() {
        return notes;
    }

    /**
     * The filter as an OCI/Docker profile for {@code arch} that libseccomp (through runc, crun, podman,
     * Docker) compiles to the same decisions, and that {@link #parse} reads back to them. The OCI format has
     * no unknown-syscall action: numbers the syscall table does not name get the default action there.
     *
     * @throws dev.sandbox4j.core.SeccompException naming the syscall whose rules the format cannot express
     */
    public static String toJson(SeccompFilter filter, Architecture arch) {
        return OciExport.toJson(filter, arch);
    }

    /** One rule as the file gives it, after runc's splitting. */
    private record Pending(SeccompAction action, List<ArgCondition> conditions, String path) {}

    /** Turns the parsed document into a filter; one instance per import. */
    private static final class Reader {
        private final String source;
        private final Architecture arch;
        private final String kernelRelease;
        private final List<String> notes = new ArrayList<>();

        Reader(String source, Architecture arch, String kernelRelease) {
            this.source = source;
            this.arch = arch;
            this.kernelRelease = kernelRelease == null ? "" : kernelRelease;
        }

        OciSeccompProfile read(Object root) {
            Map<String, Object> top = object(root, "$");
            checkKeys(top, TOP_KEYS, "$");
            if (!top.containsKey("defaultAction")) {
                throw fail("$", "has no defaultAction");
            }
            Integer defaultErrno = errnoOf(top, "defaultErrnoRet", "defaultErrno", "$");
            SeccompAction defaultAction =
                    action(top.get("defaultAction"), defaultErrno, "$.defaultAction", "$.defaultErrnoRet");
            listener(top);
            flags(top.get("flags"));
            architectures(top);

            Map<String, List<Pending>> byName = new LinkedHashMap<>();
            List<Object> syscalls =
                    top.containsKey("syscalls") ? list(top.get("syscalls"), "$.syscalls", true) : List.of();
            int skippedDefault = 0;
            List<String> unknownNames = new ArrayList<>();
            for (int i = 0; i < syscalls.size(); i++) {
                String path = "$.syscalls[" + i + "]";
                Map<String, Object> entry = object(syscalls.get(i), path);
                checkKeys(entry, SYSCALL_KEYS, path);
                List<String> names = names(entry, path);
                if (!entry.containsKey("action")) {
                    throw fail(path, "has no action");
                }
                Integer errno = errnoOf(entry, "errnoRet", "errno", path);
                SeccompAction action = action(entry.get("action"), errno, path + ".action", path + ".errnoRet");
                List<List<ArgCondition>> ruleConditions = conditions(entry.get("args"), path + ".args");
                boolean applies = filterApplies(entry.get("includes"), path + ".includes", true)
                        && filterApplies(entry.get("excludes"), path + ".excludes", false);
                if (!applies) {
                    continue;
                }
                if (action.equals(defaultAction)) {
                    skippedDefault++; // runc and crun skip them; libseccomp refuses a rule with the default action
                    continue;
                }
                for (String name : names) {
                    if (!arch.syscalls().contains(name)) {
                        unknownNames.add(name);
                        continue;
                    }
                    for (List<ArgCondition> conds : ruleConditions) {
                        byName.computeIfAbsent(name, n -> new ArrayList<>()).add(new Pending(action, conds, path));
                    }
                }
            }
            if (skippedDefault > 0) {
                notes.add(skippedDefault + " syscall entr" + (skippedDefault == 1 ? "y has" : "ies have")
                        + " the default action and add nothing (runc skips them too)");
            }
            if (!unknownNames.isEmpty()) {
                notes.add("skipped " + unknownNames.size() + " syscall name" + (unknownNames.size() == 1 ? "" : "s")
                        + " " + arch + " does not have, as runc and libseccomp do: "
                        + String.join(", ", new java.util.TreeSet<>(unknownNames)));
            }

            SeccompFilter.Builder b =
                    SeccompFilter.builder().defaultAction(defaultAction).unknownSyscallAction(defaultAction);
            byName.forEach((name, rules) -> addAsLibseccomp(b, name, rules));
            return new OciSeccompProfile(source, arch, b.build(), notes);
        }

        /**
         * What libseccomp keeps of one syscall's rules: its first unconditional rule alone, if it has one
         * (libseccomp drops the syscall's other rules for it, whatever their order); otherwise every
         * conditional rule, where two with the same conditions and different actions cannot both be added.
         */
        private void addAsLibseccomp(SeccompFilter.Builder b, String name, List<Pending> rules) {
            for (Pending p : rules) {
                if (p.conditions().isEmpty()) {
                    b.rule(name, p.action());
                    if (rules.size() > 1) {
                        notes.add(name + ": the unconditional rule at " + p.path()
                                + " decides every call, as in libseccomp; the syscall's other rules have no effect");
                    }
                    return;
                }
            }
            Map<Set<ArgCondition>, Pending> seen = new LinkedHashMap<>();
            for (Pending p : rules) {
                Pending before = seen.putIfAbsent(Set.copyOf(p.conditions()), p);
                if (before != null && !before.action().equals(p.action())) {
                    throw fail(
                            p.path(),
                            "gives " + name + " " + describe(p.action()) + " under the same argument "
                                    + "conditions as " + before.path() + " gives " + describe(before.action())
                                    + "; libseccomp refuses such a pair, so runc cannot load this profile either");
                }
                if (before == null) {
                    b.rule(name, p.action(), p.conditions().toArray(new ArgCondition[0]));
                }
            }
        }

        private void listener(Map<String, Object> top) {
            for (String key : List.of("listenerPath", "listenerMetadata")) {
                Object v = top.get(key);
                if (v != null && !(v instanceof String s && s.isEmpty())) {
                    throw fail(
                            "$." + key,
                            "is " + show(v) + ": a seccomp agent outside the sandbox is not "
                                    + "supported (sandbox4j supervises notified calls itself); remove the field");
                }
            }
        }

        private void flags(Object value) {
            if (value == null || value == Json.NULL) {
                return;
            }
            List<Object> flags = list(value, "$.flags", true);
            for (int i = 0; i < flags.size(); i++) {
                String flag = string(flags.get(i), "$.flags[" + i + "]");
                if (!flag.equals("SECCOMP_FILTER_FLAG_TSYNC")) {
                    // LOG would log every call the default does not allow, SPEC_ALLOW turns the kernel's
                    // speculation mitigation off: neither is what this filter would do without them.
                    throw fail(
                            "$.flags[" + i + "]",
                            "'" + flag + "' is not supported (only "
                                    + "SECCOMP_FILTER_FLAG_TSYNC, which changes nothing for a program the filter is "
                                    + "installed in before it starts); remove it");
                }
            }
        }

        private void architectures(Map<String, Object> top) {
            String nativeName = scmpArch(arch);
            List<String> foreign = new ArrayList<>();
            if (top.get("architectures") != null && top.get("architectures") != Json.NULL) {
                List<Object> arches = list(top.get("architectures"), "$.architectures", true);
                for (int i = 0; i < arches.size(); i++) {
                    String a = knownArch(arches.get(i), "$.architectures[" + i + "]");
                    if (!a.equals(nativeName) && !a.equals("SCMP_ARCH_NATIVE")) {
                        foreign.add(a);
                    }
                }
            }
            if (top.get("archMap") != null && top.get("archMap") != Json.NULL) {
                List<Object> map = list(top.get("archMap"), "$.archMap", true);
                for (int i = 0; i < map.size(); i++) {
                    String path = "$.archMap[" + i + "]";
                    Map<String, Object> m = object(map.get(i), path);
                    checkKeys(m, Set.of("architecture", "subArchitectures"), path);
                    String a = knownArch(m.get("architecture"), path + ".architecture");
                    List<Object> subs = m.get("subArchitectures") == null || m.get("subArchitectures") == Json.NULL
                            ? List.of()
                            : list(m.get("subArchitectures"), path + ".subArchitectures", true);
                    for (int j = 0; j < subs.size(); j++) {
                        String sub = knownArch(subs.get(j), path + ".subArchitectures[" + j + "]");
                        if (a.equals(nativeName)) {
                            foreign.add(sub);
                        }
                    }
                }
            }
            if (!foreign.isEmpty()) {
                notes.add("calls of " + String.join(", ", new java.util.TreeSet<>(foreign)) + " are killed: "
                        + "sandbox4j filters " + arch + "'s own system calls only");
            }
        }

        private String knownArch(Object value, String path) {
            String a = string(value, path);
            if (!KNOWN_ARCHES.contains(a)) {
                throw fail(
                        path,
                        "'" + a + "' is not a libseccomp architecture (SCMP_ARCH_X86_64, "
                                + "SCMP_ARCH_AARCH64, SCMP_ARCH_X86, …)");
            }
            return a;
        }

        private List<String> names(Map<String, Object> entry, String path) {
            List<String> names = new ArrayList<>();
            if (entry.get("names") != null && entry.get("names") != Json.NULL) {
                List<Object> list = list(entry.get("names"), path + ".names", true);
                for (int i = 0; i < list.size(); i++) {
                    String n = string(list.get(i), path + ".names[" + i + "]");
                    if (n.isEmpty()) {
                        throw fail(path + ".names[" + i + "]", "is empty");
                    }
                    names.add(n);
                }
            }
            if (entry.get("name") != null && entry.get("name") != Json.NULL) {
                names.add(string(entry.get("name"), path + ".name")); // Docker's older single-name form
            }
            if (names.isEmpty()) {
                throw fail(path, "names no syscall (give \"names\": [...])");
            }
            return names;
        }

        /**
         * The rules an entry's args make, as runc adds them: all conditions in one rule, unless one argument
         * has several conditions — then each condition is a rule of its own (so they act as OR).
         */
        private List<List<ArgCondition>> conditions(Object value, String path) {
            if (value == null || value == Json.NULL) {
                return List.of(List.of());
            }
            List<Object> args = list(value, path, true);
            List<ArgCondition> conds = new ArrayList<>();
            boolean[] used = new boolean[ArgCondition.ARGUMENTS];
            boolean repeated = false;
            for (int i = 0; i < args.size(); i++) {
                String p = path + "[" + i + "]";
                Map<String, Object> a = object(args.get(i), p);
                checkKeys(a, ARG_KEYS, p);
                long index = u64(a.get("index"), p + ".index");
                if (index > 5) {
                    throw fail(p + ".index", index + " is not a syscall argument (0 to 5)");
                }
                long v = a.containsKey("value") ? u64(a.get("value"), p + ".value") : 0;
                long v2 = a.containsKey("valueTwo") ? u64(a.get("valueTwo"), p + ".valueTwo") : 0;
                String op = a.containsKey("op") ? string(a.get("op"), p + ".op") : null;
                if (op == null) {
                    throw fail(p, "has no op");
                }
                ArgCondition.Arg arg = ArgCondition.arg((int) index); // libseccomp compares all 64 bits
                ArgCondition c = switch (op) {
                    case "SCMP_CMP_NE" -> arg.ne(v);
                    case "SCMP_CMP_LT" -> arg.lt(v);
                    case "SCMP_CMP_LE" -> arg.le(v);
                    case "SCMP_CMP_EQ" -> arg.eq(v);
                    case "SCMP_CMP_GE" -> arg.ge(v);
                    case "SCMP_CMP_GT" -> arg.gt(v);
                    case "SCMP_CMP_MASKED_EQ" -> arg.maskedEq(v, v2); // value is the mask, valueTwo the datum
                    default ->
                        throw fail(
                                p + ".op",
                                "'" + op + "' is not a comparison (SCMP_CMP_NE, _LT, _LE, "
                                        + "_EQ, _GE, _GT, _MASKED_EQ)");
                };
                repeated |= used[(int) index];
                used[(int) index] = true;
                conds.add(c);
            }
            if (!repeated) {
                return List.of(conds);
            }
            List<List<ArgCondition>> split = new ArrayList<>();
            for (ArgCondition c : conds) {
                split.add(List.of(c));
            }
            return split;
        }

        private boolean filterApplies(Object value, String path, boolean includes) {
            if (value == null || value == Json.NULL) {
                return true;
            }
            Map<String, Object> f = object(value, path);
            checkKeys(f, FILTER_KEYS, path);
            List<String> caps = strings(f.get("caps"), path + ".caps");
            List<String> arches = strings(f.get("arches"), path + ".arches");
            String goArch = goArch(arch);
            if (includes) {
                // Docker: every listed capability must be held; the workload holds none.
                if (!caps.isEmpty()) {
                    return false;
                }
                if (!arches.isEmpty() && !arches.contains(goArch)) {
                    return false;
                }
            } else if (arches.contains(goArch)) {
                return false;
            }
            Object min = f.get("minKernel");
            if (min != null && min != Json.NULL) {
                String wanted = string(min, path + ".minKernel");
                int[] want = kernel(wanted);
                if (want == null) {
                    throw fail(path + ".minKernel", "'" + wanted + "' is not a kernel version (MAJOR.MINOR)");
                }
                int[] have = kernel(kernelRelease);
                if (have == null) {
                    throw fail(
                            path + ".minKernel",
                            "needs the running kernel's version, and '" + kernelRelease + "' is not one");
                }
                boolean atLeast = have[0] != want[0] ? have[0] > want[0] : have[1] >= want[1];
                return includes == atLeast;
            }
            return true;
        }

        private List<String> strings(Object value, String path) {
            if (value == null || value == Json.NULL) {
                return List.of();
            }
            List<Object> list = list(value, path, true);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                out.add(string(list.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        /** The errno of an entry: {@code errnoRet}, or null; a containers-common name beside it must agree. */
        private Integer errnoOf(Map<String, Object> m, String retKey, String nameKey, String path) {
            Integer ret = null;
            if (m.get(retKey) != null && m.get(retKey) != Json.NULL) {
                long n = u64(m.get(retKey), path + "." + retKey);
                if (n > SeccompAction.MAX_ERRNO) {
                    throw fail(path + "." + retKey, n + " is not an errno (0 to " + SeccompAction.MAX_ERRNO + ")");
                }
                ret = (int) n;
            }
            Object name = m.get(nameKey);
            if (name != null && name != Json.NULL) {
                String s = string(name, path + "." + nameKey);
                if (ret == null) {
                    throw fail(
                            path + "." + nameKey,
                            "'" + s + "' without " + retKey + ": give the number in " + retKey
                                    + " (the name is only a label)");
                }
                if (!s.isEmpty() && !s.equals(Errno.name(ret))) {
                    throw fail(
                            path + "." + nameKey,
                            "'" + s + "' does not match " + retKey + " " + ret + " (" + Errno.name(ret) + ")");
                }
            }
            return ret;
        }

        private SeccompAction action(Object value, Integer errno, String path, String errnoPath) {
            String a = string(value, path);
            SeccompAction action = switch (a) {
                case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> SeccompAction.KILL_THREAD; // libseccomp's KILL
                case "SCMP_ACT_KILL_PROCESS" -> SeccompAction.KILL_PROCESS;
                case "SCMP_ACT_TRAP" -> SeccompAction.TRAP;
                case "SCMP_ACT_ERRNO" -> SeccompAction.errno(errno == null ? EPERM : errno);
                case "SCMP_ACT_ALLOW" -> SeccompAction.ALLOW;
                case "SCMP_ACT_LOG" -> SeccompAction.LOG;
                case "SCMP_ACT_TRACE" ->
                    throw fail(
                            path,
                            "'SCMP_ACT_TRACE' is not supported: no tracer runs beside "
                                    + "the sandbox, so the call would fail with ENOSYS; use SCMP_ACT_ERRNO with errnoRet");
                case "SCMP_ACT_NOTIFY" ->
                    throw fail(
                            path,
                            "'SCMP_ACT_NOTIFY' is not supported: it needs a seccomp "
                                    + "agent outside the sandbox; use SCMP_ACT_ERRNO or SCMP_ACT_KILL_PROCESS");
                default ->
                    throw fail(
                            path,
                            "'" + a + "' is not an action (SCMP_ACT_KILL_PROCESS, "
                                    + "SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_LOG, "
                                    + "SCMP_ACT_ALLOW)");
            };
            if (errno != null && action.kind() != SeccompAction.Kind.ERRNO) {
                throw fail(errnoPath, "is set but the action is " + a + "; errnoRet only goes with SCMP_ACT_ERRNO");
            }
            return action;
        }

        private void checkKeys(Map<String, Object> m, Set<String> allowed, String path) {
            for (String k : m.keySet()) {
                if (!allowed.contains(k)) {
                    throw fail(
                            path + "." + k,
                            "is not a field of the OCI seccomp format (a field we do not "
                                    + "know could be a restriction we would not apply); remove it");
                }
            }
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> object(Object v, String path) {
            if (!(v instanceof Map)) {
                throw fail(path, "is " + show(v) + ", expected an object");
            }
            return (Map<String, Object>) v;
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object v, String path, boolean nullIsEmpty) {
            if (nullIsEmpty && v == Json.NULL) {
                return List.of();
            }
            if (!(v instanceof List)) {
                throw fail(path, "is " + show(v) + ", expected an array");
            }
            return (List<Object>) v;
        }

        private String string(Object v, String path) {
            if (!(v instanceof String s)) {
                throw fail(path, "is " + show(v) + ", expected a string");
            }
            return s;
        }

        private long u64(Object v, String path) {
            if (!(v instanceof BigInteger n) || n.signum() < 0 || n.compareTo(MAX_U64) > 0) {
                throw fail(path, "is " + show(v) + ", expected an integer from 0 to 18446744073709551615");
            }
            return n.longValue();
        }

        private InvalidConfigException fail(String path, String problem) {
            return new InvalidConfigException("seccomp profile " + source + ": " + path + " " + problem);
        }
    }

    private static String show(Object v) {
        if (v == null) {
            return "missing";
        }
        if (v instanceof String s) {
            return Json.quote(s);
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        return String.valueOf(v);
    }

    private static String describe(SeccompAction a) {
        return a.describe();
    }

    /** MAJOR and MINOR of a kernel release ({@code 6.18.44-foo}, {@code 4.8}), or null. */
    static int[] kernel(String release) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release.trim());
        if (!m.find()) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** libseccomp's name of an architecture. */
    static String scmpArch(Architecture arch) {
        return switch (arch) {
            case X86_64 -> "SCMP_ARCH_X86_64";
            case AARCH64 -> "SCMP_ARCH_AARCH64";
        };
    }

    /** Go's name (what Docker's {@code includes.arches} holds). */
    static String goArch(Architecture arch) {
        return switch (arch) {
            case X86_64 -> "amd64";
            case AARCH64 -> "arm64";
        };
    }

    @Override
    public String toString() {
        return "OciSeccompProfile[" + source + ", " + arch + ", " + filter + "]";
    }
}
