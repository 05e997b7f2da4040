package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.seccomp.Architecture;
import dev.sandbox4j.seccomp.BpfProgram;
import dev.sandbox4j.seccomp.SeccompProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SeccompCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new SeccompCommand().spec());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void withoutArgumentsListsEveryProfileWithItsSyscallCount() {
        assertThat(run()).isZero();
        String text = out.toString();
        for (SeccompProfile p : SeccompProfile.values()) {
            int count = p.permittedSyscalls(Architecture.X86_64).size();
            assertThat(text).containsPattern("(?m)^" + p.cliName() + "\\s+" + count + "\\s");
        }
        assertThat(err.toString()).isEmpty();
        StringWriter again = new StringWriter();
        CommandLine cmd = new CommandLine(new SeccompCommand().spec());
        cmd.setOut(new PrintWriter(again, true));
        assertThat(cmd.execute("--list")).isZero();
        assertThat(again.toString()).isEqualTo(text);
    }

    @Test
    void profileListsItsSyscallsAndArgumentRules() {
        assertThat(run("minimal")).isZero();
        String text = out.toString();
        assertThat(text)
                .contains("profile minimal (x86_64)")
                .containsPattern("(?m)^  read$")
                .containsPattern("(?m)^  ioctl$")
                .contains("→ ERRNO(1) EPERM if arg1.lo32 == 0x5412")
                .contains("→ ERRNO(1) EPERM if (arg0.lo32 & 0x7e020000) != 0x0")
                .contains("io_uring_setup → ERRNO(38) ENOSYS")
                .doesNotContainPattern("(?m)^  mkdir$");
        assertThat(run("IO_HEAVY")).isZero();
        assertThat(out.toString()).containsPattern("(?m)^  mkdir$");
    }

    @Test
    void exportWritesTheRawX86Program(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("network.bpf");
        assertThat(run("network", "--export", file.toString())).isZero();
        byte[] bytes = Files.readAllBytes(file);
        BpfProgram expected = SeccompProfile.NETWORK.filter().compile(Architecture.X86_64);
        assertThat(bytes).isEqualTo(expected.toBytes()).hasSize(expected.length() * 8);
        assertThat(out.toString()).contains(expected.length() + " instructions");
    }

    @Test
    void badProfileNameIsOneLineAndExitTwo() {
        assertThat(run("strict")).isEqualTo(2);
        assertThat(err.toString())
                .hasLineCount(1)
                .contains("'strict'")
                .contains("essential, minimal, io-heavy, compute, network, unrestricted");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void exportWithoutProfileIsAUsageError(@TempDir Path dir) {
        assertThat(run("--export", dir.resolve("x").toString())).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("PROFILE");
    }

    @Test
    void explainRunsTheCompiledProgramOnOneCall() {
        assertThat(run("minimal", "--explain", "ioctl,0,0x5412")).isZero();
        assertThat(out.toString())
                .contains("ioctl(0x0, 0x5412)")
                .contains("ERRNO(1) EPERM")
                .contains("instructions executed");
        assertThat(run("essential", "--explain", "socket,2")).isZero();
        assertThat(out.toString()).contains("KILL_PROCESS");
        assertThat(run("minimal", "--explain", "nosuchcall")).isEqualTo(2);
        assertThat(err.toString()).contains("'nosuchcall'").contains("x86_64");
    }

    @Test
    void explainTakesTheSyscallNumberTheAuditLogPrints() {
        // type=1326 ... syscall=16: x86_64's ioctl
        assertThat(run("minimal", "--explain", "16,0,0x5412")).isZero();
        assertThat(out.toString())
                .contains("ioctl(0x0, 0x5412)")
                .contains("ERRNO(1) EPERM")
                .contains("syscall 16,");
        // 83 is mkdir on x86_64 (killed under minimal), but mkdirat's 34 on aarch64
        assertThat(run("minimal", "--explain", "83")).isZero();
        assertThat(out.toString()).contains("mkdir() on x86_64 under minimal: KILL_PROCESS");
        assertThat(run("io-heavy", "--arch", "aarch64", "--explain", "0x22")).isZero();
        assertThat(out.toString()).contains("mkdirat() on aarch64 under io-heavy: ALLOW (syscall 34,");
        // a number no table names gets the unknown-syscall answer; an x32 number is killed
        assertThat(run("minimal", "--explain", "1000")).isZero();
        assertThat(out.toString()).contains("syscall 1000() on x86_64 under minimal: ERRNO(38) ENOSYS");
        assertThat(run("network", "--explain", "1073741863")).isZero();
        assertThat(out.toString()).contains("syscall 1073741863() on x86_64 under network: KILL_PROCESS");
    }

    @Test
    void malformedExplainIsOneLineNamingItAndExitTwo() {
        for (String bad : new String[] {
            "",
            ",1",
            "16x",
            "-16",
            "4294967296",
            "0xfffffffff",
            "ioctl,",
            "ioctl,,1",
            "ioctl,zero",
            "ioctl,1,2,3,4,5,6,7",
            "io ctl",
            "99999999999999999999999"
        }) {
            StringWriter e = new StringWriter();
            CommandLine cmd = new CommandLine(new SeccompCommand().spec());
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(e, true));
            assertThat(cmd.execute("minimal", "--explain", bad)).as("'%s'", bad).isEqualTo(2);
            assertThat(e.toString()).as("'%s'", bad).hasLineCount(1).startsWith("sandbox-ctl seccomp: --explain");
        }
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aarch64CanBeChosen() {
        assertThat(run("minimal", "--arch", "aarch64")).isZero();
        assertThat(out.toString()).contains("(aarch64)").doesNotContainPattern("(?m)^  open$");
        assertThat(run("--arch", "sparc")).isEqualTo(2);
    }

    @Test
    void disassembleStartsWithTheArchitectureCheck() {
        assertThat(run("essential", "--disassemble")).isZero();
        // index padded to the program's length, which depends on the profile
        assertThat(out.toString().stripLeading()).startsWith("0: ld [4]  ; arch");
    }
}
