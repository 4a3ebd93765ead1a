package org.pluginscheduler.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of the scheduler's counters, as shown by {@code task:stats}.
 *
 * @param since          when the counters started (the scheduler's start)
 * @param runsByStatus   finished (and skipped) runs per status since then
 * @param lag            fire lag (start − scheduled time) of recent scheduled runs
 * @param pools          the worker pools
 * @param stuckRuns      runs that timed out and ignored interruption, still holding a thread
 * @param pendingRetries retries waiting for their delay to pass, and submissions planned for later
 * @param heldLocks      named locks held right now
 * @param paused         whether the whole scheduler is paused
 * @param executing      whether an execution service ({@code RunExecutor}) is available; while none is, fires
 *                       are held, not run
 * @param heldRuns       runs waiting for an execution service to return (scheduled fires missed meanwhile follow
 *                       their misfire policy and are not counted here)
 * @param history        the run history the task store keeps and how far its pruning is behind; empty if the store
 *                       does not say (since 1.2)
 * @param owners         per pool, each owner that holds threads of it or has runs waiting for it, ordered by pool
 *                       then owner; empty if the execution service does not say (since 1.3)
 * @param providerProblems task providers whose task list could not be read in time, oldest first; empty if none
 *                       (since 1.3)
 * @since 1.1
 */
public record SchedulerStats(Instant since, Map<RunStatus, Long> runsByStatus, Lag lag, List<Pool> pools,
                             int stuckRuns, int pendingRetries, int heldLocks, boolean paused, boolean executing,
                             int heldRuns, Optional<History> history, List<OwnerUsage> owners,
                             List<ProviderProblem> providerProblems) {

    public SchedulerStats {
        Objects.requireNonNull(since, "since");
        runsByStatus = Map.copyOf(runsByStatus);
        Objects.requireNonNull(lag, "lag");
        pools = List.copyOf(pools);
        Objects.requireNonNull(history, "history");
        owners = List.copyOf(owners);
        providerProblems = List.copyOf(providerProblems);
    }

    /** The 1.2 form: the execution service says nothing about owners, and no provider problems. */
    public SchedulerStats(Instant since, Map<RunStatus, Long> runsByStatus, Lag lag, List<Pool> pools, int stuckRuns,
                          int pendingRetries, int heldLocks, boolean paused, boolean executing, int heldRuns,
                          Optional<History> history) {
        this(since, runsByStatus, lag, pools, stuckRuns, pendingRetries, heldLocks, paused, executing, heldRuns,
                history, List.of(), List.of());
    }

    /** The 1.1 form: the store says nothing about its history. */
    public SchedulerStats(Instant since, Map<RunStatus, Long> runsByStatus, Lag lag, List<Pool> pools, int stuckRuns,
                          int pendingRetries, int heldLocks, boolean paused, boolean executing, int heldRuns) {
        this(since, runsByStatus, lag, pools, stuckRuns, pendingRetries, heldLocks, paused, executing, heldRuns,
                Optional.empty());
    }

    /** The 1.0 form: an execution service is available and no run is held. */
    public SchedulerStats(Instant since, Map<RunStatus, Long> runsByStatus, Lag lag, List<Pool> pools, int stuckRuns,
                          int pendingRetries, int heldLocks, boolean paused) {
        this(since, runsByStatus, lag, pools, stuckRuns, pendingRetries, heldLocks, paused, true, 0);
    }

    /**
     * The run history a task store keeps, and how far its pruning is behind.
     *
     * @param store          where the history is, e.g. {@code database file ./data/scheduler.mv.db} or {@code memory}
     * @param maxRunsPerTask each task keeps at most this many finished runs
     * @param maxAge         finished runs that ended longer ago are pruned; empty if the store has no age limit
     * @param pruned         runs pruned since the store started
     * @param lastPass       when the last full pruning pass started; empty before the first (or if the store prunes
     *                       as it writes)
     * @param lastPassTook   how long that pass took
     * @param behind         runs pruning found beyond the limits and has not deleted yet, plus runs recorded since
     *                       pruning last read their task: at most this many runs are held beyond the limits, once
     *                       pruning has read every task since the store started (runs held from before the start
     *                       count from then on); 0 for a store that prunes as it writes
     * @param mostBehind     the same, for the one task with the most
     * @param sizeBytes      the bytes the store occupies on disk; -1 if it is not on this machine's disk
     * @since 1.2
     */
    public record History(String store, int maxRunsPerTask, Optional<Duration> maxAge, long pruned,
                          Optional<Instant> lastPass, Duration lastPassTook, long behind, long mostBehind,
                          long sizeBytes) {
        public History {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(maxAge, "maxAge");
            Objects.requireNonNull(lastPass, "lastPass");
            Objects.requireNonNull(lastPassTook, "lastPassTook");
        }
    }

    /**
     * Fire lag percentiles over the most recent scheduled runs (at most {@code window} of them).
     *
     * @param samples how many runs the percentiles cover
     */
    public record Lag(int samples, Duration p50, Duration p90, Duration p99, Duration max) {
        public Lag {
            Objects.requireNonNull(p50, "p50");
            Objects.requireNonNull(p90, "p90");
            Objects.requireNonNull(p99, "p99");
            Objects.requireNonNull(max, "max");
        }
    }

    /**
     * One worker pool.
     *
     * @param priority the priority it serves
     * @param threads  its configured size
     * @param active   threads running task code now
     * @param queued   runs waiting for a thread
     * @param extra    threads added to replace workers held by stuck runs
     */
    public record Pool(Priority priority, int threads, int active, int queued, int extra) {
        public Pool {
            Objects.requireNonNull(priority, "priority");
        }
    }

    /**
     * One owner's use of one worker pool. An owner ({@link TaskId#owner()}: a plugin bundle's symbolic name, or
     * {@code config}) may hold at most {@code share} threads of a pool at once; its further runs wait in its own
     * queue while other owners' runs go on.
     *
     * @param owner    the owner the runs count against
     * @param priority the pool
     * @param running  threads of the pool its runs hold now (about to start, running, or stuck)
     * @param queued   its runs accepted and waiting for a thread: because it holds its share, or because the pool is
     *                 busy
     * @param stuck    of {@code running}, runs declared stuck (past their timeout, ignoring interruption): they no
     *                 longer take a thread from the pool (it got a replacement) but still count against the owner's
     *                 share until their thread returns, also after the owner's bundle is gone
     * @param share    the most threads of the pool this owner may hold at once
     * @since 1.3
     */
    public record OwnerUsage(String owner, Priority priority, int running, int queued, int stuck, int share) {
        public OwnerUsage {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(priority, "priority");
        }
    }
}
