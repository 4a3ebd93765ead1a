package org.pluginscheduler.execution;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Timer}: one daemon thread, {@value #THREAD_NAME}, that only fires deadlines, stuck checks
 * and the shutdown's waits; task code never runs on it.
 */
final class ThreadTimer implements Timer, AutoCloseable {

    static final String THREAD_NAME = "task-deadline-watch";

    private static final Logger LOG = LoggerFactory.getLogger(ThreadTimer.class);

    private final ScheduledThreadPoolExecutor executor;

    ThreadTimer() {
        executor = new ScheduledThreadPoolExecutor(1, action -> {
            Thread thread = new Thread(action, THREAD_NAME);
            thread.setDaemon(true);
            // a deadline must fire on time even when the pools' threads keep every core busy
            thread.setPriority(Thread.MAX_PRIORITY);
            return thread;
        });
        // a cancelled deadline (the common case: the run returned in time) must not stay queued until it is due
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable action) {
        ScheduledFuture<?> future = executor.schedule(() -> {
            try {
                action.run();
            } catch (RuntimeException | Error e) { // the one watch thread must survive whatever an action does
                LOG.error("A deadline watch action failed; the watch goes on", e);
            }
        }, nanos(delay), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    /** @return the delay in nanoseconds; a delay beyond ~292 years (no real deadline) is capped, not overflowed */
    static long nanos(Duration delay) {
        if (delay.isNegative()) {
            return 0;
        }
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Stops the thread; actions not yet due never run. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
