package org.pluginscheduler.monitor;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Whether the task store takes writes, as the scheduler's own writes show (observed: {@link RunMeters}). The store
 * is failing from a failed write until a write succeeds <em>and</em> {@link #REMEMBERED} has passed since the last
 * failure: the scheduler writes several kinds of batches (run records, task states), and one kind succeeding while
 * another keeps failing must not turn the check green between two failures.
 */
final class StoreWrites {

    /** How long a failed write keeps the store failing, whatever succeeds meanwhile. */
    static final Duration REMEMBERED = Duration.ofMinutes(1);

    private final LongSupplier nanoTime;
    private String lastError;
    private long lastFailure;
    private boolean succeededSince = true;

    StoreWrites(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    synchronized void succeeded() {
        succeededSince = true;
    }

    synchronized void failed(int records, String error) {
        lastError = "a write of " + records + " row(s) failed: " + error;
        lastFailure = nanoTime.getAsLong();
        succeededSince = false;
    }

    /** @return why the store is failing: the last failed write's error, while it counts */
    synchronized Optional<String> failing() {
        if (lastError == null) {
            return Optional.empty();
        }
        boolean recent = nanoTime.getAsLong() - lastFailure < REMEMBERED.toNanos();
        return recent || !succeededSince ? Optional.of(lastError) : Optional.empty();
    }
}
