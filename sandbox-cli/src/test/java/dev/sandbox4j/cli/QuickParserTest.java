package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.InvalidConfigException;
import dev.sandbox4j.exec.host.SystemCapabilities;
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
        "--network user --allow 10.1.0.0/16 --allow 192.168.1.5:8080 --allow-host pypi.org:443 --publish 8080:80 curl",
        "--network=host --no-proc sh",
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

    /** Random lines from a vocabulary that mixes the usual with the tricky: whatever the quick parser takes,
     * picocli must take too, and read the same way. */
    @Test
    void whatItTakesPicocliTakesAndReadsTheSameWay() {
        String[] words = {"-m", "--memory", "64M", "-m=1G", "--memory=2G", "-c", "50", "--cpu=none", "-t", "2s",
            "-P", "moderate", "-vP", "-v", "--verbose", "-s", "minimal", "--pids", "8", "-e", "A=1", "--env=B",
            "--bind", "/srv", "--ro-bind=/usr:/u", "--tmpfs", "/t:1M", "--rw", "--host-fs", "-i", "job", "--mode",
            "privileged", "-w", "/w", "--report", "-", "--", "run", "check", "true", "sh", "-x", "@f", "-h",
            "--nope", "", "0", "none", "--landlock-ro", "/etc"};
        java.util.Random random = new java.util.Random(42);
        int taken = 0;
        for (int i = 0; i < 3000; i++) {
            String[] args = new String[random.nextInt(7)];
            for (int j = 0; j < args.length; j++) {
                args[j] = words[random.nextInt(words.length)];
            }
            SandboxCtl quick = new SandboxCtl();
            if (!quick.parseQuickly(args)) {
                continue;
            }
            taken++;
            String line = String.join(" ", args);
            RunOptions picocli;
            try {
                picocli = picocli(args);
            } catch (CommandLine.ParameterException e) {
                throw new AssertionError("taken quickly, refused by picocli: " + line, e);
            } catch (InvalidConfigException e) {
                // A combination the options refuse together (e.g. --host-fs with --bind): both paths refuse it.
                assertThatThrownBy(quick::options).as(line).hasMessage(e.getMessage());
                continue;
            }
            assertThat(quick.options()).as(line).isEqualTo(picocli);
        }
        assertThat(taken).as("lines the quick parser took").isGreaterThan(300);
    }
}
