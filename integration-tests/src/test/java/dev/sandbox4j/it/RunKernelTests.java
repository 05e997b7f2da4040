package dev.sandbox4j.it;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Entry point of the child JVM that {@link UnprivilegedKernelTest} starts as uid 65534: runs the test
 * classes named as arguments ({@link SandboxKernelTest} when none) and prints JUnit's summary. Exit status 0
 * only if tests ran and none failed.
 */
public final class RunKernelTests {
    private RunKernelTests() {}

    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request();
        if (args.length == 0) {
            builder.selectors(selectClass(SandboxKernelTest.class));
        }
        for (String suite : args) {
            builder.selectors(selectClass(suite));
        }
        LauncherDiscoveryRequest request = builder.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printTo(out);
        summary.printFailuresTo(out, 30);
        out.println("RESULT succeeded=" + summary.getTestsSucceededCount() + " failed=" + summary.getTotalFailureCount()
                + " skipped=" + summary.getTestsSkippedCount() + " aborted=" + summary.getTestsAbortedCount());
        out.flush();
        System.exit(summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
