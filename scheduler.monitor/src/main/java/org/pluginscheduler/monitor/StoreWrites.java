package org.pluginscheduler.monitor;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the task store takes writes, as the scheduler's own writes show (observed: {@link RunMeters}): after a
 * failed write, until one succeeds, the store is failing; the health check says so with the error.
 */
final class StoreWrites {

    /** The last write's outcome: {@code null} if it succeeded (or none was made), else its failure. */
    private final AtomicReference<String> failing = new AtomicReference<>();

    void succeeded() {
        failing.set(null);
    }

    void failed(int records, String error) {
        failing.set("a write of " + records + " row(s) failed: " + error);
    }

    /** @return why the last store write failed, if no write succeeded since */
    Optional<String> failing() {
        return Optional.ofNullable(failing.get());
    }
}
