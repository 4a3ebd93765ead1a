package org.pluginscheduler.store.h2;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes run history in the background, on a thread of its own, in two ways:
 * <ul>
 * <li>a full pass, first {@link #FIRST_DELAY} after the schedule is set (so soon after the store opens, yet off the
 * activation thread), then every prune interval: in every task, runs that ended more than the maximum age ago and
 * runs beyond the newest {@code max.runs.per.task}. (Pruning only one interval after start meant that a runtime
 * restarted more often than the interval never pruned.)</li>
 * <li>every {@link #BUSY_CHECK}, the busy tasks only: those that recorded a quarter of their cap or more since
 * their runs were last pruned ({@link H2TaskStore#pruneBusyTasks}). So a task's history stays within about 1.25×
 * its cap whatever its rate and the interval, and the file holds what the retention settings say, not an hour of
 * runs of the busiest tasks.</li>
 * </ul>
 * A failed pruning is logged and tried again at the next turn. Callers of the store wait for it at most one
 * deletion chunk's share of a commit. A chunk is twice the runs recorded since the previous one
 * ({@link H2TaskStore#PRUNE_RATIO}; at least 1,000, at most 50,000, which the store-level probe measured at up to
 * a second on a loaded machine), including the runs recorded while pruning read the task's index: so recording
 * slows to what the writer can both store and delete, and a busy store's chunks are larger than its idle ones.
 */
final class RetentionPruner implements AutoCloseable {

    /** What to prune, read afresh at every pruning. */
    record Retention(Supplier<TaskStore> store, Duration maxAge, int maxRunsPerTask) {
    }

    /** How long after the schedule is first set the first pruning runs. */
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);
    /** How often busy tasks are pruned. */
    static final Duration BUSY_CHECK = Duration.ofSeconds(2);

    /**
     * The last full pass, for {@code task:stats} (the store counts the runs pruned).
     *
     * @param lastPass     when the last full pass started, if one did
     * @param lastPassTook how long it took
     */
    record Progress(Optional<Instant> lastPass, Duration lastPassTook) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RetentionPruner.class);

    private final Clock clock;
    private final Supplier<Retention> retention;
    private final ScheduledExecutorService executor;
    private final Duration firstDelay;
    private ScheduledFuture<?> schedule; // guarded by this
    private Duration interval; // guarded by this
    private ScheduledFuture<?> busy; // guarded by this
    private volatile boolean pruningStarted;
    private volatile Progress progress = new Progress(Optional.empty(), Duration.ZERO);

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
        if (busy == null) {
            long check = BUSY_CHECK.toMillis();
            busy = executor.scheduleWithFixedDelay(this::pruneBusyLogged, check, check, TimeUnit.MILLISECONDS);
        }
    }

    /** @return what pruning has done so far */
    Progress progress() {
        return progress;
    }

    /** @return how many runs one full pass removed, now, on the calling thread */
    int pruneNow() {
        Retention r = retention.get();
        Instant start = clock.instant();
        long t0 = System.nanoTime();
        Instant endedBefore = start.minus(r.maxAge());
        int removed = r.store().get().pruneRuns(endedBefore, r.maxRunsPerTask());
        progress = new Progress(Optional.of(start), Duration.ofNanos(System.nanoTime() - t0));
        if (removed > 0) {
            LOG.info("Pruned {} runs that ended before {} or were beyond the newest {} of their task", removed,
                    endedBefore, r.maxRunsPerTask());
        }
        return removed;
    }

    /** @return how many runs of busy tasks were removed, now, on the calling thread (0 unless the store is H2's) */
    int pruneBusyNow() {
        Retention r = retention.get();
        if (!(r.store().get() instanceof H2TaskStore store)) {
            return 0;
        }
        int keep = r.maxRunsPerTask();
        int removed = store.pruneBusyTasks(clock.instant().minus(r.maxAge()), keep, Math.max(1, keep / 4));
        if (removed > 0) {
            LOG.debug("Pruned {} runs of busy tasks beyond the newest {} of their task", removed, keep);
        }
        return removed;
    }

    private void pruneBusyLogged() {
        if (!pruningStarted) {
            return; // the first full pass comes first: it also deletes what piled up while the runtime was down
        }
        try {
            pruneBusyNow();
        } catch (StoreClosedException e) {
            LOG.debug("Pruning stopped: the store closed", e);
        } catch (RuntimeException | LinkageError | AssertionError e) { // a thrown one would cancel the schedule
            LOG.warn("Pruning the runs of busy tasks failed; it is tried again: {}", e.getMessage(), e);
        }
    }

    private void pruneLogged() {
        pruningStarted = true;
        try {
            pruneNow();
        } catch (StoreClosedException e) {
            LOG.debug("Pruning stopped: the store closed", e);
        } catch (RuntimeException | LinkageError | AssertionError e) { // a thrown one would cancel the schedule
            LOG.error("Pruning run history failed; it is tried again at the next interval: {}", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
