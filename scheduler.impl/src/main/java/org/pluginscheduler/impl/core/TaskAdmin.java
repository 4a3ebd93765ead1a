package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;

import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.impl.schedule.Schedules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queries and commands behind the {@code TaskScheduler} service: listing and resolving tasks (from the
 * registry, never by scanning the store), run history and dead letters (from the store), triggers, calls and
 * submissions (through the launcher; a call runs on the caller's thread, watched by the execution service), enable/disable, pause/resume, reschedule (state changes that are durable
 * when the call returns), previews and statistics. Owns no state of its own.
 */
final class TaskAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TaskAdmin.class);

    private final CoreContext ctx;
    private final TaskRegistry registry;
    private final AdHocTasks adHoc;
    private final Planner planner;
    private final Launcher launcher;
    private final Completion completion;
    private final StoreBinding stores;
    private final TaskStateWriter states;

    TaskAdmin(CoreContext ctx, TaskRegistry registry, AdHocTasks adHoc, Planner planner, Launcher launcher, Completion completion,
              StoreBinding stores, TaskStateWriter states) {
        this.ctx = ctx;
        this.registry = registry;
        this.adHoc = adHoc;
        this.planner = planner;
        this.launcher = launcher;
        this.completion = completion;
        this.stores = stores;
        this.states = states;
    }

    // --- queries ----------------------------------------------------------------------------------------------

    List<TaskInfo> tasks() {
        List<TaskInfo> result = new ArrayList<>();
        synchronized (ctx.lock) {
            for (TaskSlot slot : registry.slots()) {
                result.add(info(slot));
            }
            for (TaskRegistry.Rejected r : registry.rejected()) {
                result.add(new TaskInfo(r.id(), r.claimant().ownerLabel, Optional.of(r.definition()),
                        r.definition().scheduleText(), false, r.state(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.of(r.problem())));
            }
            for (StoredTask stored : registry.dormant()) {
                result.add(dormant(stored));
            }
        }
        result.sort(Comparator.comparing(TaskInfo::id).thenComparing(TaskInfo::state));
        return result;
    }

    Optional<TaskInfo> task(TaskId id) {
        synchronized (ctx.lock) {
            TaskSlot slot = registry.slot(id);
            if (slot != null) {
                return Optional.of(info(slot));
            }
        }
        return tasks().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    private static TaskInfo info(TaskSlot slot) {
        return new TaskInfo(slot.id, slot.handle.ownerLabel, Optional.of(slot.definition), slot.scheduleText(),
                slot.stored.scheduleOverride().isPresent(), slot.state(),
                slot.enabled() ? Optional.ofNullable(slot.nextFire()) : Optional.empty(),
                slot.stored.lastFire(), slot.stored.lastStatus(), Optional.empty());
    }

    private static TaskInfo dormant(StoredTask stored) {
        return new TaskInfo(stored.id(), stored.ownerBundle(), Optional.empty(),
                stored.scheduleOverride().orElse(stored.scheduleText()), stored.scheduleOverride().isPresent(),
                TaskState.DORMANT, Optional.empty(), stored.lastFire(), stored.lastStatus(), Optional.empty());
    }

    /** Resolves a qualified id, or a bare id (with {@code @tenant}) where it is unique, from the registry. */
    TaskId resolve(String text) {
        String trimmed = text.trim();
        List<TaskId> known;
        synchronized (ctx.lock) {
            known = List.copyOf(registry.knownIds());
        }
        if (trimmed.contains(":")) {
            TaskId id;
            try {
                id = TaskId.parse(trimmed);
            } catch (IllegalArgumentException e) {
                throw new NoSuchTaskException(trimmed);
            }
            if (known.contains(id)) {
                return id;
            }
            throw new NoSuchTaskException(trimmed);
        }
        List<TaskId> matches = known.stream()
                .filter(id -> (id.id() + id.tenant().map(t -> "@" + t).orElse("")).equals(trimmed))
                .distinct().sorted().toList();
        if (matches.isEmpty()) {
            throw new NoSuchTaskException(trimmed);
        }
        if (matches.size() > 1) {
            throw new AmbiguousTaskIdException(trimmed, matches);
        }
        return matches.get(0);
    }

    List<RunRecord> runs(TaskId id, int limit) {
        requireKnown(id);
        return stores.store().runs(id, limit);
    }

    Optional<RunRecord> run(String runId) {
        return stores.store().run(runId);
    }

    private void requireKnown(TaskId id) {
        synchronized (ctx.lock) {
            if (!registry.isKnown(id)) {
                throw new NoSuchTaskException(id.toString());
            }
        }
    }

    /** @return the registered task, or an error saying why it cannot run. Under the lock. */
    private TaskSlot runnable(TaskId id) {
        assert ctx.locked();
        TaskSlot slot = registry.slot(id);
        if (slot == null) {
            if (!registry.isKnown(id)) {
                throw new NoSuchTaskException(id.toString());
            }
            TaskInfo info = task(id).orElseThrow(() -> new NoSuchTaskException(id.toString()));
            throw new IllegalStateException("task " + id + " cannot run: it is " + info.state().name().toLowerCase()
                    + info.problem().map(p -> " (" + p + ")").orElse(""));
        }
        return slot;
    }

    // --- runs -------------------------------------------------------------------------------------------------

    /** A manual trigger (overlap policy applies) or a replay/submission now (waits for the task's lock). */
    String trigger(TaskId id, RunTrigger trigger, Map<String, String> arguments, Set<String> lockKeys) {
        Launcher.Started started;
        TaskSlot slot;
        synchronized (ctx.lock) {
            slot = runnable(id);
            started = launcher.start(slot, trigger, ctx.clock.instant(), arguments, lockKeys,
                    trigger == RunTrigger.MANUAL);
        }
        launcher.accept(slot, started); // stored before the run is dispatched and before its id is returned
        if (started.execution() != null) {
            launcher.dispatch(started.execution());
        }
        return started.runId();
    }

    /**
     * Runs now on the caller's thread: no overlap check, no group limits. Named locks still hold (the task's and
     * {@code lockKeys}); a held lock fails the call at once rather than waiting.
     */
    RunRecord call(TaskId id, Map<String, String> arguments, Set<String> lockKeys) {
        checkLockKeys(lockKeys);
        Execution execution;
        RunExecutor target;
        synchronized (ctx.lock) {
            TaskSlot slot = runnable(id);
            target = launcher.executor();
            if (target == null) {
                throw new IllegalStateException("task " + id + " cannot run now: no execution service is available "
                        + "(fires are held until one returns)");
            }
            execution = launcher.call(slot, arguments, lockKeys);
        }
        RunHandoff handoff = launcher.handoff(execution, target);
        try {
            target.executeHere(handoff);
        } catch (RejectedExecutionException e) {
            completion.finishUnstarted(execution, "cancelled before it started: the execution service is stopping");
            throw new IllegalStateException("task " + id + " cannot run now: the execution service is stopping", e);
        } catch (RuntimeException | Error e) {
            if (execution.phase() == Execution.Phase.CREATED) { // never entered: its locks must not stay held
                completion.finishUnstarted(execution, "cancelled before it started: the execution service failed: "
                        + e);
            }
            throw e;
        }
        return handoff.record();
    }

    private static void checkLockKeys(Set<String> lockKeys) {
        for (String key : lockKeys) {
            if (key == null || !TaskId.ID_PATTERN.matcher(key).matches()) {
                throw new IllegalArgumentException("lockKeys: '" + key + "' must match " + TaskId.ID_PATTERN.pattern());
            }
        }
    }

    String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        checkLockKeys(lockKeys);
        if (at.isEmpty() || !at.get().isAfter(ctx.clock.instant())) {
            return trigger(id, RunTrigger.SUBMISSION, arguments, lockKeys);
        }
        TaskSlot slot;
        PendingRun accepted;
        synchronized (ctx.lock) {
            slot = runnable(id);
            accepted = launcher.submission(slot, arguments, at.get(), lockKeys);
        }
        launcher.accept(List.of(accepted)); // stored before it is armed and before its id is returned
        launcher.armAccepted(slot, accepted);
        return accepted.runId();
    }

    // --- administrative state ----------------------------------------------------------------------------------

    void setEnabled(TaskId id, boolean enabled) {
        updateState(id, s -> s.withEnabled(Optional.of(enabled)));
        LOG.info("Task {} {}", id, enabled ? "enabled" : "disabled");
    }

    void setPaused(TaskId id, boolean paused) {
        updateState(id, s -> s.withPaused(paused));
        LOG.info("Task {} {}", id, paused ? "paused" : "resumed");
        if (!paused) {
            List<Execution> toDispatch = new ArrayList<>();
            synchronized (ctx.lock) {
                TaskSlot slot = registry.slot(id);
                if (slot != null) {
                    planner.resumed(slot, toDispatch);
                }
            }
            toDispatch.forEach(launcher::dispatch);
        }
    }

    void reschedule(TaskId id, Optional<Schedule> schedule) {
        schedule.ifPresent(s -> Schedules.sequence(s, ctx.settings().defaultZone(), ctx.clock.instant())); // validate
        synchronized (ctx.lock) {
            TaskSlot slot = registry.updateState(id, s -> s.withScheduleOverride(schedule.map(Schedule::text)));
            if (slot != null) {
                planner.replan(slot, planner.effectiveSchedule(slot));
                states.save(slot.stored);
            }
        }
        states.awaitWrites();
        LOG.info("Task {} {}", id, schedule.map(s -> "rescheduled: " + s.text()).orElse("schedule reset"));
    }

    private void updateState(TaskId id, UnaryOperator<StoredTask> change) {
        synchronized (ctx.lock) {
            registry.updateState(id, change);
        }
        states.awaitWrites();
    }

    void pauseAll(boolean paused) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            planner.pauseAll(paused, registry.slots(), toDispatch);
        }
        LOG.info(paused ? "Scheduler paused: no task fires until it is resumed" : "Scheduler resumed");
        toDispatch.forEach(launcher::dispatch);
    }

    boolean isPausedAll() {
        synchronized (ctx.lock) {
            return planner.pausedAll();
        }
    }

    /** Removes an ad-hoc task, or forgets a dormant task; durable when it returns. */
    boolean removeTask(TaskId id) {
        List<Execution> toDispatch = new ArrayList<>();
        boolean removed;
        synchronized (ctx.lock) {
            removed = adHoc.removeTask(id, toDispatch);
        }
        if (removed) {
            states.awaitWrites();
        }
        toDispatch.forEach(launcher::dispatch);
        return removed;
    }

    // --- schedules --------------------------------------------------------------------------------------------

    List<ZonedDateTime> preview(Schedule schedule, Instant from, int count) {
        requireCount(count);
        return Schedules.preview(schedule, ctx.settings().defaultZone(), from, count);
    }

    String describe(Schedule schedule) {
        return Schedules.describe(schedule, ctx.settings().defaultZone());
    }

    /** @return the task's next fires as planned, in its zone */
    List<ZonedDateTime> nextFires(TaskId id, int count) {
        requireCount(count);
        synchronized (ctx.lock) {
            TaskSlot slot = registry.slot(id);
            if (slot == null || !slot.enabled()) {
                if (!registry.isKnown(id)) {
                    throw new NoSuchTaskException(id.toString());
                }
                return List.of();
            }
            return planner.nextFires(slot, count);
        }
    }

    private static void requireCount(int count) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("count: " + count + " is not in 1–1000");
        }
    }

    SchedulerStats stats() {
        RunStats stats = completion.stats();
        RunExecutor executor = launcher.executor();
        ExecutionStats execution = executor == null ? new ExecutionStats(List.of(), 0) : executor.stats();
        Optional<SchedulerStats.History> history;
        try { // a third-party store's own code: outside the lock, and its failure costs only this line of the stats
            history = stores.store().history();
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("The task store could not say what history it keeps: {}", e.toString(), e);
            history = Optional.empty();
        }
        synchronized (ctx.lock) {
            return new SchedulerStats(stats.since(), stats.counts(), stats.lagPercentiles(), execution.pools(),
                    execution.stuckRuns(), launcher.pendingRetries(registry.slots()), launcher.heldLocks(),
                    planner.pausedAll(), executor != null, launcher.held(), history, execution.owners(),
                    List.of());
        }
    }

    // --- dead letters and history ------------------------------------------------------------------------------

    List<DeadLetter> deadLetters() {
        return stores.store().deadLetters();
    }

    String replayDeadLetter(String runId) {
        DeadLetter letter = stores.store().deadLetters().stream().filter(d -> d.runId().equals(runId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no dead letter with run id '" + runId + "'"));
        if (!stores.store().removeDeadLetter(runId)) {
            throw new IllegalArgumentException("dead letter '" + runId + "' was replayed or purged meanwhile");
        }
        String newRun;
        try {
            newRun = trigger(letter.taskId(), RunTrigger.REPLAY, letter.arguments(), Set.of());
        } catch (RuntimeException e) {
            stores.store().addDeadLetter(letter); // not replayed after all: keep it
            throw e;
        }
        LOG.info("Dead letter {} of {} replayed as run {}", runId, letter.taskId(), newRun);
        return newRun;
    }

    int purgeDeadLetters(Optional<TaskId> taskId) {
        int removed = 0;
        for (DeadLetter d : stores.store().deadLetters()) {
            if (taskId.map(t -> t.equals(d.taskId())).orElse(true) && stores.store().removeDeadLetter(d.runId())) {
                removed++;
            }
        }
        return removed;
    }

    int purgeHistory(Duration olderThan) {
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("older than: " + olderThan + " must not be negative");
        }
        int removed = stores.store().pruneRuns(ctx.clock.instant().minus(olderThan), Integer.MAX_VALUE);
        LOG.info("Run history older than {} purged: {} run(s) removed", olderThan, removed);
        return removed;
    }
}
