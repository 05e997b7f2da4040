package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.PrivilegeMode;
import dev.sandbox4j.examples.OnlineJudge.Language;
import dev.sandbox4j.examples.OnlineJudge.Limits;
import dev.sandbox4j.examples.OnlineJudge.Verdict;
import dev.sandbox4j.exec.Sandbox;
import dev.sandbox4j.exec.SandboxConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The judge against the real kernel: every verdict from a submission written to earn it. */
class OnlineJudgeKernelTest {
    private static final Limits C_LIMITS = new Limits(Duration.ofSeconds(1), Duration.ofSeconds(5), 64L << 20);
    private static OnlineJudge judge;

    @BeforeAll
    static void judge() throws Exception {
        judge = new OnlineJudge();
    }

    @AfterAll
    static void closeJudge() throws Exception {
        judge.close();
    }

    private static List<Verdict> verdicts(Language language, String source, Limits limits) throws Exception {
        OnlineJudge.Judgement j = judge.judge(language, source, OnlineJudge.sumProblem(), limits);
        System.out.println("[judged] " + j.cases());
        return j.cases().stream().map(OnlineJudge.CaseResult::verdict).toList();
    }

    private static String c(String body) {
        return "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <sys/mount.h>\n"
                + "int main(void) { long a, b; if (scanf(\"%ld %ld\", &a, &b) != 2) return 3; " + body + " }\n";
    }

    @Test
    void aCorrectCProgramIsAccepted() throws Exception {
        assertThat(verdicts(Language.C, c("printf(\"%ld\\n\", a + b); return 0;"), C_LIMITS))
                .containsOnly(Verdict.ACCEPTED)
                .hasSize(3);
    }

    @Test
    void wrongAnswersLoopsCrashesAndForbiddenCallsGetTheirVerdicts() throws Exception {
        assertThat(verdicts(Language.C, c("printf(\"%ld\\n\", a - b); return 0;"), C_LIMITS))
                .contains(Verdict.WRONG_ANSWER);
        assertThat(verdicts(Language.C, c("for (;;) a++; return (int) a;"), C_LIMITS))
                .containsOnly(Verdict.TIME_LIMIT);
        assertThat(verdicts(Language.C, c("int *p = 0; *p = (int) a; return 0;"), C_LIMITS))
                .containsOnly(Verdict.RUNTIME_ERROR);
        assertThat(verdicts(
                        Language.C,
                        c("mount(\"none\", \"/tmp\", \"tmpfs\", 0, 0); printf(\"%ld\\n\", a + b); " + "return 0;"),
                        C_LIMITS))
                .containsOnly(Verdict.SECURITY_VIOLATION);
        assertThat(verdicts(Language.C, "int main(void) { return syntax error; }", C_LIMITS))
                .containsExactly(Verdict.COMPILE_ERROR);
    }

    @Test
    void memoryBeyondTheCaseLimitIsMemoryLimitWhereACgroupHoldsIt() throws Exception {
        // Every page written through a volatile pointer, which the compiler cannot leave out.
        List<Verdict> v = verdicts(
                Language.C,
                c(
                        "size_t n = 200u << 20; volatile char *m = malloc(n); if (!m) return 4; "
                                + "for (size_t i = 0; i < n; i += 4096) m[i] = 1; printf(\"%ld\\n\", a + b + m[4096] - 1); return 0;"),
                C_LIMITS);
        boolean cgroup;
        try (Sandbox probe = Sandbox.create(SandboxConfig.builder().build())) {
            cgroup = probe.config().mode() == PrivilegeMode.PRIVILEGED;
        }
        // Without a cgroup the limit is RLIMIT_DATA: malloc fails and the program says so with its exit code.
        assertThat(v).containsOnly(cgroup ? Verdict.MEMORY_LIMIT : Verdict.RUNTIME_ERROR);
    }

    @Test
    void aJavaSubmissionIsCompiledAndAccepted() throws Exception {
        String source = "import java.util.Scanner;\npublic class Main { public static void main(String[] a) {"
                + " Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n";
        assertThat(verdicts(
                        Language.JAVA, source, new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 512L << 20)))
                .containsOnly(Verdict.ACCEPTED)
                .hasSize(3);
    }
}
