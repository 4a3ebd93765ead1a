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


import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.api.store.PendingRun;
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

    /**
     * What {@link #start} did: a run to dispatch, a queued fire, or the record of a skipped fire; and the pending
     * run the caller must store ({@link #accept}) before it dispatches the run and returns, or null.
     */
    record Started(Execution execution, RunRecord skipped, String queuedRunId, PendingRun accepted,
                   java.util.concurrent.CompletableFuture<Void> queuedStored) {
        Started(Execution execution, RunRecord skipped, String queuedRunId, PendingRun accepted) {
            this(execution, skipped, queuedRunId, accepted, null);
        }

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
    /**
     * Run ids are {@code <creation millis>-<counter>}, both base 36. The counter starts at a random value, so two
     * processes (a restart after a clock step back, tests with a fixed clock) do not hand out the same ids: an id
     * keys a run's record and its pending run, in this store for good.
     */
    private final AtomicLong runCounter = new AtomicLong(
            java.util.concurrent.ThreadLocalRandom.current().nextLong(60_000_000L));
    private final StoreBinding stores;
    /** Accepted runs of tasks not registered now. Guarded by the core lock. */
    final PendingWork pendingWork;
    private java.util.function.Function<TaskId, TaskSlot> registered = id -> null; // set once while wiring

    Launcher(CoreContext ctx, TaskTimer timer, RunExecutor executor, Completion completion, RunShell shell,
             StoreBinding stores, PendingWork pendingWork) {
        this.ctx = ctx;
        this.timer = timer;
        this.executor = executor;
        this.completion = completion;
        this.shell = shell;
        this.stores = stores;
        this.pendingWork = pendingWork;
        this.groups = new GroupLimits(ctx.settings().groups());
    }

    // --- accepted work ------------------------------------------------------------------------------------------

    /** The occurrence of a scheduled fire: the same whichever process or node fires it. */
    static String fireOccurrence(Instant scheduled) {
        return "fire:" + scheduled;
    }

    /** A pending run for a new run of {@code slot}. */
    static PendingRun pendingOf(TaskSlot slot, String runId, RunTrigger trigger, Instant scheduled,
                                Map<String, String> arguments, Set<String> extraLocks) {
        String occurrence = trigger == RunTrigger.SCHEDULE || trigger == RunTrigger.MISFIRE
                ? fireOccurrence(scheduled) : "run:" + runId;
        return PendingRun.of(runId, slot.id, trigger, occurrence, scheduled, scheduled, 1, scheduled, arguments,
                extraLocks);
    }

    /** A run created from its stored pending run. Under the lock. */
    private Execution executionOf(TaskSlot slot, PendingRun p) {
        Execution execution = new Execution(slot, p.runId(), p.trigger(), p.scheduledTime(), p.arguments(),
                p.attempt(), p.chainStart(), lockKeys(slot, p.lockKeys()));
        execution.pending = p;
        slot.addRunning(execution);
        return execution;
    }

    /**
     * Stores what {@link #start} accepted before the caller returns: once this returns, the run survives a crash.
     * If the store fails, the run is taken back and the caller is told. Not under the lock.
     *
     * @throws IllegalStateException if the store could not store it; nothing was accepted
     */
    void accept(TaskSlot slot, Started started) {
        if (started.accepted() == null) {
            return;
        }
        try {
            if (started.queuedStored() != null) {
                stores.recorder().awaitAccepted(started.queuedStored(), List.of(started.accepted()));
            } else {
                stores.recorder().accept(List.of(started.accepted()));
            }
        } catch (RuntimeException e) {
            boolean startedAlready = false;
            synchronized (ctx.lock) {
                if (started.execution() != null) {
                    slot.removeRunning(started.execution());
                    started.execution().done();
                } else if (slot.queued == started.accepted()) {
                    slot.queued = null;
                } else {
                    startedAlready = true; // the queued fire started while it was being written: it runs
                }
            }
            throw new IllegalStateException(e.getMessage() + (startedAlready ? " (it had started already and runs, "
                    + "but is not stored as accepted)" : ""), e);
        }
    }

    /**
     * Restores the accepted runs a store held for a task that registers now: each runs at its due time, or now if
     * that passed (a submission or queued fire due while the task was away follows its misfire policy SKIP by
     * being recorded as skipped). Under the lock.
     */
    void restore(TaskSlot slot, List<PendingRun> runs, List<Execution> toDispatch) {
        assert ctx.locked();
        if (runs.isEmpty()) {
            return;
        }
        Instant now = ctx.clock.instant();
        int late = 0;
        List<PendingRun> missed = new ArrayList<>();
        for (PendingRun p : runs) {
            if (p.due().isAfter(now)) {
                arm(slot, p);
            } else if (p.trigger() == RunTrigger.MISFIRE) {
                missed.add(p); // caught up one after another, as before
                late++;
            } else if (skipsMissed(slot, p)) {
                completion.skipped(slot, new RunRecord(p.runId(), slot.id, p.trigger(), p.attempt(), RunStatus.SKIPPED,
                        p.scheduledTime(), Optional.empty(), Optional.empty(), "skipped: due at " + p.due()
                        + " while the task or the scheduler was away (misfire policy SKIP)", Map.of(), p.arguments()));
            } else {
                late++;
                toDispatch.add(executionOf(slot, p));
            }
        }
        if (!missed.isEmpty()) {
            missed.sort(java.util.Comparator.comparing(PendingRun::scheduledTime));
            boolean catchingUp = slot.running().stream().anyMatch(e -> e.trigger() == RunTrigger.MISFIRE);
            slot.queueCatchUp(missed);
            if (!catchingUp) {
                nextCatchUp(slot, toDispatch);
            }
        }
        LOG.info("Task {}: {} accepted run(s) restored ({} due already)", slot.id, runs.size(), late);
    }

    private boolean skipsMissed(TaskSlot slot, PendingRun p) {
        return p.trigger() != RunTrigger.RETRY && slot.definition.misfirePolicy()
                .orElse(ctx.settings().defaultMisfire()).kind() == MisfirePolicy.Kind.SKIP;
    }

    /** Arms an accepted run for its due time. Under the lock. */
    void arm(TaskSlot slot, PendingRun p) {
        assert ctx.locked();
        TaskTimer.Entry entry = timer.schedule(p.due(), slot.id.owner(), self -> {
            Execution execution;
            synchronized (ctx.lock) {
                if (!slot.removePendingRetry(self)) {
                    return; // withdrawn meanwhile: it waits in the pending work, still stored
                }
                if (slot.removed || slot.handle.isGone() || ctx.stopped()) {
                    keep(slot, p);
                    return;
                }
                execution = executionOf(slot, p);
            }
            dispatch(execution);
        });
        slot.addPendingRetry(entry, p);
    }

    /** An accepted run of a task that went away, or of a stopping scheduler, stays stored and waits. Under the lock. */
    private void keep(TaskSlot slot, PendingRun p) {
        if (slot.deleted || ctx.stopped()) {
            return;
        }
        TaskSlot now = registered.apply(p.taskId());
        if (now != null && now != slot && !now.removed) {
            arm(now, p); // the task is back already (registered again meanwhile): it runs there, at its due time
        } else {
            pendingWork.keep(p);
        }
    }

    /** Wiring: the registry's current slot of a task id (under the lock), so kept runs find a task that is back. */
    void registered(java.util.function.Function<TaskId, TaskSlot> lookup) {
        this.registered = lookup;
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
                // the run keeps this id when it starts; a scheduled fire is stored without anyone waiting for it
                slot.queued = pendingOf(slot, runId, trigger, scheduled, arguments, extraLocks);
                if (trigger == RunTrigger.SCHEDULE) {
                    stores.recorder().acceptLater(List.of(slot.queued));
                    return new Started(null, null, runId, null);
                }
                // the caller waits for it, but it may start (when the running run ends) before the caller has left
                // the lock and written it: queued now, so it is written before any record of its run
                return new Started(null, null, runId, slot.queued,
                        stores.recorder().acceptQueued(List.of(slot.queued)));
            }
            if (policy != OverlapPolicy.ALLOW) {
                String why = policy == OverlapPolicy.QUEUE_ONE ? "skipped: a run is still running and another waits"
                        : "skipped: the previous run is still running";
                RunRecord skipped = new RunRecord(runId, slot.id, trigger, 1, RunStatus.SKIPPED, scheduled,
                        Optional.empty(), Optional.empty(), why, Map.of(), arguments);
                if (trigger == RunTrigger.SCHEDULE) { // a fire: it may share one record with the task's other skips
                    completion.skippedFire(slot, skipped);
                } else { // a trigger: its caller holds the run id and may look it up
                    completion.skipped(slot, skipped);
                }
                return new Started(null, skipped, null, null);
            }
        }
        if (trigger == RunTrigger.SCHEDULE) { // stored only if it has to wait (see dispatch)
            Execution execution = new Execution(slot, runId, trigger, scheduled, arguments, 1, scheduled,
                    lockKeys(slot, extraLocks));
            slot.addRunning(execution);
            return new Started(execution, null, null, null);
        }
        PendingRun accepted = pendingOf(slot, runId, trigger, scheduled, arguments, extraLocks);
        return new Started(executionOf(slot, accepted), null, null, accepted);
    }

    /** Starts the fire a QUEUE_ONE task kept waiting, under the run id it was given then. Under the lock. */
    private Execution startQueued(TaskSlot slot) {
        PendingRun queued = slot.queued;
        slot.queued = null;
        return executionOf(slot, queued);
    }

    /**
     * A run now on the caller's thread: no overlap check, no group limits, the task's own mutex left out (a call
     * may run beside a scheduled run of the same task). Holds the task's lock keys and {@code extraLocks}; a held
     * lock fails the call at once. Under the lock.
     */
    Execution call(TaskSlot slot, Map<String, String> arguments, Set<String> extraLocks) {
        assert ctx.locked();
        Set<String> keys = new LinkedHashSet<>(lockKeys(slot, extraLocks));
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

    /**
     * A one-shot run with arguments at a later instant, to be stored ({@link #accept(List)}) and then armed
     * ({@link #arm}). Under the lock.
     */
    PendingRun submission(TaskSlot slot, Map<String, String> arguments, Instant at, Set<String> extraLocks) {
        assert ctx.locked();
        return pendingOf(slot, nextRunId(), RunTrigger.SUBMISSION, at, arguments, extraLocks);
    }

    /**
     * Stores accepted runs and waits until they are stored. Not under the lock.
     *
     * @throws IllegalStateException if the store could not store them; nothing was accepted
     */
    void accept(List<PendingRun> runs) {
        try {
            stores.recorder().accept(runs);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Arms a stored submission, or keeps it for its task if that went away meanwhile. Not under the lock. */
    void armAccepted(TaskSlot slot, PendingRun p) {
        synchronized (ctx.lock) {
            if (slot.pendingRetries().containsValue(p)) {
                return; // a store switch meanwhile found it in the new store and armed it already
            }
            if (slot.deleted) {
                stores.recorder().withdrawLater(List.of(p.runId())); // deleted while it was being stored
            } else if (slot.removed || ctx.stopped()) {
                keep(slot, p);
            } else {
                arm(slot, p);
            }
        }
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
        // an on-demand task is no one-shot: each run asked for waits for the running one, as a periodic task's does
        boolean mutex = slot.definition.overlapPolicy() != OverlapPolicy.ALLOW
                && (slot.schedule.isPeriodic() || slot.schedule instanceof Schedule.OnDemand);
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
                    storeWaiting(execution); // a held run is accepted work, whoever held it first
                    LOG.info("{} held until an execution service takes it: {}", execution, reason);
                    return;
                }
            }
        }
        if (again) {
            LOG.info("{} handed back ({}); handed to the execution service bound now", execution, reason);
            ctx.controlOrHere(() -> dispatch(execution));
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
                    storeWaiting(execution);
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
                    storeWaiting(execution);
                    timer.schedule(retryAt, execution.taskId().owner(), due -> dispatch(execution));
                    return;
                }
            }
        }
        if (cancelled != null) {
            // recorded after the lock is left, and off the timer thread, which may have re-dispatched it
            String why = cancelled;
            ctx.controlOrHere(() -> completion.finishUnstarted(execution, why));
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

    /** A scheduled fire that has to wait (a lock, a permit, an execution service) is accepted work. Under the lock. */
    private void storeWaiting(Execution execution) {
        if (execution.pending == null && execution.trigger() == RunTrigger.SCHEDULE) {
            execution.pending = pendingOf(execution.slot, execution.runId(), RunTrigger.SCHEDULE,
                    execution.scheduledTime(), execution.arguments(), Set.of());
            stores.recorder().acceptLater(List.of(execution.pending));
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

    @Override
    public PendingRun retryOf(Execution failed, Instant due) {
        return retryOf(failed.slot, failed.runId(), failed.attempt(), failed.chainStart(), failed.arguments(),
                failed.pending == null ? Set.of() : failed.pending.lockKeys(), due);
    }

    /**
     * @return the pending run of the retry of run {@code failedRunId} (attempt {@code attempt}), due at {@code due},
     *         holding the failed run's extra lock keys
     */
    PendingRun retryOf(TaskSlot slot, String failedRunId, int attempt, Instant chainStart,
                       Map<String, String> arguments, Set<String> extraLocks, Instant due) {
        return PendingRun.of(nextRunId(), slot.id, RunTrigger.RETRY, "retry:" + failedRunId, due, due, attempt + 1,
                chainStart, arguments, extraLocks);
    }

    /** Arms a stored retry, or keeps it for when its task is back. Under the lock. */
    void retryAccepted(TaskSlot slot, PendingRun retry) {
        assert ctx.locked();
        if (slot.removed || slot.handle.isGone() || ctx.stopped()) {
            keep(slot, retry);
        } else {
            arm(slot, retry);
        }
    }

    /** Arms a retry of a failed run, stored with the failed run's record. Under the lock. */
    @Override
    public void retry(Execution failed, PendingRun retry) {
        retryAccepted(failed.slot, retry);
    }

    @Override
    public void keep(Execution unstarted) {
        assert ctx.locked();
        keep(unstarted.slot, unstarted.pending);
    }

    /**
     * Runs the missed fires, one after another (each after the previous one ends); each is stored as accepted
     * work first, so a crash in the middle of catching up leaves the rest to the next start. Under the lock.
     */
    void catchUp(TaskSlot slot, Collection<Instant> missed, List<Execution> toDispatch) {
        assert ctx.locked();
        Set<String> accepted = acceptedOccurrences(slot);
        List<PendingRun> runs = new ArrayList<>(missed.size());
        for (Instant fire : missed) {
            if (!accepted.contains(fireOccurrence(fire))) { // a stored fire restored already runs as it is
                runs.add(pendingOf(slot, nextRunId(), RunTrigger.MISFIRE, fire, Map.of(), Set.of()));
            }
        }
        if (runs.isEmpty()) {
            return;
        }
        stores.recorder().acceptLater(runs);
        slot.queueCatchUp(runs);
        nextCatchUp(slot, toDispatch);
    }

    @Override
    public void nextCatchUp(TaskSlot slot, List<Execution> toDispatch) {
        assert ctx.locked();
        if (slot.removed) {
            return;
        }
        PendingRun missed = slot.pollCatchUp();
        if (missed != null) {
            toDispatch.add(executionOf(slot, missed));
        }
    }

    /**
     * The task went away: its runs are cancelled (not awaited); the accepted runs that have not started (pending
     * retries and submissions, the queued fire, missed fires still to catch up, runs waiting for a lock or an
     * execution service) stay stored and wait in the {@link PendingWork} until the task is back, unless it was
     * deleted for good (then the store deleted them). Under the lock.
     */
    void withdraw(TaskSlot slot, String reason) {
        assert ctx.locked();
        List<PendingRun> kept = new ArrayList<>(slot.pendingRetries().values());
        slot.pendingRetries().keySet().forEach(timer::cancel);
        slot.clearPendingRetries();
        kept.addAll(slot.takeCatchUp());
        if (slot.queued != null) {
            kept.add(slot.queued);
            slot.queued = null;
        }
        if (!slot.deleted) {
            kept.forEach(pendingWork::keep);
            if (!kept.isEmpty()) {
                LOG.info("Task {}: {} accepted run(s) not started yet are kept for when it is back: {}", slot.id,
                        kept.size(), reason);
            }
        } else if (!kept.isEmpty()) {
            // deleted: the store deletes its pending runs with it, but some may still be queued for writing: end
            // them after those writes, so none outlives the task
            stores.recorder().withdrawLater(kept.stream().map(PendingRun::runId).toList());
        }
        for (Execution e : List.copyOf(slot.running())) {
            e.cancel(reason);
        }
        // runs held for an execution service will never start here: recorded now (or, accepted, kept)
        for (Execution e : List.copyOf(held)) {
            if (e.slot == slot) {
                held.remove(e);
                ctx.controlOrHere(() -> completion.finishUnstarted(e, "cancelled before it started: " + reason));
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

    /** Disarms every waiting retry and submission (they stay stored for the next start); the scheduler stops. */
    void stop(Collection<TaskSlot> slots) {
        assert ctx.locked();
        slots.forEach(s -> s.pendingRetries().keySet().forEach(timer::cancel));
    }

    /** @return the occurrences of the accepted runs this process holds for a task. Under the lock. */
    private static Set<String> acceptedOccurrences(TaskSlot slot) {
        Set<String> occurrences = new HashSet<>();
        slot.running().forEach(e -> {
            if (e.pending != null) {
                occurrences.add(e.pending.occurrence());
            }
        });
        slot.pendingRetries().values().forEach(p -> occurrences.add(p.occurrence()));
        slot.catchUpQueue().forEach(p -> occurrences.add(p.occurrence()));
        if (slot.queued != null) {
            occurrences.add(slot.queued.occurrence());
        }
        return occurrences;
    }

    /** @return the run ids of every run and accepted run this process holds for registered tasks. Under the lock. */
    Set<String> knownRunIds(Collection<TaskSlot> slots) {
        assert ctx.locked();
        Set<String> known = liveRunIds(slots);
        for (TaskSlot slot : slots) {
            slot.pendingRetries().values().forEach(p -> known.add(p.runId()));
            slot.catchUpQueue().forEach(p -> known.add(p.runId()));
            if (slot.queued != null) {
                known.add(slot.queued.runId());
            }
        }
        held.forEach(e -> known.add(e.runId()));
        return known;
    }

    /** @return the run ids of every run not yet acknowledged. Under the lock. */
    Set<String> liveRunIds(Collection<TaskSlot> slots) {
        assert ctx.locked();
        Set<String> live = new HashSet<>();
        slots.forEach(slot -> slot.running().forEach(e -> live.add(e.runId())));
        return live;
    }

}
