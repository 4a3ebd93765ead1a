package org.pluginscheduler.execution;

import java.util.function.LongSupplier;

/**
 * Decides which ends of pool threads by an uncaught throwable are logged in full: a task that throws an
 * {@link OutOfMemoryError} ends its thread (the JVM's own handling of it comes after the run's bookkeeping), and a
 * hostile or broken plugin can do that on every run. The first end in a minute is logged with its stack trace; the
 * ones after it are counted, and the count goes into the next full line, at most a minute later. Each run's failure
 * is in its run record and the failure log either way. Thread-safe.
 */
final class ThreadEnds {

    static final long INTERVAL_NANOS = 60_000_000_000L;

    private final LongSupplier nanoTime;
    private boolean any; // guarded by this
    private long loggedAt; // guarded by this
    private int untold; // guarded by this

    ThreadEnds(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * @return -1 if this end is only counted; otherwise log it in full, and the number of ends counted since the
     *         last full line
     */
    synchronized int ended() {
        long now = nanoTime.getAsLong();
        if (any && now - loggedAt < INTERVAL_NANOS) {
            untold++;
            return -1;
        }
        any = true;
        loggedAt = now;
        int told = untold;
        untold = 0;
        return told;
    }
}
