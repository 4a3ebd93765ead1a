package org.pluginscheduler.api;

import java.time.Duration;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Observes the scheduler as a whole: finished runs and store writes. For metrics, audit trails and other
 * monitoring; registered through {@link SchedulerAdmin#observe(SchedulerObserver)}, so only an administration tool
 * sees every task's runs.
 *
 * <p>Delivery is asynchronous and never slows the scheduler: each registered observer has its own bounded queue,
 * drained by its own daemon thread, and receives its events in order on that one thread. When an observer falls
 * behind and its queue is full, further events are dropped (and counted, and logged once) rather than waiting.
 * An observer that throws is logged and keeps receiving. Both methods have empty defaults, so an observer overrides
 * only what it needs.
 *
 * @since 1.5
 */
@ConsumerType
public interface SchedulerObserver {

    /**
     * A run reached a final status and was acknowledged (recorded): the store write of its final record returned,
     * so every read path ({@link TaskScheduler#runs}, {@link TaskScheduler#run}) shows it as finished. Called once
     * per run, for every trigger (schedule, manual trigger, call, submission, retry), skipped fires included
     * (under overload the skipped fires of one task may be recorded, and observed, as one {@code SKIPPED} record);
     * each retry is a run of its own. A run that a previous process left running is observed when this process
     * records it {@link RunStatus#ABANDONED}.
     *
     * @param run the run's final record ({@link RunRecord#status()} is final, not {@link RunStatus#RUNNING})
     */
    default void runFinished(RunRecord run) {}

    /**
     * The store wrote one batch (runs finished, pending runs, ...) in {@code took}; {@code records} rows.
     *
     * @param took    how long the store write took, measured by the scheduler around the store call
     * @param records how many rows the batch held
     */
    default void storeWrite(Duration took, int records) {}

    /**
     * A store write failed: the batch was not written (the scheduler logs it as an ERROR and, for run records,
     * keeps the runs in memory as the store's documentation says). A health check can tell from this and
     * {@link #storeWrite} whether the store takes writes now.
     *
     * @param took    how long the failed call took
     * @param records how many rows the batch held
     * @param error   the failure's message (its class name if it has none)
     */
    default void storeWriteFailed(Duration took, int records, String error) {}
}
