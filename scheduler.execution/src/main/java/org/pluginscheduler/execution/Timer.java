package org.pluginscheduler.execution;

import java.time.Duration;

/**
 * Where {@link RunPools} gets its sense of time: deadlines, stuck delays and the shutdown's waits. Production uses
 * {@link ThreadTimer}; tests use a manual timer that runs due actions when the test advances it, so no test sleeps.
 *
 * <p>An action must be quick and must not block: it runs on the timer's own thread. {@link #schedule} and
 * {@link Cancellable#cancel} may be called while the caller holds its own lock, which an action may take: an
 * implementation must never run an action while holding a lock that {@code schedule} or {@code cancel} need.
 */
@FunctionalInterface
interface Timer {

    /**
     * Runs {@code action} once, {@code delay} from now.
     *
     * @param delay not negative
     * @return a handle to cancel it
     * @throws java.util.concurrent.RejectedExecutionException if the timer was closed
     */
    Cancellable schedule(Duration delay, Runnable action);

    /** A scheduled action. */
    @FunctionalInterface
    interface Cancellable {
        /** Makes sure the action does not run if it has not started; a no-op afterwards. */
        void cancel();
    }
}
