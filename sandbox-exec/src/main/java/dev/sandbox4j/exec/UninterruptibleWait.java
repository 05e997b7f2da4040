package dev.sandbox4j.exec;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting on a monitor for an answer that comes in milliseconds, without giving up on an interrupt: leaving half-way
 * would leave half a launch to clean up. The interrupt is kept for the caller's thread once the wait is over.
 */
final class UninterruptibleWait {
    private UninterruptibleWait() {}

    /**
     * Waits on {@code lock}, which notifies when {@code done} may have changed, until {@code done} holds or {@code
     * nanos} have passed; returns whether it holds. {@code done} is asked holding the lock.
     */
    static boolean until(Object lock, BooleanSupplier done, long nanos) {
        long deadline = System.nanoTime() + nanos;
        boolean interrupted = false;
        try {
            synchronized (lock) {
                while (!done.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return true;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
