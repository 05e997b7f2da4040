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
}
