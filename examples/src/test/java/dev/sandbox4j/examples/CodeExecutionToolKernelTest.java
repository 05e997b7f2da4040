package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.UsageSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The code-execution tool against the real kernel: files in, lines as they come, usage, files out. */
class CodeExecutionToolKernelTest {
    @Test
    void aSnippetReadsItsFilesStreamsItsLinesAndLeavesAFile() throws Exception {
        String snippet = String.join(
                "\n",
                "import sys",
                "words = open('words.txt').read().split()",
                "for w in words:",
                "    print(w.upper())",
                "    sys.stdin.read(0)",
                "    x = [0] * 2_000_000", // some memory to see in the usage
                "open('/output/result.txt', 'w').write(','.join(sorted(words)))");
        List<String> streamed = new ArrayList<>();
        try (CodeExecutionTool tool = new CodeExecutionTool(Duration.ofSeconds(1))) {
            CodeExecutionTool.Execution e =
                    tool.execute(snippet, Map.of("words.txt", "pear apple fig\n"), streamed::add);
            assertThat(e.status()).as(e.stderr()).isEqualTo(RunStatus.EXITED);
            assertThat(e.exitCode()).isZero();
            assertThat(streamed).containsExactly("PEAR", "APPLE", "FIG");
            assertThat(e.files().get(CodeExecutionTool.OUTPUT).text()).isEqualTo("apple,fig,pear");
            if (e.usage() != null) { // taken while it ran; a fast snippet may have ended before every line was read
                assertThat(e.usage().source()).isIn(UsageSource.CGROUP, UsageSource.PROC);
            }
        }
    }

    @Test
    void aSnippetThatTriesToReachTheNetworkOrLoopsForeverIsStopped() throws Exception {
        try (CodeExecutionTool tool = new CodeExecutionTool(Duration.ofSeconds(1))) {
            CodeExecutionTool.Execution loop = tool.execute("while True: pass", Map.of(), line -> {});
            assertThat(loop.status()).isEqualTo(RunStatus.CPU_TIME_LIMIT);
            CodeExecutionTool.Execution net = tool.execute(
                    String.join(
                            "\n",
                            "import socket",
                            "try:",
                            "    socket.create_connection(('1.1.1.1', 53), timeout=2)",
                            "    print('connected')",
                            "except OSError as e:",
                            "    print('refused', e.errno)"),
                    Map.of(),
                    line -> {});
            assertThat(net.lines()).hasSize(1).first().asString().startsWith("refused");
        }
    }
}
