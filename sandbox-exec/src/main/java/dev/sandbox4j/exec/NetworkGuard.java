package dev.sandbox4j.exec;

import dev.sandbox4j.core.SeccompException;
import dev.sandbox4j.namespace.Namespace;
import dev.sandbox4j.namespace.NamespaceConfig;
import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.BpfInstruction;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompAction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a network namespace does not separate, refused by seccomp in every run that has one: {@code AF_VSOCK}
 * sockets (the hypervisor at CID 2, the machine's vsock ports) and io_uring, whose {@code IORING_OP_SOCKET}
 * (Linux 5.19+) makes sockets without a {@code socket()} call a filter could look at.
 *
 * <p>It is a short BPF prefix in front of the run's own program (the user's filter, supervised or not, or none):
 * {@code socket}/{@code socketpair} with family 40 fail with EAFNOSUPPORT and {@code io_uring_setup} with ENOSYS,
 * for the native ABI and the compat one (i386 on x86_64, AArch32 on aarch64); x32 numbers are matched with their
 * bit masked off. A compat {@code socketcall} that creates sockets is refused whatever its family, which lies in
 * memory BPF cannot read. Every other call continues at the run's program with the accumulator cleared, as the
 * kernel starts it, so it decides exactly as it would alone; without one it is allowed. Being the same program,
 * the prefix answers first: a refused call never reaches the supervisor or learn mode.
 */
final class NetworkGuard {
    static final int AF_VSOCK = 40;
    static final int EAFNOSUPPORT = 97;
    static final int ENOSYS = 38;

    private static final int SYS_SOCKET = 1; // socketcall's call numbers (linux/net.h)
    private static final int SYS_SOCKETPAIR = 8;

    private static final int LD_W_ABS = 0x20;
    private static final int JEQ_K = 0x15;
    private static final int JA = 0x05;
    private static final int AND_K = 0x54;
    private static final int RET_K = 0x06;
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARG0_LOW = 16;

    /** One ABI's numbers; {@code socketcall} is -1 where there is none. */
    private record Abi(int auditArch, boolean x32, int socket, int socketpair, int socketcall, int ioUringSetup) {}

    private static final Abi I386 = new Abi(0x40000003, false, 359, 360, 102, 425);
    /** AArch32: EABI has no socketcall, but 102 is refused as on i386 should a kernel have one. */
    private static final Abi ARM = new Abi(0x40000028, false, 281, 288, 102, 425);

    private final List<Abi> abis;
    private final BpfProgram prefix;

    private NetworkGuard(List<Abi> abis) {
        this.abis = abis;
        this.prefix = assemble(abis);
    }

    /**
     * The guard for runs on this machine.
     *
     * @throws SeccompException on an architecture sandbox4j has no seccomp filters for
     */
    static NetworkGuard forThisMachine() {
        Architecture arch;
        try {
            arch = Architecture.current();
        } catch (SeccompException e) {
            throw new SeccompException(
                    "a sandbox with a network of its own refuses vsock and io_uring (which no network namespace"
                            + " separates) with seccomp, and " + e.getMessage()
                            + "; use Network.host() to share the host's network knowingly",
                    e);
        }
        return of(arch);
    }

    /**
     * The guard for runs on {@code arch}.
     *
     * @throws SeccompException for an architecture whose ABIs the guard does not know: a run there would share
     *                          vsock and io_uring with the host
     */
    static NetworkGuard of(Architecture arch) {
        Abi nativeAbi = new Abi(
                arch.auditArch(),
                arch.hasX32Abi(),
                arch.syscalls().numberOf("socket"),
                arch.syscalls().numberOf("socketpair"),
                -1,
                arch.syscalls().numberOf("io_uring_setup"));
        return switch (arch) {
            case X86_64 -> new NetworkGuard(List.of(nativeAbi, I386));
            case AARCH64 -> new NetworkGuard(List.of(nativeAbi, ARM));
            default ->
                throw new SeccompException("no vsock and io_uring guard for architecture " + arch
                        + ": a network namespace does not separate them there; use Network.host() to share the host's"
                        + " network knowingly");
        };
    }

    /**
     * Whether a sandbox with these settings needs the guard: it has a network namespace of its own, so what that
     * namespace does not separate must not be left open. With the host's network there is nothing to keep apart.
     */
    static boolean needed(Network network, NamespaceConfig namespaces) {
        return network.mode() != Network.Mode.HOST && namespaces.contains(Namespace.NET);
    }

    /** Instructions the guard adds in front of a program, or is without one. */
    int length() {
        return prefix.length();
    }

    /**
     * Refuses, at {@code build()}, a program the guard would make too long for the kernel.
     *
     * @throws SeccompException if the guard and {@code program} together are longer than the kernel takes
     */
    void requireRoomFor(BpfProgram program) {
        int total = length() + program.length();
        if (total > BpfProgram.MAX_INSTRUCTIONS) {
            throw new SeccompException("the seccomp filter's " + program.length() + " BPF instructions and the "
                    + length() + " that refuse vsock and io_uring in a sandbox with its own network make " + total
                    + ", more than the kernel's limit of " + BpfProgram.MAX_INSTRUCTIONS
                    + "; use fewer argument conditions, or Network.host() (which needs no guard)");
        }
    }

    /**
     * The program the workload loads: the guard, then {@code program} (null: none, every other call allowed).
     *
     * @throws SeccompException if the two together are longer than the kernel takes
     */
    BpfProgram before(BpfProgram program) {
        if (program == null) {
            return prefix;
        }
        requireRoomFor(program);
        List<BpfInstruction> out = new ArrayList<>(prefix.instructions().subList(0, prefix.length() - 1));
        // The kernel starts a program with A = 0; A holds the arch or a number here. AND (not a load of 0) keeps
        // the path one the kernel's "always allowed" cache can follow.
        out.add(new BpfInstruction(AND_K, 0, 0, 0));
        out.addAll(program.instructions());
        return BpfProgram.of(out);
    }

    private static BpfProgram assemble(List<Abi> abis) {
        Assembler a = new Assembler();
        int refuseFamily = SeccompAction.errno(EAFNOSUPPORT).returnValue();
        int refuseUring = SeccompAction.errno(ENOSYS).returnValue();
        a.emit(LD_W_ABS, OFFSET_ARCH);
        for (int i = 0; i < abis.size(); i++) {
            Abi abi = abis.get(i);
            String next = "abi" + (i + 1);
            String family = "family" + i;
            String socketcall = "socketcall" + i;
            String refused = "refused" + i;
            String uring = "uring" + i;
            a.jeq(abi.auditArch(), null, next); // A still holds the arch for the next ABI
            a.emit(LD_W_ABS, OFFSET_NR);
            if (abi.x32()) {
                a.emit(AND_K, ~Architecture.X32_SYSCALL_BIT);
            }
            a.jeq(abi.socket(), family, null);
            a.jeq(abi.socketpair(), family, null);
            if (abi.socketcall() >= 0) {
                a.jeq(abi.socketcall(), socketcall, null);
            }
            a.jeq(abi.ioUringSetup(), uring, null);
            a.ja("other");
            a.label(family);
            a.emit(LD_W_ABS, OFFSET_ARG0_LOW);
            a.jeq(AF_VSOCK, refused, null);
            a.ja("other");
            if (abi.socketcall() >= 0) {
                a.label(socketcall);
                a.emit(LD_W_ABS, OFFSET_ARG0_LOW);
                a.jeq(SYS_SOCKET, refused, null);
                a.jeq(SYS_SOCKETPAIR, refused, null);
                a.ja("other");
            }
            a.label(uring);
            a.emit(RET_K, refuseUring);
            a.label(refused);
            a.emit(RET_K, refuseFamily);
            a.label(next);
        }
        a.label("other");
        a.emit(RET_K, SeccompAction.ALLOW.returnValue()); // replaced by the program, if there is one
        return BpfProgram.of(a.resolve());
    }

    @Override
    public String toString() {
        return "NetworkGuard[" + abis.size() + " ABIs, " + prefix.length() + " instructions]";
    }

    /** Forward jumps to named places, resolved once everything is placed. */
    private static final class Assembler {
        private record Pending(int code, int k, String jt, String jf) {}

        private final List<Pending> code = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();

        void emit(int op, int k) {
            code.add(new Pending(op, k, null, null));
        }

        /** {@code jeq k}: to {@code jt} if equal, else to {@code jf}; null is the next instruction. */
        void jeq(int k, String jt, String jf) {
            code.add(new Pending(JEQ_K, k, jt, jf));
        }

        void ja(String target) {
            code.add(new Pending(JA, 0, target, null));
        }

        void label(String name) {
            labels.put(name, code.size());
        }

        List<BpfInstruction> resolve() {
            List<BpfInstruction> out = new ArrayList<>(code.size());
            for (int pc = 0; pc < code.size(); pc++) {
                Pending p = code.get(pc);
                if (p.code() == JA) {
                    out.add(new BpfInstruction(JA, 0, 0, offset(pc, p.jt())));
                } else if (p.code() == JEQ_K) {
                    out.add(new BpfInstruction(JEQ_K, offset(pc, p.jt()), offset(pc, p.jf()), p.k()));
                } else {
                    out.add(new BpfInstruction(p.code(), 0, 0, p.k()));
                }
            }
            return out;
        }

        private int offset(int pc, String label) {
            return label == null ? 0 : labels.get(label) - pc - 1;
        }
    }
}
