package dev.sandbox4j.bench;

/**
 * One way of running a program, measured against the others. {@link #run()} runs it once, to completion,
 * and throws if it did not succeed: a failing variant must not pass for a fast one.
 */
record Variant(String key, String label, Task task) {
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    void run() throws Exception {
        task.run();
    }

    /** A variant that could not be set up here, with the reason the report gives. */
    record Unavailable(String key, String label, String reason) {}
}
