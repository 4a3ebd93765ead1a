package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;
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
 * lock, since it reads and writes the store.
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
        List<RunRecord> found = new ArrayList<>();
        for (RunRecord run : running) {
            if (live.contains(run.runId()) || !stillRunning(s, run)) {
                continue;
            }
            RunRecord abandonedRun = run.finish(RunStatus.ABANDONED, now,
                    "abandoned: the runtime stopped or crashed while it ran", run.data());
            StoreBinding.record(s, abandonedRun);
            completion.stats().count(RunStatus.ABANDONED);
            found.add(abandonedRun);
            LOG.warn("Run {} of {} was left RUNNING by the previous process; recorded as ABANDONED", run.runId(),
                    run.taskId());
        }
        synchronized (ctx.lock) {
            found.forEach(r -> waiting.computeIfAbsent(r.taskId(), k -> new ArrayList<>()).add(r));
        }
    }

    private static boolean stillRunning(TaskStore s, RunRecord run) {
        try {
            return s.run(run.runId()).map(r -> r.status() == RunStatus.RUNNING).orElse(false);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Decides, now or after the recovery delay, what follows each abandoned run whose task is registered. */
    void decideSoon() {
        Duration wait = ctx.settings().recoveryDelay();
        Instant since = completion.stats().since();
        if (!wait.isZero() && ctx.clock.instant().isBefore(since.plus(wait))) {
            synchronized (ctx.lock) {
                if (!waiting.isEmpty() && !decisionPlanned) {
                    decisionPlanned = true;
                    timer.schedule(since.plus(wait), due -> ctx.control(() -> {
                        synchronized (ctx.lock) {
                            decisionPlanned = false;
                        }
                        decide();
                    }));
                }
            }
            return;
        }
        decide();
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
            Instant end = run.endTime().orElse(ctx.clock.instant());
            if (!outcome.note().isEmpty() || deadLetter) {
                StoreBinding.record(stores.store(), run.finish(RunStatus.ABANDONED, end,
                        run.message() + (outcome.note().isEmpty() ? "" : " — " + outcome.note())
                                + (deadLetter ? "; moved to the dead letters" : ""), run.data()));
            }
            if (deadLetter) {
                completion.addDeadLetter(new DeadLetter(run.runId(), slot.id, run.arguments(), run.message(),
                        run.attempt(), run.scheduledTime(), end));
            }
            if (outcome.kind() == RetryDecider.Outcome.Kind.RETRY) {
                synchronized (ctx.lock) {
                    if (!slot.removed) {
                        launcher.retryAbandoned(slot, run, outcome.delay());
                    }
                }
            }
        }
    }
}
