package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples as a user starts them: their main methods, against the real kernel. */
class ExampleMainsKernelTest {
    private interface Main {
        void run() throws Exception;
    }

    private static String stdoutOf(Main main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        return text;
    }

    @Test
    void theJudgePrintsAVerdictPerCase(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("sum.c");
        Files.writeString(
                source,
                "#include <stdio.h>\nint main(void) { long a, b; scanf(\"%ld %ld\", &a, &b); "
                        + "printf(\"%ld\\n\", a + b); return 0; }\n");
        String out = stdoutOf(() -> OnlineJudge.main(new String[] {source.toString()}));
        assertThat(out)
                .contains("case 1: ACCEPTED", "case 2: ACCEPTED", "case 3: ACCEPTED")
                .endsWith("ACCEPTED\n");
    }

    @Test
    void theCodeToolStreamsItsSampleAndShowsItsOutputFile() throws Exception {
        String out = stdoutOf(() -> CodeExecutionTool.main(new String[0]));
        assertThat(out)
                .contains("> row 0: alpha", "> row 2: gamma", "status EXITED, exit 0", "/output/result.txt: 3 rows");
    }
}
