package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.SystemCapabilities;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The quick parser must mean what picocli means, and leave picocli everything it is not sure of. */
class QuickParserTest {
    private static final Supplier<SystemCapabilities> UNUSED = () -> {
        throw new AssertionError("not needed");
    };

    @TempDir
    static Path dir;

    /** What picocli makes of the line: the run options of the command that takes them. */
    private static RunOptions picocli(String... args) {
        CommandLine commandLine = SandboxCtl.commandLine(UNUSED, args);
        ParseResult parsed = commandLine.parseArgs(args);
        SandboxCtl root = commandLine.getCommand();
        CommandLine.Model.CommandSpec command = parsed.hasSubcommand()
                ? parsed.subcommand().commandSpec() : commandLine.getCommandSpec();
        RunOptionsSpec spec = (RunOptionsSpec) command.mixins().get("runOptions").userObject();
        return spec.toRunOptions(root.verbose());
    }

    /** Lines written with spaces between words; "|" stands for an empty word. */
    private static String[] words(String line) {
        String[] words = line.split(" ");
        for (int i = 0; i < words.length; i++) {
            words[i] = words[i].replace("|", "").replace("DIR", dir.toString());
        }
        return words;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/bin/true",
        "-- /bin/true",
        "run /bin/true",
        "run -v -m 64M -- check",
        "-v -P moderate -m 1.5G -c 50% -t 1.5s -s io-heavy --pids 64 -i job-1 --mode unprivileged -w /work "
                + "--report - -- python3 -c print(1)",
        "--memory=512M --timeout=2m --seccomp=minimal --id=job-2 --report=- sh -c exit",
        "--cpu=none --pids none -m none -t none true",
        "-e A=1 --env HOME -e B= -e C=x=y env",
        "--bind DIR --ro-bind /usr:/opt/usr --bind DIR:/data --tmpfs /scratch:64M --overlay DIR:/o ls",
        "--landlock-ro /usr --landlock-rw /tmp --landlock-ro /etc cat",
        "-r DIR --rw sh",
        "--host-fs sh",
        "grep -m 1 --memory x -- -v",
        "-- -x",
        "-- check --help",
        "- true",
        "true @notafile-but-after-program",
    })
    void parsesTheUsualLinesAsPicocliDoes(String line) {
        String[] args = words(line);
        SandboxCtl quick = new SandboxCtl();
        if (line.contains("@")) {
            assertThat(quick.parseQuickly(args)).as("@ anywhere goes to picocli").isFalse();
            return;
        }

        assertThat(quick.parseQuickly(args)).as("parsed quickly").isTrue();
        assertThat(quick.options()).isEqualTo(picocli(args));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                       // missing PROGRAM: picocli's usage error
        "-m 64M",
        "-m 64M --",
        "--help",
        "-h",
        "-V",
        "--version",
        "run --help",
        "check",
        "profiles",
        "seccomp minimal",
        "-v check",               // a subcommand after an option
        "-vP moderate true",      // clustered short options
        "-m512M true",            // value attached to a short option
        "-m=512M true",
        "--rw=true sh",           // a flag with a value
        "-m 64M -m 128M true",    // a single option given twice
        "--rw --rw sh",
        "-m -5 true",             // a value that looks like an option
        "--id --rw true",
        "-m 0 true",              // a value the converter refuses: picocli words the error
        "--tmpfs relative true",
        "-i | true",
        "--nope true",            // unknown options
        "--memory",
        "@args",
        "-m 64M @args",
        "true @args",
    })
    void declinesEverythingElse(String line) {
        String[] args = line.isEmpty() ? new String[0] : words(line);

        assertThat(new SandboxCtl().parseQuickly(args)).isFalse();
    }

    @Test
    void aDeclinedLineIsParsedAndReportedByPicocli() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = SandboxCtl.execute(UNUSED, new PrintWriter(out, true), new PrintWriter(err, true),
                "-m", "64M", "-m", "1G", "true");

        assertThat(status).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).isEqualTo("sandbox-ctl: option '--memory' (SIZE) should be specified only once "
                + "(see sandbox-ctl --help)" + System.lineSeparator());
    }

    @Test
    void aRefusedValueIsWordedAsBefore() {
        StringWriter err = new StringWriter();

        int status = SandboxCtl.execute(UNUSED, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "--pids", "2", "true");

        assertThat(status).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("sandbox-ctl: invalid --pids '2': below the minimum of 3");
    }
}
