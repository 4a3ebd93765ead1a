package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;


import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.execution.RunExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a run is created, and the gate it passes before a worker: the overlap policy (SKIP records a
 * skipped run, QUEUE_ONE keeps one fire waiting), named locks (all or none), group concurrency and rate limits,
 * retries waiting for their delay, submissions planned for later, catch-up of missed fires one after another.
 * Contention re-plans the dispatch after the lock retry delay without spending a retry.
 *
 * <p>Owns the lock table, the group limits, run ids, and per task the runs not yet acknowledged, the fire waiting
 * under QUEUE_ONE, the pending retries and submissions, and the catch-up queue (fields of {@link TaskSlot}, guarded
 * by the core lock). Called by the planner (fires, catch-up), the admin (triggers, calls, submissions), crash
 * recovery (retries of abandoned runs) and, when a run ends, by {@link Completion} through {@link Completion.Followups}.
 * Hands runs, through the {@link RunShell}, to the execution service ({@link RunExecutor}) it is bound to; while
 * none is bound, it holds them (they are handed over when one is) and reports that fires are held.
 */
final class Launcher implements Completion.Followups {

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    /** What {@link #start} did: a run to dispatch, a queued fire, or the record of a skipped fire. */
    record Started(Execution execution, RunRecord skipped, String queuedRunId) {
        String runId() {
            return execution != null ? execution.runId() : skipped != null ? skipped.runId() : queuedRunId;
        }
    }

    private final CoreContext ctx;
    private final TaskTimer timer;
    private final Completion completion;
    final RunShell shell;
    /** The execution service runs are handed to, or null: runs are held. */
    private volatile RunExecutor executor;
    /** Runs waiting for an execution service, in the order they came. Guarded by the core lock. */
    private final List<Execution> held = new ArrayList<>();
    private final LockTable locks = new LockTable(); // guarded by the core lock
    private GroupLimits groups; // guarded by the core lock
    private final AtomicLong runCounter = new AtomicLong();

    Launcher(CoreContext ctx, TaskTimer timer, RunExecutor executor, Completion completion, RunShell shell) {
        this.ctx = ctx;
        this.timer = timer;
        this.executor = executor;
        this.completion = completion;
        this.shell = shell;
        this.groups = new GroupLimits(ctx.settings().groups());
    }

    String nextRunId() {
        return Long.toString(ctx.clock.millis(), 36) + "-" + Long.toString(runCounter.incrementAndGet(), 36);
    }

    /** New group limits; running counts and rate windows carry over. Under the lock. */
    void groups(Map<String, GroupLimits.Limit> limits) {
        assert ctx.locked();
        groups = groups.withLimits(limits);
    }

    /** @return how many named locks are held. Under the lock. */
    int heldLocks() {
        assert ctx.locked();
        return locks.held().size();
    }

    /**
     * Creates a run. Scheduled and manual runs obey the overlap policy; retries, submissions, replays and
     * catch-ups wait for the task's own lock instead. Under the lock.
     */
    Started start(TaskSlot slot, RunTrigger trigger, Instant scheduled, Map<String, String> arguments,
                  Set<String> extraLocks, boolean overlapApplies) {
        assert ctx.locked();
        String runId = nextRunId();
        if (overlapApplies && slot.isRunning()) {
            OverlapPolicy policy = slot.definition.overlapPolicy();
            if (policy == OverlapPolicy.QUEUE_ONE && slot.queued == null) {
                slot.queued = scheduled;
                slot.queuedTrigger = trigger;
                slot.queuedRunId = runId; // the run keeps this id when it starts
                return new Started(null, null, runId);
            }
            if (policy != OverlapPolicy.ALLOW) {
                String why = policy == OverlapPolicy.QUEUE_ONE ? "skipped: a run is still running and another waits"
                        : "skipped: the previous run is still running";
                RunRecord skipped = new RunRecord(runId, slot.id, trigger, 1, RunStatus.SKIPPED, scheduled,
                        Optional.empty(), Optional.empty(), why, Map.of(), arguments);
                completion.skipped(slot, skipped);
                return new Started(null, skipped, null);
            }
        }
        Execution execution = new Execution(slot, runId, trigger, scheduled, arguments, 1, scheduled,
                lockKeys(slot, extraLocks));
        slot.addRunning(execution);
        return new Started(execution, null, null);
    }

    /** Starts the fire a QUEUE_ONE task kept waiting, under the run id it was given then. Under the lock. */
    private Execution startQueued(TaskSlot slot) {
        Instant queued = slot.queued;
        slot.queued = null;
        Execution execution = new Execution(slot, slot.queuedRunId, slot.queuedTrigger, queued, Map.of(), 1, queued,
                lockKeys(slot, Set.of()));
        slot.addRunning(execution);
        return execution;
    }

    /**
     * A run now on the caller's thread: no overlap check, no group limits, the task's own mutex left out (a call
     * may run beside a scheduled run of the same task). A held lock fails the call at once. Under the lock.
     */
    Execution call(TaskSlot slot, Map<String, String> arguments) {
        assert ctx.locked();
        Set<String> keys = new LinkedHashSet<>(lockKeys(slot, Set.of()));
        keys.remove("task:" + slot.id);
        Instant now = ctx.clock.instant();
        Execution execution = new Execution(slot, nextRunId(), RunTrigger.CALL, now, arguments, 1, now, keys);
        String blocked = locks.tryAcquire(keys, execution);
        if (blocked != null) {
            throw new IllegalStateException("task " + slot.id + " cannot run now: lock '" + blocked
                    + "' is held by another run; try again when it ends");
        }
        slot.addRunning(execution);
        return execution;
    }

    /** Plans a one-shot run with arguments at a later instant; dropped with the task. Under the lock. */
    String submitAt(TaskSlot slot, Map<String, String> arguments, Instant at, Set<String> extraLocks) {
        assert ctx.locked();
        String runId = nextRunId();
        TaskTimer.Entry entry = timer.schedule(at, self -> {
            Execution execution;
            synchronized (ctx.lock) {
                slot.removePendingRetry(self);
                if (slot.removed || ctx.stopped()) {
                    LOG.info("Submitted run {} of {} dropped: the task is gone", runId, slot.id);
                    return;
                }
                execution = new Execution(slot, runId, RunTrigger.SUBMISSION, self.at, arguments, 1, self.at,
                        lockKeys(slot, extraLocks));
                slot.addRunning(execution);
            }
            dispatch(execution);
        });
        slot.addPendingRetry(entry); // dropped with the task, like a retry
        return runId;
    }

    /**
     * The keys a run of this task holds: its definition's (per tenant for per-tenant tasks), the submission's,
     * and for periodic tasks that do not allow overlap a mutex on the task's own id.
     */
    static Set<String> lockKeys(TaskSlot slot, Set<String> extra) {
        if (extra.isEmpty()) { // the usual case, on the timer thread for every fire: computed once per definition
            return slot.lockKeysOf(s -> ownLockKeys(s, Set.of()));
        }
        return ownLockKeys(slot, extra);
    }

    static Set<String> ownLockKeys(TaskSlot slot, Set<String> extra) {
        Set<String> defined = slot.definition.lockKeys();
        boolean mutex = slot.definition.overlapPolicy() != OverlapPolicy.ALLOW && slot.schedule.isPeriodic();
        if (defined.isEmpty() && extra.isEmpty()) {
            return mutex ? Set.of("task:" + slot.id) : Set.of();
        }
        Set<String> keys = new HashSet<>();
        String suffix = slot.id.tenant().map(t -> "@" + t).orElse("");
        defined.forEach(k -> keys.add(k + suffix));
        keys.addAll(extra);
        if (mutex) {
            keys.add("task:" + slot.id);
        }
        return Set.copyOf(keys);
    }

    // --- the execution service ----------------------------------------------------------------------------------

    /** @return the execution service runs are handed to, or null */
    RunExecutor executor() {
        return executor;
    }

    /** @return whether an execution service is bound: scheduled fires run (else they are missed, per policy) */
    boolean executing() {
        return executor != null;
    }

    /** @return how many runs wait for an execution service. Under the lock. */
    int held() {
        assert ctx.locked();
        return held.size();
    }

    /**
     * Binds the execution service (or with null, none: runs are held from now on). Runs held meanwhile are handed
     * to a new one in the order they came. Not under the lock.
     */
    void executor(RunExecutor newExecutor) {
        List<Execution> waiting;
        synchronized (ctx.lock) {
            executor = newExecutor;
            if (newExecutor == null) {
                return;
            }
            waiting = List.copyOf(held);
            held.clear();
        }
        if (!waiting.isEmpty()) {
            LOG.info("An execution service is back: {} held run(s) handed over", waiting.size());
        }
        waiting.forEach(this::dispatch);
    }

    /**
     * An execution service handed a run back unstarted (it is stopping), or refused it: its locks and permit are
     * released, and it goes to the execution service bound now if that is another one (a better one replaced it),
     * else it waits for the next; a run whose task or scheduler is gone is recorded as cancelled instead.
     *
     * @param from the execution service that handed it back
     */
    void returned(Execution execution, String reason, RunExecutor from) {
        boolean again;
        synchronized (ctx.lock) {
            releaseLocks(execution);
            if (execution.slot.removed || ctx.stopped()) {
                again = false;
            } else {
                again = executor != null && executor != from;
                if (!again) {
                    held.add(execution);
                    LOG.info("{} held until an execution service takes it: {}", execution, reason);
                    return;
                }
            }
        }
        if (again) {
            LOG.info("{} handed back ({}); handed to the execution service bound now", execution, reason);
            ctx.offLock(() -> dispatch(execution));
        } else {
            completion.finishUnstarted(execution, "cancelled before it started: " + reason);
        }
    }

    /**
     * Takes the run's locks and group permit and hands it to the execution service; on contention tries again
     * later without spending a retry; without an execution service, holds it. Not under the lock.
     */
    @Override
    public void dispatch(Execution execution) {
        TaskSlot slot = execution.slot;
        RunExecutor target;
        String cancelled = null;
        synchronized (ctx.lock) {
            if (slot.removed || ctx.stopped()) {
                cancelled = "cancelled before it started: " + (ctx.stopped() ? "the scheduler is stopping"
                        : "the task went away");
                target = null;
            } else {
                target = executor;
                if (target == null) {
                    held.add(execution); // no locks taken while it waits
                    return;
                }
                Instant now = ctx.clock.instant();
                Duration retryDelay = ctx.settings().lockRetryDelay();
                String blocked = locks.tryAcquire(execution.lockKeys, execution);
                Instant retryAt = null;
                if (blocked != null) {
                    retryAt = now.plus(retryDelay);
                    LOG.debug("{} waits for lock '{}'", execution, blocked);
                } else if (execution.trigger() != RunTrigger.CALL) {
                    Optional<Instant> later = groups.tryAcquire(execution.definition().group(), now, retryDelay);
                    if (later.isPresent()) {
                        locks.release(execution.lockKeys, execution);
                        retryAt = later.get();
                        LOG.debug("{} waits for group {}", execution, execution.definition().group().orElse(""));
                    } else {
                        execution.permitHeld = true;
                    }
                }
                if (retryAt != null) {
                    timer.schedule(retryAt, due -> dispatch(execution));
                    return;
                }
            }
        }
        if (cancelled != null) {
            // recorded after the lock is left, and off the timer thread, which may have re-dispatched it
            String why = cancelled;
            ctx.offLock(() -> completion.finishUnstarted(execution, why));
            return;
        }
        try {
            target.execute(new RunHandoff(this, execution, target));
            execution.dispatched();
        } catch (RuntimeException | Error e) { // refused; anything else it throws breaks its contract: refused too
            if (!(e instanceof RejectedExecutionException)) {
                LOG.error("The execution service {} threw {} instead of accepting or refusing {}; it is held",
                        target.getClass().getName(), e, execution, e);
            }
            returned(execution, "the execution service refused it (" + e.getMessage() + ")", target);
        }
    }

    /** @return the run as {@code target} sees it, for a call on the caller's thread */
    RunHandoff handoff(Execution execution, RunExecutor target) {
        return new RunHandoff(this, execution, target);
    }

    /** The run's end: it leaves its task, releases its locks and permit, and a queued fire may start. */
    @Override
    public void release(Execution execution, List<Execution> toDispatch) {
        assert ctx.locked();
        TaskSlot slot = execution.slot;
        slot.removeRunning(execution);
        releaseLocks(execution);
        if (!slot.removed && !ctx.stopped() && slot.queued != null && !slot.isRunning()) {
            toDispatch.add(startQueued(slot));
        }
    }

    private void releaseLocks(Execution execution) {
        locks.release(execution.lockKeys, execution);
        if (execution.permitHeld) {
            groups.release(execution.definition().group());
            execution.permitHeld = false;
        }
    }

    /** Arms a retry of a failed run. Under the lock. */
    @Override
    public void retry(Execution failed, Duration delay) {
        assert ctx.locked();
        TaskSlot slot = failed.slot;
        Instant due = ctx.clock.instant().plus(delay);
        TaskTimer.Entry entry = timer.schedule(due, self -> {
            Execution retry;
            synchronized (ctx.lock) {
                slot.removePendingRetry(self);
                if (slot.removed || slot.handle.isGone() || ctx.stopped()) {
                    LOG.info("Retry of {} dropped: the task is gone", failed);
                    return;
                }
                retry = new Execution(slot, nextRunId(), RunTrigger.RETRY, self.at, failed.arguments(),
                        failed.attempt() + 1, failed.chainStart(), failed.lockKeys);
                slot.addRunning(retry);
            }
            dispatch(retry);
        });
        slot.addPendingRetry(entry);
    }

    /**
     * Arms the retry of a run cut off by a crash, as if that run had failed here. Under the lock.
     *
     * @param run its ABANDONED record
     */
    void retryAbandoned(TaskSlot slot, RunRecord run, Duration delay) {
        assert ctx.locked();
        retry(new Execution(slot, run.runId(), run.trigger(), run.scheduledTime(), run.arguments(), run.attempt(),
                run.scheduledTime(), ownLockKeys(slot, Set.of())), delay);
    }

    /** Runs the missed fires, one after another (each after the previous one ends). Under the lock. */
    void catchUp(TaskSlot slot, Collection<Instant> missed, List<Execution> toDispatch) {
        assert ctx.locked();
        slot.queueCatchUp(missed);
        nextCatchUp(slot, toDispatch);
    }

    @Override
    public void nextCatchUp(TaskSlot slot, List<Execution> toDispatch) {
        assert ctx.locked();
        Instant missed = slot.pollCatchUp();
        if (missed != null && !slot.removed) {
            Execution e = start(slot, RunTrigger.MISFIRE, missed, Map.of(), Set.of(), false).execution();
            if (e != null) {
                toDispatch.add(e);
            }
        }
    }

    /**
     * The task went away: its pending retries and submissions are dropped, its waiting fires forgotten and its
     * runs cancelled (not awaited). Under the lock.
     */
    void withdraw(TaskSlot slot, String reason) {
        assert ctx.locked();
        if (!slot.pendingRetries().isEmpty()) {
            LOG.info("Task {}: {} pending retr{} dropped: {}", slot.id, slot.pendingRetries().size(),
                    slot.pendingRetries().size() == 1 ? "y" : "ies", reason);
            slot.pendingRetries().forEach(timer::cancel);
            slot.clearPendingRetries();
        }
        slot.clearCatchUp();
        slot.queued = null;
        for (Execution e : List.copyOf(slot.running())) {
            e.cancel(reason);
        }
        // runs held for an execution service will never start: recorded now, not when one returns
        for (Execution e : List.copyOf(held)) {
            if (e.slot == slot) {
                held.remove(e);
                ctx.offLock(() -> completion.finishUnstarted(e, "cancelled before it started: " + reason));
            }
        }
    }

    /** @return the runs held for an execution service, no longer held. Under the lock. */
    List<Execution> takeHeld() {
        assert ctx.locked();
        List<Execution> taken = List.copyOf(held);
        held.clear();
        return taken;
    }

    /** @return every retry and submission waiting for its time. Under the lock. */
    int pendingRetries(Collection<TaskSlot> slots) {
        assert ctx.locked();
        return slots.stream().mapToInt(s -> s.pendingRetries().size()).sum();
    }

    /** Drops every waiting retry and submission; the scheduler stops. Under the lock. */
    void stop(Collection<TaskSlot> slots) {
        assert ctx.locked();
        slots.forEach(s -> s.pendingRetries().forEach(timer::cancel));
    }

    /** @return the run ids of every run not yet acknowledged. Under the lock. */
    Set<String> liveRunIds(Collection<TaskSlot> slots) {
        assert ctx.locked();
        Set<String> live = new HashSet<>();
        slots.forEach(slot -> slot.running().forEach(e -> live.add(e.runId())));
        return live;
    }

}
