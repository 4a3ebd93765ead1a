package org.pluginscheduler.store.h2;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes run history in the background, on a thread of its own, every prune interval: runs that ended more than
 * the maximum age ago, and runs beyond the newest {@code max.runs.per.task} of each task. A failed pruning is
 * logged and tried again at the next interval. Callers of the store never wait for it beyond the few
 * milliseconds one deletion chunk holds the writer.
 */
final class RetentionPruner implements AutoCloseable {

    /** What to prune, read afresh at every pruning. */
    record Retention(Supplier<TaskStore> store, Duration maxAge, int maxRunsPerTask) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RetentionPruner.class);

    private final Clock clock;
    private final Supplier<Retention> retention;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> schedule; // guarded by this
    private Duration interval; // guarded by this

    RetentionPruner(Clock clock, Supplier<Retention> retention) {
        this.clock = clock;
        this.retention = retention;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "h2-task-store-pruner");
            t.setDaemon(true);
            return t;
        });
    }

    /** Prunes every {@code newInterval}, the first time one interval from now; a no-op if it is unchanged. */
    synchronized void every(Duration newInterval) {
        if (newInterval.equals(interval)) {
            return;
        }
        if (schedule != null) {
            schedule.cancel(false);
        }
        interval = newInterval;
        long millis = newInterval.toMillis();
        schedule = executor.scheduleWithFixedDelay(this::pruneLogged, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** @return how many runs one pruning removed, now, on the calling thread */
    int pruneNow() {
        Retention r = retention.get();
        Instant endedBefore = clock.instant().minus(r.maxAge());
        int removed = r.store().get().pruneRuns(endedBefore, r.maxRunsPerTask());
        if (removed > 0) {
            LOG.info("Pruned {} runs that ended before {} or were beyond the newest {} of their task", removed,
                    endedBefore, r.maxRunsPerTask());
        }
        return removed;
    }

    private void pruneLogged() {
        try {
            pruneNow();
        } catch (StoreClosedException e) {
            LOG.debug("Pruning stopped: the store closed", e);
        } catch (RuntimeException e) { // a thrown exception would cancel the schedule
            LOG.error("Pruning run history failed; it is tried again at the next interval: {}", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
