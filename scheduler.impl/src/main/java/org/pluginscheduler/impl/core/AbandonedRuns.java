package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash recovery: runs a store still holds as RUNNING that no run of this process owns were cut off by a crash or
 * a hard stop. They are recorded ABANDONED and, once their task is registered, go through the retry path like a
 * failure: failure handlers and the retry policy decide, the dead-letter rule applies, a retry is armed through
 * the launcher. With a recovery delay the decisions wait that long after start-up, so failure handlers of bundles
 * starting alongside are bound by then.
 *
 * <p>Owns the abandoned runs waiting for their task (guarded by the core lock). Called by the core at start and
 * when a store is seen for the first time (recovery), and after providers are read (decisions); never under the
 * lock, since it reads and writes the store. Recovery itself calls no plugin code; the decisions (failure handlers)
 * run on a plugin-call thread.
 */
final class AbandonedRuns {

    private static final Logger LOG = LoggerFactory.getLogger(AbandonedRuns.class);

    private final CoreContext ctx;
    private final TaskTimer timer;
    private final TaskRegistry registry;
    private final Launcher launcher;
    private final Completion completion;
    private final StoreBinding stores;
    /** Abandoned runs found in a store, waiting for their task to be registered. Guarded by the core lock. */
    private final Map<TaskId, List<RunRecord>> waiting = new HashMap<>();
    private boolean decisionPlanned; // guarded by the core lock

    AbandonedRuns(CoreContext ctx, TaskTimer timer, TaskRegistry registry, Launcher launcher, Completion completion,
                  StoreBinding stores) {
        this.ctx = ctx;
        this.timer = timer;
        this.registry = registry;
        this.launcher = launcher;
        this.completion = completion;
        this.stores = stores;
    }

    /**
     * Records the runs {@code s} holds as RUNNING that no run of this process owns as ABANDONED. A RUNNING record
     * read before the live runs are listed belongs to a run created before; if that run was acknowledged
     * meanwhile, its final record is stored and the second read below sees it, so a finished run is never
     * overwritten. Not under the lock.
     */
    void recover(TaskStore s) {
        assert !ctx.locked();
        List<RunRecord> running;
        try {
            running = s.runningRuns();
        } catch (RuntimeException e) {
            LOG.error("Could not read the runs left RUNNING in the task store: {}", e.getMessage(), e);
            return;
        }
        if (running.isEmpty()) {
            return;
        }
        Set<String> live;
        synchronized (ctx.lock) {
            live = launcher.liveRunIds(registry.slots());
        }
        Instant now = ctx.clock.instant();
        List<RunRecord> candidates = new ArrayList<>();
        for (RunRecord run : running) {
            if (!live.contains(run.runId()) && stillRunning(s, run)) {
                candidates.add(run.finish(RunStatus.ABANDONED, now,
                        "abandoned: the runtime stopped or crashed while it ran", run.data()));
            }
        }
        // each record (which ends the run's own pending run, if it had one) with the decision still to make, all
        // in one transaction: a crash before the decisions leaves them to the next start
        List<RunRecord> found = new ArrayList<>();
        if (!candidates.isEmpty() && !write(s, candidates)) {
            for (RunRecord r : candidates) { // one bad row must not keep the others RUNNING
                if (write(s, List.of(r))) {
                    found.add(r);
                }
            }
        } else {
            found.addAll(candidates);
        }
        for (RunRecord r : found) {
            completion.stats().count(RunStatus.ABANDONED);
            LOG.warn("Run {} of {} was left RUNNING by the previous process; recorded as ABANDONED", r.runId(),
                    r.taskId());
        }
        synchronized (ctx.lock) {
            for (RunRecord r : found) {
                launcher.pendingWork.forget(r.taskId(), r.runId()); // decided, not run again as it was
                waiting.computeIfAbsent(r.taskId(), k -> new ArrayList<>()).add(r);
            }
        }
    }

    /** Records runs as ABANDONED: they are finished runs for the observers once the write returned. */
    private boolean write(TaskStore s, List<RunRecord> abandoned) {
        RunBatch batch = new RunBatch(abandoned, abandoned.stream().map(AbandonedRuns::decisionOf).toList(),
                List.of());
        ObserverHub observers = stores.observers();
        long start = observers.start();
        try {
            s.write(batch);
            observers.storeWrite(start, RunRecorder.rows(batch));
            observers.runsFinished(batch.runs());
            return true;
        } catch (RuntimeException e) {
            LOG.error("Could not record {} run(s) as ABANDONED: {}", abandoned.size(), e.getMessage(), e);
            observers.storeWriteFailed(start, RunRecorder.rows(batch), e);
            return false;
        }
    }

    /** @return the id of the pending decision about abandoned run {@code runId} (never a run's id: runs have no dot) */
    static String decisionId(String runId) {
        return runId + ".decision";
    }

    /**
     * The decision about an abandoned run, stored as a pending run of its own (its occurrence names the run): it is
     * not run, it is decided (a retry, the dead letters, or nothing) once its task is registered, and withdrawn in
     * the transaction that stores the decision.
     */
    static PendingRun decisionOf(RunRecord abandoned) {
        return PendingRun.of(decisionId(abandoned.runId()), abandoned.taskId(), RunTrigger.RETRY,
                PendingWork.DECISION + abandoned.runId(), abandoned.scheduledTime(),
                abandoned.endTime().orElse(abandoned.scheduledTime()), abandoned.attempt(), abandoned.scheduledTime(),
                abandoned.arguments(), Set.of());
    }

    /**
     * Decisions a store held from a previous process (it crashed or stopped before its tasks registered): they
     * wait for their tasks like runs recovered now. Under the lock.
     */
    void adopt(List<PendingRun> decisions) {
        assert ctx.locked();
        for (PendingRun p : decisions) {
            List<RunRecord> runs = waiting.computeIfAbsent(p.taskId(), k -> new ArrayList<>());
            String runId = p.occurrence().substring(PendingWork.DECISION.length());
            if (runs.stream().noneMatch(r -> r.runId().equals(runId))) {
                // the history's own record is read when deciding; this stands in for it if it is gone
                runs.add(new RunRecord(runId, p.taskId(), RunTrigger.RETRY, p.attempt(), RunStatus.ABANDONED,
                        p.scheduledTime(), Optional.empty(), Optional.of(p.due()),
                        "abandoned: the runtime stopped or crashed while it ran", Map.of(), p.arguments()));
            }
        }
    }

    /** @return how many abandoned runs wait for a decision. Under the lock. */
    int waiting() {
        assert ctx.locked();
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    private static boolean stillRunning(TaskStore s, RunRecord run) {
        try {
            return s.run(run.runId()).map(r -> r.status() == RunStatus.RUNNING).orElse(false);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Decides, now or after the recovery delay, what follows each abandoned run whose task is registered. The
     * decisions consult failure handlers (plugin code), so they run on a plugin-call thread, never on the control
     * thread or the caller's: a handler that blocks delays those decisions only, never registration, stuck-run
     * handling or the recovery of another store.
     */
    void decideSoon() {
        Duration wait = ctx.settings().recoveryDelay();
        Instant since = completion.stats().since();
        if (!wait.isZero() && ctx.clock.instant().isBefore(since.plus(wait))) {
            synchronized (ctx.lock) {
                if (!waiting.isEmpty() && !decisionPlanned) {
                    decisionPlanned = true;
                    timer.schedule(since.plus(wait), due -> {
                        synchronized (ctx.lock) {
                            decisionPlanned = false;
                        }
                        decideOffControl();
                    });
                }
            }
            return;
        }
        decideOffControl();
    }

    private void decideOffControl() {
        synchronized (ctx.lock) {
            if (waiting.isEmpty()) {
                return;
            }
        }
        try {
            ctx.pluginCall(this::decide);
        } catch (RejectedExecutionException stopping) {
            LOG.info("Scheduler stopping: abandoned runs are decided after the next start");
        }
    }

    private void decide() {
        List<RunRecord> ready = new ArrayList<>();
        synchronized (ctx.lock) {
            for (TaskId id : List.copyOf(waiting.keySet())) {
                if (registry.slot(id) != null) {
                    ready.addAll(waiting.remove(id));
                }
            }
        }
        for (RunRecord run : ready) {
            TaskSlot slot;
            synchronized (ctx.lock) {
                slot = registry.slot(run.taskId());
            }
            if (slot == null) {
                continue;
            }
            TaskFailure failure = new TaskFailure(slot.id, slot.definition, run.runId(), run.attempt(),
                    RunStatus.ABANDONED, run.message(), Optional.empty(), run.arguments());
            RetryDecider.Outcome outcome;
            try {
                outcome = RetryDecider.decide(failure, slot.definition.retryPolicy(), completion.handlers(),
                        Optional.empty());
            } catch (RuntimeException | LinkageError | AssertionError e) {
                LOG.error("Deciding about abandoned run {} of {} failed; no retry: {}", run.runId(), slot.id,
                        e.toString(), e);
                continue;
            }
            // the caller of a run cut off by a crash is gone: it counts as nobody waiting for it
            boolean deadLetter = Completion.deadLetter(slot.definition, RunStatus.ABANDONED, false, outcome);
            RunRecord recorded = storedRecord(run);
            Instant end = recorded.endTime().orElse(ctx.clock.instant());
            PendingRun retry = outcome.kind() == RetryDecider.Outcome.Kind.RETRY
                    ? launcher.retryOf(slot, run.runId(), run.attempt(), run.scheduledTime(), run.arguments(), Set.of(),
                    ctx.clock.instant().plus(outcome.delay())) : null;
            // the record again, the retry, the dead letter and the end of the decision's pending run: one transaction
            RunRecord decided = recorded.finish(RunStatus.ABANDONED, end, recorded.message()
                    + (outcome.note().isEmpty() ? "" : " — " + outcome.note())
                    + (deadLetter ? "; moved to the dead letters" : ""), recorded.data());
            DeadLetter letter = deadLetter ? new DeadLetter(run.runId(), slot.id, run.arguments(), run.message(),
                    run.attempt(), run.scheduledTime(), end) : null;
            try {
                // the run finished (and was observed) when it was recorded ABANDONED: this write only completes it
                RunBatch batch = new RunBatch(List.of(decided), retry == null ? List.of() : List.of(retry),
                        letter == null ? List.of() : List.of(letter), List.of(decisionId(run.runId())));
                ObserverHub observers = stores.observers();
                long start = observers.start();
                try {
                    stores.store().write(batch);
                } catch (RuntimeException e) {
                    observers.storeWriteFailed(start, RunRecorder.rows(batch), e);
                    throw e;
                }
                observers.storeWrite(start, RunRecorder.rows(batch));
            } catch (RuntimeException e) {
                LOG.error("Could not store the decision about abandoned run {} of {}; the next start decides again: "
                        + "{}", run.runId(), slot.id, e.getMessage(), e);
                continue;
            }
            if (letter != null) {
                LOG.warn("Task {}: run {} moved to the dead letters after {} attempt(s): {}", slot.id, run.runId(),
                        run.attempt(), run.message());
            }
            if (retry != null) {
                synchronized (ctx.lock) {
                    launcher.retryAccepted(slot, retry);
                }
            }
        }
    }

    /** @return the run's record as stored, or the one this process holds if the store has none */
    private RunRecord storedRecord(RunRecord run) {
        try {
            return stores.store().run(run.runId()).filter(r -> r.status() == RunStatus.ABANDONED).orElse(run);
        } catch (RuntimeException e) {
            return run;
        }
    }
}
