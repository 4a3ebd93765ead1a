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
 * Prunes run history in the background, on a thread of its own: first {@link #FIRST_DELAY} after the schedule is
 * set (so soon after the store opens, yet off the activation thread), then every prune interval: runs that ended
 * more than the maximum age ago, and runs beyond the newest {@code max.runs.per.task} of each task. (Pruning only
 * one interval after start meant that a runtime restarted more often than the interval never pruned.) A failed
 * pruning is logged and tried again at the next interval. Callers of the store never wait for it beyond the few
 * milliseconds one deletion chunk holds the writer.
 */
final class RetentionPruner implements AutoCloseable {

    /** What to prune, read afresh at every pruning. */
    record Retention(Supplier<TaskStore> store, Duration maxAge, int maxRunsPerTask) {
    }

    /** How long after the schedule is first set the first pruning runs. */
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(RetentionPruner.class);

    private final Clock clock;
    private final Supplier<Retention> retention;
    private final ScheduledExecutorService executor;
    private final Duration firstDelay;
    private ScheduledFuture<?> schedule; // guarded by this
    private Duration interval; // guarded by this
    private volatile boolean pruningStarted;

    RetentionPruner(Clock clock, Supplier<Retention> retention) {
        this(clock, retention, FIRST_DELAY, defaultExecutor());
    }

    /** @return the pruner's own thread, a daemon named {@code h2-task-store-pruner} */
    static ScheduledExecutorService defaultExecutor() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "h2-task-store-pruner");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param firstDelay how long after {@link #every} is first called the first pruning runs
     * @param executor   runs the prunings; closed by {@link #close}
     */
    RetentionPruner(Clock clock, Supplier<Retention> retention, Duration firstDelay,
                    ScheduledExecutorService executor) {
        this.clock = clock;
        this.retention = retention;
        this.firstDelay = firstDelay;
        this.executor = executor;
    }

    /**
     * Prunes every {@code newInterval}; a no-op if it is unchanged. Until the first pruning has started, the next
     * one is {@code firstDelay} from now (at most one interval); after it, a changed interval applies from one new
     * interval after the change.
     */
    synchronized void every(Duration newInterval) {
        if (newInterval.equals(interval)) {
            return;
        }
        long millis = newInterval.toMillis();
        long first = pruningStarted ? millis : Math.min(firstDelay.toMillis(), millis);
        if (schedule != null) {
            schedule.cancel(false);
        }
        interval = newInterval;
        schedule = executor.scheduleWithFixedDelay(this::pruneLogged, first, millis, TimeUnit.MILLISECONDS);
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
        pruningStarted = true;
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
