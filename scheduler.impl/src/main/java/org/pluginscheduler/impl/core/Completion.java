package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.store.PendingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a run: failure handlers and the retry policy decide what follows ({@link RetryDecider}), the one
 * dead-letter rule ({@link #deadLetter}) applies, and the final record goes to the run recorder together with
 * what follows from it (the retry as a pending run, the dead letter), one transaction in the store, which also
 * removes the run's own pending run. Once stored, the run is acknowledged: counted, its task's state saved, its
 * locks and permit released and whatever follows (the retry, the queued fire, the next catch-up) handed back to the
 * launcher through {@link Followups}. Acknowledged means durable: nothing shows a run as finished before its
 * record is stored. A run with a pending run that is cancelled before it entered task code because its task went
 * away or the scheduler stops is not recorded: it stays accepted ({@link #finish}).
 *
 * <p>Owns the failure handlers (in ranking order) and the run counters. Called by the {@link RunShell} (a run's
 * outcome), the launcher (skipped fires, runs cancelled before they started) and crash recovery (the dead-letter
 * rule); acknowledges on the recorder thread.
 */
final class Completion {

    private static final Logger LOG = LoggerFactory.getLogger(Completion.class);

    /** What the launcher does when a run ends; the completion's only way back into it. */
    interface Followups {
        /** The run leaves its task and releases its locks and permit; a queued fire may start. Under the lock. */
        void release(Execution execution, List<Execution> toDispatch);

        /** @return the pending run of a failed run's retry, due at {@code due} (to be stored with its record) */
        PendingRun retryOf(Execution failed, Instant due);

        /** Arms a retry of a failed run, stored with its record. Under the lock. */
        void retry(Execution failed, PendingRun retry);

        /** A run that never started stays accepted: stored, and kept until its task or the scheduler is back. */
        void keep(Execution unstarted);

        /** Starts the next missed fire being caught up, if any. Under the lock. */
        void nextCatchUp(TaskSlot slot, List<Execution> toDispatch);

        /** Takes locks and permit and hands the run to a worker. Not under the lock. */
        void dispatch(Execution execution);
    }

    private final CoreContext ctx;
    private final StoreBinding stores;
    private final RunStats stats;
    /** Saves a task's state after a run, unless the task is gone for good or registered anew (the registry's). */
    private final Consumer<TaskSlot> saveAfterRun;
    private Followups followups; // set once while the core is wired
    private volatile List<RetryDecider.Ranked> handlers = List.of();

    Completion(CoreContext ctx, StoreBinding stores, RunStats stats, Consumer<TaskSlot> saveAfterRun) {
        this.ctx = ctx;
        this.stores = stores;
        this.stats = stats;
        this.saveAfterRun = saveAfterRun;
    }

    /** Wiring: the launcher, which gets what follows a run. */
    void followups(Followups launcher) {
        this.followups = launcher;
    }

    /** Replaces the failure handlers; they are consulted highest ranking first (then lowest service id). */
    void handlers(List<RetryDecider.Ranked> newHandlers) {
        List<RetryDecider.Ranked> sorted = new ArrayList<>(newHandlers);
        sorted.sort(Comparator.comparingInt(RetryDecider.Ranked::ranking).reversed()
                .thenComparingLong(RetryDecider.Ranked::serviceId));
        handlers = List.copyOf(sorted);
    }

    List<RetryDecider.Ranked> handlers() {
        return handlers;
    }

    RunStats stats() {
        return stats;
    }

    /**
     * A skipped run with an identity of its own (a trigger refused by the overlap policy, whose caller has its run
     * id; a pending run skipped by its misfire policy, whose record ends it): counted and recorded as it is (it
     * acknowledges nothing). Under the lock.
     */
    void skipped(TaskSlot slot, RunRecord skipped) {
        assert ctx.locked();
        slot.stored = slot.stored.withLastRun(skipped.scheduledTime(), RunStatus.SKIPPED);
        stats.count(RunStatus.SKIPPED);
        stores.recorder().recordLater(skipped);
    }

    /**
     * A scheduled fire skipped by the overlap policy (no pending run, nobody holds its run id): counted, and
     * recorded together with the task's other skips still waiting to be written. Under the lock.
     */
    void skippedFire(TaskSlot slot, RunRecord skipped) {
        assert ctx.locked();
        slot.stored = slot.stored.withLastRun(skipped.scheduledTime(), RunStatus.SKIPPED);
        stats.count(RunStatus.SKIPPED);
        stores.recorder().recordSkippedFireLater(skipped);
    }

    /** A run entered task code: its RUNNING record is queued (it acknowledges nothing). */
    void running(Execution execution, Instant start) {
        stores.recorder().recordLater(new RunRecord(execution.runId(), execution.slot.id, execution.trigger(),
                execution.attempt(), RunStatus.RUNNING, execution.scheduledTime(), Optional.of(start),
                Optional.empty(), "", Map.of(), execution.arguments()));
    }

    /** Records a run that never reached task code. */
    void finishUnstarted(Execution execution, String message) {
        Instant now = ctx.clock.instant();
        execution.started(now, Optional.empty());
        finish(execution, RunStatus.CANCELLED, message, Map.of(), now, Optional.empty(), Optional.empty());
    }

    /**
     * Records the outcome of a run once and plans what follows.
     *
     * @return the final record, or null if the run had been declared stuck (its outcome was recorded then)
     */
    RunRecord finish(Execution execution, RunStatus status, String message, Map<String, String> data,
                     Instant end, Optional<Throwable> error, Optional<Optional<Duration>> retryRequest) {
        if (!execution.finishOnce()) {
            return null;
        }
        if (status == RunStatus.CANCELLED && staysAccepted(execution)) {
            keep(execution, message);
            return new RunRecord(execution.runId(), execution.slot.id, execution.trigger(), execution.attempt(),
                    status, execution.scheduledTime(), Optional.empty(), Optional.of(end), message, Map.of(),
                    execution.arguments());
        }
        return decideAndRecord(execution, status, message, data, end, error, retryRequest, false);
    }

    /**
     * Whether a run cancelled before it entered task code stays accepted instead of being recorded as cancelled:
     * it is stored as pending and its task went away (not deleted) or the scheduler is stopping. It runs when the
     * task is back, or after the next start.
     */
    private boolean staysAccepted(Execution execution) {
        TaskSlot slot = execution.slot;
        return execution.pending != null && !execution.entered() && !slot.deleted
                && (slot.removed || slot.handle.isGone() || ctx.stopped());
    }

    private void keep(Execution execution, String why) {
        LOG.info("{} did not start ({}); it stays accepted and runs when its task is back", execution, why);
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            followups.release(execution, toDispatch);
            followups.keep(execution);
        }
        execution.done();
        toDispatch.forEach(followups::dispatch);
    }

    /** A run timed out and ignored its interruption: its outcome is recorded now, its locks kept. */
    void recordStuck(Execution execution, String message, Instant now) {
        decideAndRecord(execution, RunStatus.TIMED_OUT, message, Map.of(), now, Optional.empty(), Optional.empty(),
                true);
    }

    /**
     * A stuck run's thread returned: it lets go of its task, locks and permit.
     *
     * @return its record as stored when it was declared stuck
     */
    RunRecord releaseStuck(Execution execution) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            followups.release(execution, toDispatch);
        }
        execution.done();
        toDispatch.forEach(followups::dispatch);
        return stores.store().run(execution.runId()).orElse(null);
    }

    private RunRecord decideAndRecord(Execution execution, RunStatus status, String message, Map<String, String> data,
                                      Instant end, Optional<Throwable> error,
                                      Optional<Optional<Duration>> retryRequest, boolean stuck) {
        TaskSlot slot = execution.slot;
        RetryDecider.Outcome outcome = RetryDecider.Outcome.of(RetryDecider.Outcome.Kind.NOT_RETRIED, "");
        if ((status == RunStatus.FAILED || status == RunStatus.TIMED_OUT) && execution.trigger() != RunTrigger.CALL
                && !slot.handle.isGone()) {
            TaskFailure failure = new TaskFailure(slot.id, execution.definition(), execution.runId(),
                    execution.attempt(), status, message, error, execution.arguments());
            try {
                outcome = RetryDecider.decide(failure, execution.definition().retryPolicy(), handlers, retryRequest);
            } catch (RuntimeException | LinkageError | AssertionError e) { // e.g. a custom RetryPolicy that throws
                ctx.failures.report(FailureLog.Kind.DECISION_FAILED, slot.id, FailureLog.Level.ERROR,
                        "Deciding about the failure of " + execution + " failed; no retry: " + e, e.toString(), e,
                        RunShell.gone(slot));
            }
        }
        String fullMessage = outcome.note().isEmpty() ? message
                : message + (message.isEmpty() ? "" : " — ") + outcome.note();
        boolean toDeadLetters = deadLetter(execution.definition(), status, execution.trigger() == RunTrigger.CALL,
                outcome);
        if (toDeadLetters) {
            fullMessage += (fullMessage.isEmpty() ? "" : "; ") + "moved to the dead letters";
        }
        RunRecord finished = new RunRecord(execution.runId(), slot.id, execution.trigger(), execution.attempt(), status,
                execution.scheduledTime(), Optional.of(execution.startTime()), Optional.of(end), fullMessage, data,
                execution.arguments());
        // what follows is stored with the record, in one transaction: a crash keeps both or neither
        PendingRun retry = outcome.kind() == RetryDecider.Outcome.Kind.RETRY
                ? followups.retryOf(execution, end.plus(outcome.delay())) : null;
        DeadLetter letter = toDeadLetters ? new DeadLetter(execution.runId(), slot.id, execution.arguments(), message,
                execution.attempt(), execution.chainStart(), end) : null;
        RetryDecider.Outcome decided = outcome;
        RunRecorder.Completion acknowledged = stored -> acknowledge(execution, finished, letter, decided, retry,
                message, stuck);
        if (slot.deleted) {
            if (execution.pending != null) { // its pending run may have been written after the task was deleted
                stores.recorder().withdrawLater(List.of(execution.pending.runId()));
            }
            acknowledged.stored(false); // its history is gone: nothing to record
        } else if (execution.trigger() == RunTrigger.CALL) {
            acknowledged.stored(stores.recorder().record(finished)); // the caller gets the record once it is stored
        } else {
            // the worker goes on at once; the run is acknowledged once its record is stored
            stores.recorder().recordThen(finished, retry == null ? List.of() : List.of(retry), letter, acknowledged);
        }
        return finished;
    }

    /**
     * The one dead-letter rule: a run goes to the dead letters if its task is eligible and it failed for good: its
     * retries are exhausted, or it failed (or timed out, or was abandoned) with no retry to come and no handler
     * that aborted. A run whose caller waits for it (a synchronous call) never does: the caller has the outcome;
     * nor does a cancelled one.
     */
    static boolean deadLetter(TaskDefinition definition, RunStatus status, boolean callerWaits,
                              RetryDecider.Outcome outcome) {
        if (!definition.deadLetterEligible() || callerWaits) {
            return false;
        }
        return switch (outcome.kind()) {
            case EXHAUSTED -> true;
            case NOT_RETRIED -> status != RunStatus.SUCCEEDED && status != RunStatus.CANCELLED;
            case RETRY, ABORTED -> false;
        };
    }

    /**
     * A run's final record is stored (or could not be): the run is acknowledged. On the recorder thread (or the
     * caller's, without one).
     *
     * @param stuck the record of a run declared stuck: it keeps its locks until its thread returns
     */
    private void acknowledge(Execution execution, RunRecord finished, DeadLetter deadLetter,
                             RetryDecider.Outcome outcome, PendingRun retry, String message, boolean stuck) {
        TaskSlot slot = execution.slot;
        RunStatus status = finished.status();
        List<Execution> toDispatch = new ArrayList<>();
        try {
            if (deadLetter != null) { // stored with the record
                if (!slot.deleted) {
                    ctx.failures.report(FailureLog.Kind.DEAD_LETTER, slot.id, FailureLog.Level.WARN, "Task " + slot.id
                            + ": run " + deadLetter.runId() + " moved to the dead letters after "
                            + deadLetter.attempts() + " attempt(s): " + deadLetter.lastError(), "after "
                            + deadLetter.attempts() + " attempt(s): " + deadLetter.lastError(), null,
                            RunShell.gone(slot));
                }
            } else if (outcome.kind() == RetryDecider.Outcome.Kind.EXHAUSTED) {
                ctx.failures.report(FailureLog.Kind.GAVE_UP, slot.id, FailureLog.Level.WARN, "Task " + slot.id + " "
                        + outcome.note() + " (" + execution + "): last error: " + message, outcome.note()
                        + ": last error: " + message, null, RunShell.gone(slot));
            }
            if (status == RunStatus.SUCCEEDED) {
                ctx.failures.succeeded(slot.id); // a failing task recovered: said once, and it is forgotten
            } else {
                ctx.failures.check(); // summaries due are written even when no new failure comes
            }
            stats.count(status);
            if (execution.trigger() == RunTrigger.SCHEDULE) {
                finished.lag().ifPresent(stats::lag);
            }
            synchronized (ctx.lock) {
                // a run declared stuck keeps its task, locks and permit until its thread returns: no second copy
                // of it starts beside the first, and its retry waits for the task's lock
                if (!stuck) {
                    followups.release(execution, toDispatch);
                }
                slot.stored = slot.stored.withLastRun(execution.scheduledTime(), status);
                saveAfterRun.accept(slot);
                if (retry != null) {
                    followups.retry(execution, retry); // armed, or kept for when the task is back
                }
                if (!slot.removed && !ctx.stopped() && execution.trigger() == RunTrigger.MISFIRE) {
                    followups.nextCatchUp(slot, toDispatch);
                }
            }
        } finally {
            if (!stuck) {
                execution.done();
            }
        }
        toDispatch.forEach(followups::dispatch);
    }

    /** Stores a dead letter now; a failure is logged. */
    void addDeadLetter(DeadLetter letter) {
        try {
            stores.store().addDeadLetter(letter);
            LOG.warn("Task {}: run {} moved to the dead letters after {} attempt(s): {}", letter.taskId(),
                    letter.runId(), letter.attempts(), letter.lastError());
        } catch (RuntimeException e) {
            LOG.error("Could not store the dead letter of run {} of {}: {}", letter.runId(), letter.taskId(),
                    e.getMessage(), e);
        }
    }
}
