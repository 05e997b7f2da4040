package dev.sandbox4j.exec;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** A sandboxed run in a JFR recording: from the request to the result, with its verdict and figures. */
@Name("dev.sandbox4j.Run")
@Label("Sandboxed Run")
@Category("sandbox4j")
@Description("One program run in a sandbox, from the request until everything of it was gone")
final class RunJfrEvent extends Event {
    @Label("Sandbox Id")
    String sandboxId;

    @Label("Command")
    String command;

    @Label("Status")
    @Description("The run's verdict, as in the report: exited, signaled, timeout, cpu_time_limit, ...")
    String status;

    @Label("Exit Code")
    int exitCode;

    @Label("Signal")
    int signal;

    @Label("CPU Time")
    @Timespan(Timespan.NANOSECONDS)
    long cpuTime;

    @Label("Memory Peak")
    @DataAmount(DataAmount.BYTES)
    long memoryPeak;

    @Label("Failure")
    String failure;

    static RunJfrEvent begin(String sandboxId, String command) {
        RunJfrEvent e = new RunJfrEvent();
        e.begin();
        e.sandboxId = sandboxId;
        e.command = command;
        return e;
    }

    void ended(SandboxResult result) {
        end();
        if (shouldCommit()) {
            status = result.status().reportName();
            exitCode = result.exitCode().orElse(-1);
            signal = result.signal().orElse(0);
            cpuTime = result.cpuTime().toNanos();
            memoryPeak = result.memoryPeakBytes();
            commit();
        }
    }

    void failed(Throwable cause) {
        end();
        if (shouldCommit()) {
            status = RunStatus.of(cause).map(RunStatus::reportName).orElse("failed");
            exitCode = -1;
            failure = cause.getMessage();
            commit();
        }
    }
}
