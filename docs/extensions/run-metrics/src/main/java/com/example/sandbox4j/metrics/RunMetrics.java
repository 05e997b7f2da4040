package com.example.sandbox4j.metrics;

import dev.sandbox4j.exec.RunListener;
import dev.sandbox4j.exec.RunStatus;
import dev.sandbox4j.exec.SandboxResult;
import dev.sandbox4j.exec.SeccompViolation;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link RunListener} that keeps the metrics a sandbox service watches and exports them in the Prometheus text
 * format ({@link #scrape()}): runs by verdict, runs in flight, limits reached, seccomp violations by system call,
 * and histograms of the time to start the program and of the whole run. Thread-safe; callbacks only add to
 * counters, so the runs they come from never wait on it.
 *
 * <pre>{@code
 * RunMetrics metrics = new RunMetrics("judge");
 * try (Sandbox sandbox = Sandbox.create(config, metrics)) { ... }
 * httpServer.route("/metrics", () -> metrics.scrape());
 * }</pre>
 */
public final class RunMetrics implements RunListener {
    /** Upper bounds of the histogram buckets, in seconds (the last one, +Inf, is implied). */
    static final double[] BUCKETS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60};

    private final String prefix;
    private final ConcurrentMap<RunStatus, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final ConcurrentMap<RunStatus, LongAdder> limits = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> violations = new ConcurrentHashMap<>();
    private final LongAdder failedWithoutVerdict = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final Histogram startLatency = new Histogram();
    private final Histogram runDuration = new Histogram();

    /** Metrics whose names start with {@code prefix_sandbox_}; the prefix must be a Prometheus name. */
    public RunMetrics(String prefix) {
        if (!prefix.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            throw new IllegalArgumentException("metric prefix '" + prefix + "' is not a Prometheus name "
                    + "(letters, digits and '_', not starting with a digit)");
        }
        this.prefix = prefix + "_sandbox_";
    }

    @Override
    public void runStarted(Run run) {
        inFlight.incrementAndGet();
    }

    @Override
    public void programStarted(Run run, Duration sinceStart) {
        startLatency.observe(sinceStart);
    }

    @Override
    public void limitReached(Run run, Duration sinceStart, RunStatus limit) {
        count(limits, limit);
    }

    @Override
    public void seccompViolation(Run run, Duration sinceStart, SeccompViolation violation) {
        violations.computeIfAbsent(violation.syscall(), k -> new LongAdder()).increment();
    }

    @Override
    public void runEnded(Run run, Duration sinceStart, SandboxResult result) {
        inFlight.decrementAndGet();
        runDuration.observe(sinceStart);
        count(byStatus, result.status());
    }

    @Override
    public void runFailed(Run run, Duration sinceStart, Throwable failure) {
        inFlight.decrementAndGet();
        runDuration.observe(sinceStart);
        RunStatus.of(failure).ifPresentOrElse(status -> count(byStatus, status), failedWithoutVerdict::increment);
    }

    /** Runs that ended with {@code status} so far (setup failures and aborted runs included). */
    public long runs(RunStatus status) {
        LongAdder n = byStatus.get(status);
        return n == null ? 0 : n.sum();
    }

    /** Runs asked for whose end has not been heard yet. */
    public long inFlight() {
        return inFlight.get();
    }

    /** Violations of {@code syscall} seen so far. */
    public long violations(String syscall) {
        LongAdder n = violations.get(syscall);
        return n == null ? 0 : n.sum();
    }

    /** Everything, in the Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        StringBuilder out = new StringBuilder();
        header(out, "runs_total", "counter", "Runs ended, by verdict (SandboxResult.status()).");
        for (RunStatus status : RunStatus.values()) {
            sample(out, "runs_total", "status", status.name().toLowerCase(), runs(status));
        }
        header(out, "runs_unjudged_total", "counter", "Runs that ended without a verdict (an invalid request, an "
                + "interrupt).");
        sample(out, "runs_unjudged_total", null, null, failedWithoutVerdict.sum());
        header(out, "runs_in_flight", "gauge", "Runs started and not yet ended.");
        sample(out, "runs_in_flight", null, null, inFlight());
        header(out, "limits_reached_total", "counter", "Limits reached while a program ran, by limit.");
        for (RunStatus limit : new RunStatus[] {RunStatus.TIMEOUT, RunStatus.CPU_TIME_LIMIT, RunStatus.MEMORY_LIMIT}) {
            LongAdder n = limits.get(limit);
            sample(out, "limits_reached_total", "limit", limit.name().toLowerCase(), n == null ? 0 : n.sum());
        }
        header(out, "seccomp_violations_total", "counter", "System calls refused by a run's profile, by name.");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(violations).entrySet()) {
            sample(out, "seccomp_violations_total", "syscall", e.getKey(), e.getValue().sum());
        }
        startLatency.write(out, this, "program_start_seconds", "Time from the request to the program's exec.");
        runDuration.write(out, this, "run_duration_seconds", "Time from the request to the end of everything.");
        return out.toString();
    }

    private void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(prefix).append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(prefix).append(name).append(' ').append(type).append('\n');
    }

    private void sample(StringBuilder out, String name, String label, String value, Object number) {
        out.append(prefix).append(name);
        if (label != null) {
            out.append('{').append(label).append("=\"").append(value).append("\"}");
        }
        out.append(' ').append(number).append('\n');
    }

    private static void count(ConcurrentMap<RunStatus, LongAdder> counts, RunStatus status) {
        counts.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    /** A cumulative histogram with fixed buckets, as Prometheus expects. */
    private static final class Histogram {
        private final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
        private final LongAdder count = new LongAdder();
        private final LongAdder sumNanos = new LongAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(Duration d) {
            double seconds = d.toNanos() / 1e9;
            int i = 0;
            while (i < BUCKETS.length && seconds > BUCKETS[i]) {
                i++;
            }
            buckets[i].increment();
            count.increment();
            sumNanos.add(d.toNanos());
        }

        void write(StringBuilder out, RunMetrics m, String name, String help) {
            m.header(out, name, "histogram", help);
            long cumulative = 0;
            for (int i = 0; i < buckets.length; i++) {
                cumulative += buckets[i].sum();
                String le = i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf";
                m.sample(out, name + "_bucket", "le", le, cumulative);
            }
            m.sample(out, name + "_sum", null, null, sumNanos.sum() / 1e9);
            m.sample(out, name + "_count", null, null, count.sum());
        }
    }
}
