package org.pluginscheduler.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.InvalidTaskDefinitionException;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler core, independent of OSGi so it can be tested with a fake clock and direct executors.
 *
 * <p><b>Threads.</b> Registration changes, admin operations and fire planning happen under one lock and never
 * call task code. Reading a provider's task list (foreign code) happens on the {@code control} executor, never on
 * the caller's (DS) thread. The timer thread only plans fires and hands runs to the {@code workers}. Task code
 * runs on workers, or on the caller's thread for {@link #call}.
 */
final class SchedulerEngine {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerEngine.class);

    /** The engine's settings; validated by the component. */
    record Settings(ZoneId defaultZone, Duration gracePeriod) {
    }

    /**
     * A claim that was rejected: a conflicting id or an invalid definition.
     *
     * @param waitsForId the id was taken by another source: the claim registers when the id frees. False for an
     *                   id listed twice by one provider, whose first definition is the one used (even if invalid)
     */
    private record Rejected(TaskId id, ProviderHandle claimant, TaskDefinition definition, TaskState state,
                            String problem, boolean waitsForId) {
    }

    private final Clock clock;
    private final Executor control;
    private final Executor workers;
    private final TaskTimer timer;
    private final Object lock = new Object();
    private final Map<TaskId, TaskSlot> slots = new HashMap<>();
    private final List<Rejected> rejected = new ArrayList<>();
    private final Map<Long, ProviderHandle> adHoc = new HashMap<>();
    private final AtomicLong runCounter = new AtomicLong();
    private volatile TaskStore store;
    private volatile Settings settings;
    private boolean pausedAll;
    private boolean stopped;

    SchedulerEngine(Clock clock, Executor control, Executor workers, TaskStore store, Settings settings) {
        this.clock = clock;
        this.control = control;
        this.workers = workers;
        this.timer = new TaskTimer(clock);
        this.store = store;
        this.settings = settings;
    }

    TaskTimer timer() {
        return timer;
    }

    Clock clock() {
        return clock;
    }

    // --- providers -------------------------------------------------------------------------------------------

    /** Registers a provider's tasks asynchronously; never blocks, never throws. */
    void providerAdded(ProviderHandle handle) {
        readLater(handle);
    }

    /** Re-reads a provider's task list asynchronously and applies the difference. */
    void providerModified(ProviderHandle handle) {
        readLater(handle);
    }

    private void readLater(ProviderHandle handle) {
        try {
            control.execute(() -> read(handle));
        } catch (RejectedExecutionException e) {
            LOG.warn("Scheduler is stopping; tasks of {} are not registered", handle);
        }
    }

    private void read(ProviderHandle handle) {
        if (handle.isGone()) {
            return;
        }
        List<TaskDefinition> definitions;
        try {
            definitions = List.copyOf(handle.provider.tasks());
        } catch (RuntimeException | Error e) {
            LOG.error("{} failed to list its tasks; it contributes none until its list is read again", handle, e);
            definitions = List.of();
        }
        synchronized (lock) {
            if (!handle.isGone() && !stopped) {
                apply(handle, definitions);
            }
        }
    }

    /**
     * The provider is gone: its tasks stop firing at once, runs inside its code are cancelled and awaited up to
     * the grace period, and it is never called again. Blocks the caller up to the grace period, so a stopping
     * bundle does not lose its classes under a running task.
     */
    void providerRemoved(ProviderHandle handle) {
        List<Execution> inside;
        synchronized (lock) {
            inside = handle.close();
            for (TaskSlot slot : slotsOf(handle)) {
                unregister(slot, handle + " went away");
            }
            rejected.removeIf(r -> r.claimant == handle);
        }
        cancelAndAwait(inside, handle + " went away");
        synchronized (lock) {
            retryConflicts();
        }
    }

    private List<TaskSlot> slotsOf(ProviderHandle handle) {
        return slots.values().stream().filter(s -> s.handle == handle).toList();
    }

    private void cancelAndAwait(List<Execution> executions, String reason) {
        if (executions.isEmpty()) {
            return;
        }
        executions.forEach(e -> e.cancel(reason));
        long deadline = System.nanoTime() + settings.gracePeriod().toNanos();
        for (Execution e : executions) {
            if (e.runsOn(Thread.currentThread())) {
                continue; // a task stopping its own bundle: it cannot wait for itself
            }
            try {
                if (!e.await(Math.max(0, deadline - System.nanoTime()))) {
                    LOG.warn("{} did not end within the grace period of {} after cancellation ({}); it is left to "
                            + "finish on its own and its result will be recorded", e, settings.gracePeriod(), reason);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Applies a provider's current task list. Called under the lock. */
    private void apply(ProviderHandle handle, List<TaskDefinition> definitions) {
        rejected.removeIf(r -> r.claimant == handle);
        Map<String, TaskDefinition> byId = new LinkedHashMap<>();
        for (TaskDefinition definition : definitions) {
            if (definition == null) {
                LOG.warn("{} listed a null task definition; ignored", handle);
                continue;
            }
            if (byId.putIfAbsent(String.valueOf(definition.id()), definition) != null) {
                reject(handle, definition, TaskState.CONFLICT, "id: '" + definition.id()
                        + "' appears more than once in the provider's list; the first one is used", false);
            }
        }
        for (TaskSlot slot : slotsOf(handle)) {
            if (!byId.containsKey(slot.id.id())) {
                unregister(slot, "removed from its provider's list");
                LOG.info("Task {} removed: no longer in the list of {}", slot.id, handle);
            }
        }
        byId.values().forEach(d -> register(handle, d));
    }

    /**
     * Registers, updates or rejects one definition. Called under the lock.
     *
     * @return the problem if rejected
     */
    private Optional<String> register(ProviderHandle handle, TaskDefinition definition) {
        List<String> problems = new ArrayList<>(definition.problems());
        if (problems.stream().anyMatch(p -> p.startsWith("id:"))) {
            String problem = String.join("; ", problems);
            LOG.warn("Rejected a task of {}: {}", handle, problem);
            return Optional.of(problem);
        }
        TaskId id = TaskId.of(handle.owner, definition.id());
        FireSequence sequence = null;
        if (problems.isEmpty()) {
            try {
                sequence = Schedules.sequence(definition.schedule(), settings.defaultZone(), clock.instant());
            } catch (ScheduleParseException e) {
                problems.add("schedule: " + e.getMessage());
            }
        }
        TaskSlot existing = slots.get(id);
        if (!problems.isEmpty()) {
            String problem = String.join("; ", problems);
            reject(handle, definition, TaskState.INVALID, problem, false);
            if (existing != null && existing.handle == handle) {
                LOG.warn("Task {} keeps its previous definition: the new one from {} is invalid: {}", id, handle,
                        problem);
            } else {
                LOG.warn("Rejected task {} from {}: {}", id, handle, problem);
            }
            return Optional.of(problem);
        }
        if (existing != null && existing.handle != handle) {
            String problem = "id taken: " + id + " is already provided by " + existing.handle;
            reject(handle, definition, TaskState.CONFLICT, problem, true);
            LOG.warn("Conflict: {} claims task {}, which {} already provides; the claim is rejected and the "
                    + "existing task keeps running", handle, id, existing.handle);
            return Optional.of(problem);
        }
        if (existing != null) {
            if (!existing.definition.equals(definition)) {
                existing.definition = definition;
                existing.stored = existing.stored.withDefinition(handle.ownerLabel, digest(definition),
                        definition.scheduleText());
                replan(existing, effectiveSchedule(existing));
                save(existing);
                LOG.info("Task {} updated by {}: {}", id, handle, existing.schedule.text());
            }
            return Optional.empty();
        }
        StoredTask stored = store().loadTask(id)
                .map(s -> s.withDefinition(handle.ownerLabel, digest(definition), definition.scheduleText()))
                .orElseGet(() -> StoredTask.fresh(id, handle.ownerLabel, digest(definition), definition.scheduleText()))
                .withDormant(false);
        TaskSlot slot = new TaskSlot(id, handle, definition, stored);
        slots.put(id, slot);
        slot.sequence = sequence;
        replan(slot, effectiveSchedule(slot));
        save(slot);
        LOG.info("Task {} registered from {}: {}, next fire {}", id, handle, slot.schedule.text(),
                slot.nextFire == null ? "none" : slot.nextFire);
        return Optional.empty();
    }

    private void reject(ProviderHandle handle, TaskDefinition definition, TaskState state, String problem,
                        boolean waitsForId) {
        if (definition.id() != null && TaskId.ID_PATTERN.matcher(definition.id()).matches()) {
            rejected.add(new Rejected(TaskId.of(handle.owner, definition.id()), handle, definition, state, problem,
                    waitsForId));
        }
    }

    /** After a task went away, a claim it blocked may take its id. Called under the lock. */
    private void retryConflicts() {
        for (Rejected r : List.copyOf(rejected)) {
            if (r.waitsForId && !slots.containsKey(r.id) && !r.claimant.isGone()) {
                rejected.remove(r);
                if (register(r.claimant, r.definition).isEmpty()) {
                    LOG.info("Task {} from {} registered now that the id is free", r.id, r.claimant);
                }
            }
        }
    }

    /** Stops a slot firing, cancels its runs (without waiting) and marks its state dormant. Under the lock. */
    private void unregister(TaskSlot slot, String reason) {
        slot.removed = true;
        timer.cancel(slot.armed);
        slot.armed = null;
        slot.nextFire = null;
        slots.remove(slot.id);
        for (Execution e : List.copyOf(slot.running)) {
            e.cancel(reason);
        }
        slot.stored = slot.stored.withDormant(true).withNextFire(Optional.empty());
        save(slot);
    }

    private Schedule effectiveSchedule(TaskSlot slot) {
        Optional<String> override = slot.stored.scheduleOverride();
        if (override.isPresent()) {
            try {
                return Schedule.parse(override.get());
            } catch (ScheduleParseException e) {
                LOG.warn("Task {}: ignoring its stored schedule override '{}': {}", slot.id, override.get(),
                        e.getMessage());
            }
        }
        return slot.definition.schedule();
    }

    /** Recomputes a slot's sequence from now and re-arms it. Under the lock. */
    private void replan(TaskSlot slot, Schedule schedule) {
        Instant now = clock.instant();
        if (!schedule.equals(slot.schedule) || slot.sequence == null) {
            slot.sequence = Schedules.sequence(schedule, settings.defaultZone(), now);
            slot.anchor = now;
        }
        slot.schedule = schedule;
        arm(slot, next(slot, () -> slot.sequence.first(now)));
    }

    /**
     * Computes a fire; a schedule library failing on a rule it accepted earlier stops that task alone (logged,
     * no next fire) instead of breaking the timer.
     */
    private Instant next(TaskSlot slot, java.util.function.Supplier<Optional<Instant>> computation) {
        try {
            return computation.get().orElse(null);
        } catch (RuntimeException e) {
            LOG.error("Task {}: cannot compute the next fire of {}: {}; the task will not fire until it is "
                    + "rescheduled or re-registered", slot.id, slot.schedule.text(), e.getMessage(), e);
            return null;
        }
    }

    private void arm(TaskSlot slot, Instant at) {
        timer.cancel(slot.armed);
        slot.armed = null;
        slot.nextFire = at;
        slot.stored = slot.stored.withNextFire(Optional.ofNullable(at));
        if (at != null && !slot.removed) {
            slot.armed = timer.schedule(at, scheduled -> fired(slot, scheduled));
        }
    }

    /** The timer thread: plan the next fire, then hand the run to a worker. */
    private void fired(TaskSlot slot, Instant scheduled) {
        Execution execution;
        synchronized (lock) {
            if (slot.removed || stopped) {
                return;
            }
            Instant now = clock.instant();
            // fires missed while the scheduler was held up are skipped (misfire policies arrive later)
            slot.armed = null;
            Instant after = scheduled.isAfter(now) ? scheduled : now;
            arm(slot, next(slot, () -> slot.sequence.nextAfter(after)));
            if (!slot.firesOnSchedule() || pausedAll) {
                return;
            }
            execution = start(slot, RunTrigger.SCHEDULE, scheduled, Map.of()).execution();
        }
        if (execution != null) {
            dispatch(execution);
        }
    }

    /** What {@link #start} did: a run to dispatch, or the record of a skipped fire. */
    private record Started(Execution execution, RunRecord skipped) {
        String runId() {
            return execution != null ? execution.runId() : skipped.runId();
        }
    }

    /**
     * Creates a run unless the overlap policy forbids it, in which case a SKIPPED record is written. Under the
     * lock.
     */
    private Started start(TaskSlot slot, RunTrigger trigger, Instant scheduled, Map<String, String> arguments) {
        String runId = nextRunId();
        if (!slot.running.isEmpty() && slot.definition.overlapPolicy() != OverlapPolicy.ALLOW) {
            RunRecord skipped = new RunRecord(runId, slot.id, trigger, 1, RunStatus.SKIPPED, scheduled,
                    Optional.empty(), Optional.empty(), "skipped: the previous run is still running", Map.of(),
                    arguments);
            slot.stored = slot.stored.withLastRun(scheduled, RunStatus.SKIPPED);
            TaskStore s = store();
            workers.execute(() -> record(s, skipped));
            return new Started(null, skipped);
        }
        Execution execution = new Execution(slot, runId, trigger, scheduled, arguments);
        slot.running.add(execution);
        return new Started(execution, null);
    }

    private void dispatch(Execution execution) {
        try {
            workers.execute(() -> execute(execution));
        } catch (RejectedExecutionException e) {
            finish(execution, RunStatus.CANCELLED, "the scheduler is stopping", Map.of(), clock.instant());
        }
    }

    /** Runs one execution on the current thread and records it. */
    private RunRecord execute(Execution execution) {
        TaskSlot slot = execution.slot;
        Instant start = clock.instant();
        execution.started(start);
        ProviderHandle handle = slot.handle;
        if (!handle.enter(execution)) {
            return finish(execution, RunStatus.CANCELLED, "cancelled before it started: its provider went away",
                    Map.of(), start);
        }
        RunStatus status;
        String message;
        Map<String, String> data = Map.of();
        try {
            if (!execution.enter(Thread.currentThread())) {
                return finish(execution, RunStatus.CANCELLED, "cancelled before it started: "
                        + execution.cancelReason(), Map.of(), start);
            }
            record(store(), new RunRecord(execution.runId(), slot.id, execution.trigger(), 1, RunStatus.RUNNING,
                    execution.scheduledTime(), Optional.of(start), Optional.empty(), "", Map.of(),
                    execution.arguments()));
            try {
                TaskAction action = handle.actions.action(slot.id.id());
                if (action == null) {
                    throw new IllegalStateException("its provider no longer has task " + slot.id.id());
                }
                TaskResult result = action.execute(execution);
                if (result == null) {
                    result = TaskResult.failure("the task returned no result");
                }
                data = result.data();
                message = result.message();
                status = result.successful() ? RunStatus.SUCCEEDED : RunStatus.FAILED;
            } catch (Exception | LinkageError | AssertionError e) {
                message = describe(e);
                status = RunStatus.FAILED;
                if (!execution.isCancelled()) {
                    LOG.warn("Task {} failed (run {}): {}", slot.id, execution.runId(), message, e);
                }
            } finally {
                execution.exit();
                Thread.interrupted(); // never hand an interrupted thread back to the pool
            }
        } finally {
            handle.exit(execution);
        }
        if (execution.isCancelled()) {
            status = RunStatus.CANCELLED;
            message = "cancelled: " + execution.cancelReason() + (message.isEmpty() ? "" : " (" + message + ")");
        }
        return finish(execution, status, message, data, clock.instant());
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private RunRecord finish(Execution execution, RunStatus status, String message, Map<String, String> data,
                             Instant end) {
        TaskSlot slot = execution.slot;
        RunRecord finished = new RunRecord(execution.runId(), slot.id, execution.trigger(), 1, status,
                execution.scheduledTime(), Optional.of(execution.startTime()), Optional.of(end), message, data,
                execution.arguments());
        try {
            record(store(), finished);
            synchronized (lock) {
                slot.running.remove(execution);
                slot.stored = slot.stored.withLastRun(execution.scheduledTime(), status);
                TaskSlot current = slots.get(slot.id);
                if (current == slot || current == null) {
                    save(slot); // not when a newer registration of the same id owns the state now
                }
            }
        } finally {
            execution.finished();
        }
        return finished;
    }

    private void record(TaskStore s, RunRecord run) {
        try {
            s.recordRun(run);
        } catch (RuntimeException e) {
            LOG.error("Could not record run {} of {} ({}) in the task store: {}", run.runId(), run.taskId(),
                    run.status(), e.getMessage(), e);
        }
    }

    private void save(TaskSlot slot) {
        try {
            store().saveTask(slot.stored);
        } catch (RuntimeException e) {
            LOG.error("Could not save the state of task {} in the task store: {}", slot.id, e.getMessage(), e);
        }
    }

    private String nextRunId() {
        return Long.toString(clock.millis(), 36) + "-" + Long.toString(runCounter.incrementAndGet(), 36);
    }

    private TaskStore store() {
        return store;
    }

    // --- administration --------------------------------------------------------------------------------------

    List<TaskInfo> tasks() {
        List<TaskInfo> result = new ArrayList<>();
        Set<TaskId> seen = new HashSet<>();
        synchronized (lock) {
            for (TaskSlot slot : slots.values()) {
                result.add(info(slot));
                seen.add(slot.id);
            }
            for (Rejected r : rejected) {
                result.add(new TaskInfo(r.id, r.claimant.ownerLabel, Optional.of(r.definition),
                        r.definition.scheduleText(), false, r.state, Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.of(r.problem)));
                seen.add(r.id);
            }
        }
        for (StoredTask stored : store().loadTasks()) {
            if (!seen.contains(stored.id())) {
                result.add(dormant(stored));
            }
        }
        result.sort(Comparator.comparing(TaskInfo::id).thenComparing(TaskInfo::state));
        return result;
    }

    Optional<TaskInfo> task(TaskId id) {
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot != null) {
                return Optional.of(info(slot));
            }
        }
        return tasks().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    private TaskInfo info(TaskSlot slot) {
        return new TaskInfo(slot.id, slot.handle.ownerLabel, Optional.of(slot.definition), slot.schedule.text(),
                slot.stored.scheduleOverride().isPresent(), slot.state(), Optional.ofNullable(slot.nextFire),
                slot.stored.lastFire(), slot.stored.lastStatus(), Optional.empty());
    }

    private static TaskInfo dormant(StoredTask stored) {
        return new TaskInfo(stored.id(), stored.ownerBundle(), Optional.empty(),
                stored.scheduleOverride().orElse(stored.scheduleText()), stored.scheduleOverride().isPresent(),
                TaskState.DORMANT, Optional.empty(), stored.lastFire(), stored.lastStatus(), Optional.empty());
    }

    TaskId resolve(String text) {
        String trimmed = text.trim();
        List<TaskInfo> all = tasks();
        if (trimmed.contains(":")) {
            TaskId id;
            try {
                id = TaskId.parse(trimmed);
            } catch (IllegalArgumentException e) {
                throw new NoSuchTaskException(trimmed);
            }
            if (all.stream().anyMatch(t -> t.id().equals(id))) {
                return id;
            }
            throw new NoSuchTaskException(trimmed);
        }
        List<TaskId> matches = all.stream().map(TaskInfo::id)
                .filter(id -> (id.id() + id.tenant().map(t -> "@" + t).orElse("")).equals(trimmed))
                .distinct().toList();
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
        return store().runs(id, limit);
    }

    Optional<RunRecord> run(String runId) {
        return store().run(runId);
    }

    private TaskSlot runnable(TaskId id) {
        TaskSlot slot = slots.get(id);
        if (slot == null) {
            TaskInfo info = task(id).orElseThrow(() -> new NoSuchTaskException(id.toString()));
            throw new IllegalStateException("task " + id + " cannot run: it is " + info.state()
                    + info.problem().map(p -> " (" + p + ")").orElse(""));
        }
        return slot;
    }

    String trigger(TaskId id, RunTrigger trigger, Map<String, String> arguments) {
        Started started;
        synchronized (lock) {
            started = start(runnable(id), trigger, clock.instant(), arguments);
        }
        if (started.execution() != null) {
            dispatch(started.execution());
        }
        return started.runId();
    }

    RunRecord call(TaskId id, Map<String, String> arguments) {
        Execution execution;
        synchronized (lock) {
            TaskSlot slot = runnable(id);
            execution = new Execution(slot, nextRunId(), RunTrigger.CALL, clock.instant(), arguments);
            slot.running.add(execution);
        }
        return execute(execution);
    }

    String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at) {
        if (at.isEmpty() || !at.get().isAfter(clock.instant())) {
            return trigger(id, RunTrigger.SUBMISSION, arguments);
        }
        synchronized (lock) {
            TaskSlot slot = runnable(id);
            String runId = nextRunId();
            timer.schedule(at.get(), scheduled -> {
                Execution execution;
                synchronized (lock) {
                    if (slot.removed || stopped) {
                        LOG.info("Submitted run {} of {} dropped: the task is gone", runId, slot.id);
                        return;
                    }
                    execution = new Execution(slot, runId, RunTrigger.SUBMISSION, scheduled, arguments);
                    slot.running.add(execution);
                }
                dispatch(execution);
            });
            return runId;
        }
    }

    void setEnabled(TaskId id, boolean enabled) {
        updateState(id, s -> s.withEnabled(Optional.of(enabled)));
    }

    void setPaused(TaskId id, boolean paused) {
        updateState(id, s -> s.withPaused(paused));
    }

    void reschedule(TaskId id, Optional<Schedule> schedule) {
        schedule.ifPresent(s -> Schedules.sequence(s, settings.defaultZone(), clock.instant())); // validate first
        updateState(id, s -> s.withScheduleOverride(schedule.map(Schedule::text)));
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot != null) {
                replan(slot, effectiveSchedule(slot));
                save(slot);
            }
        }
    }

    private void updateState(TaskId id, java.util.function.UnaryOperator<StoredTask> change) {
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot != null) {
                slot.stored = change.apply(slot.stored);
                save(slot);
                return;
            }
            if (rejected.stream().anyMatch(r -> r.id.equals(id))) {
                throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid)");
            }
            StoredTask stored = store().loadTask(id).orElseThrow(() -> new NoSuchTaskException(id.toString()));
            store().saveTask(change.apply(stored)); // a dormant task keeps the setting for when it returns
        }
    }

    private void requireKnown(TaskId id) {
        synchronized (lock) {
            if (slots.containsKey(id) || rejected.stream().anyMatch(r -> r.id.equals(id))) {
                return;
            }
        }
        if (store().loadTask(id).isEmpty()) {
            throw new NoSuchTaskException(id.toString());
        }
    }

    void pauseAll(boolean paused) {
        synchronized (lock) {
            pausedAll = paused;
        }
        LOG.info(paused ? "Scheduler paused: no task fires until it is resumed" : "Scheduler resumed");
    }

    boolean isPausedAll() {
        synchronized (lock) {
            return pausedAll;
        }
    }

    List<ZonedDateTime> preview(Schedule schedule, Instant from, int count) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("count: " + count + " is not in 1–1000");
        }
        return Schedules.preview(schedule, settings.defaultZone(), from, count);
    }

    String describe(Schedule schedule) {
        return Schedules.describe(schedule, settings.defaultZone());
    }

    // --- ad-hoc tasks ----------------------------------------------------------------------------------------

    TaskId addTask(long bundleId, String owner, String ownerLabel, TaskDefinition definition, TaskAction action,
                   boolean replace) {
        definition.validate();
        synchronized (lock) {
            ProviderHandle handle = adHoc.computeIfAbsent(bundleId, b -> new AdHocActions(owner, bundleId, ownerLabel)
                    .handle);
            AdHocActions actions = (AdHocActions) handle.actions;
            TaskId id = TaskId.of(owner, definition.id());
            TaskSlot existing = slots.get(id);
            if (existing != null && existing.handle != handle) {
                throw new IllegalStateException("task " + id + " is already provided by " + existing.handle);
            }
            if (existing != null && !replace) {
                throw new IllegalStateException("task " + id + " already exists; pass replace to replace it");
            }
            actions.put(definition.id(), action);
            Optional<String> problem = register(handle, definition);
            if (problem.isPresent()) {
                actions.remove(definition.id());
                rejected.removeIf(r -> r.claimant == handle && r.id.equals(id));
                throw new InvalidTaskDefinitionException(definition.id(), List.of(problem.get()));
            }
            return id;
        }
    }

    /** Removes an ad-hoc task of any bundle, or forgets a dormant task; provider tasks cannot be removed. */
    boolean removeTask(TaskId id) {
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot != null) {
                if (!(slot.handle.actions instanceof AdHocActions actions)) {
                    throw new IllegalStateException("task " + id + " is provided by " + slot.handle
                            + "; disable it or stop its bundle instead");
                }
                unregister(slot, "removed by an administrator");
                actions.remove(id.id());
                store().deleteTask(id);
                retryConflicts();
                LOG.info("Task {} removed", id);
                return true;
            }
            if (rejected.stream().anyMatch(r -> r.id.equals(id))) {
                throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid); fix "
                        + "or stop the bundle that claims it");
            }
            if (store().loadTask(id).isPresent()) {
                store().deleteTask(id);
                LOG.info("Dormant task {} forgotten: its state and history are deleted", id);
                return true;
            }
            return false;
        }
    }

    /** @return the task's next fires as planned, in its zone */
    List<ZonedDateTime> nextFires(TaskId id, int count) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("count: " + count + " is not in 1–1000");
        }
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot == null) {
                requireKnown(id);
                return List.of();
            }
            ZoneId zone = slot.schedule.zone().orElse(settings.defaultZone());
            List<ZonedDateTime> fires = new ArrayList<>();
            Instant next = slot.nextFire;
            // a fresh sequence with the same anchor, so the live one (an RRULE iterator) is not disturbed
            FireSequence copy = Schedules.sequence(slot.schedule, settings.defaultZone(), slot.anchor);
            while (next != null && fires.size() < count) {
                fires.add(next.atZone(zone));
                Instant current = next;
                next = next(slot, () -> copy.nextAfter(current));
            }
            return fires;
        }
    }

    /** The bundle's service instance was released: its ad-hoc tasks go, like a departing provider's. */
    void releaseAdHoc(long bundleId) {
        ProviderHandle handle;
        synchronized (lock) {
            handle = adHoc.remove(bundleId);
        }
        if (handle != null) {
            providerRemoved(handle);
        }
    }

    /** Ad-hoc task code of one bundle. */
    private static final class AdHocActions implements ProviderHandle.Actions {
        private final Map<String, TaskAction> actions = new java.util.concurrent.ConcurrentHashMap<>();
        final ProviderHandle handle;

        AdHocActions(String owner, long bundleId, String ownerLabel) {
            this.handle = new ProviderHandle(owner, bundleId, ownerLabel, "ad-hoc tasks of " + ownerLabel, null, this);
        }

        void put(String id, TaskAction action) {
            actions.put(id, action);
        }

        void remove(String id) {
            actions.remove(id);
        }

        @Override
        public TaskAction action(String taskId) {
            return actions.get(taskId);
        }
    }

    // --- dead letters ----------------------------------------------------------------------------------------

    List<DeadLetter> deadLetters() {
        return store().deadLetters();
    }

    String replayDeadLetter(String runId) {
        DeadLetter letter = store().deadLetters().stream().filter(d -> d.runId().equals(runId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no dead letter with run id '" + runId + "'"));
        String newRun = trigger(letter.taskId(), RunTrigger.REPLAY, letter.arguments());
        store().removeDeadLetter(runId);
        return newRun;
    }

    int purgeDeadLetters(Optional<TaskId> taskId) {
        int removed = 0;
        for (DeadLetter d : store().deadLetters()) {
            if (taskId.map(t -> t.equals(d.taskId())).orElse(true) && store().removeDeadLetter(d.runId())) {
                removed++;
            }
        }
        return removed;
    }

    // --- lifecycle and settings ------------------------------------------------------------------------------

    /** Applies new settings; schedules without their own zone are re-planned if the default zone changed. */
    void settings(Settings newSettings) {
        synchronized (lock) {
            Settings old = settings;
            settings = newSettings;
            if (!old.defaultZone().equals(newSettings.defaultZone())) {
                for (TaskSlot slot : slots.values()) {
                    if (slot.schedule.zone().isEmpty()) {
                        slot.sequence = null;
                        replan(slot, slot.schedule);
                    }
                }
            }
        }
    }

    Settings settings() {
        return settings;
    }

    /** A different store won: merge what it knows into the registered tasks and write their state to it. */
    void store(TaskStore newStore) {
        synchronized (lock) {
            store = newStore;
            for (TaskSlot slot : slots.values()) {
                Optional<StoredTask> known = newStore.loadTask(slot.id);
                if (known.isPresent()) {
                    StoredTask k = known.get();
                    slot.stored = slot.stored.withEnabled(k.enabled()).withPaused(k.paused())
                            .withScheduleOverride(k.scheduleOverride());
                    replan(slot, effectiveSchedule(slot));
                }
                save(slot);
            }
        }
    }

    /** Starts the timer thread. */
    void start() {
        timer.start("task-scheduler-timer");
    }

    /**
     * Stops: no more fires, every running execution is cancelled and awaited up to the grace period, and no
     * provider is called afterwards.
     */
    void stop() {
        List<Execution> inside = new ArrayList<>();
        List<ProviderHandle> handles;
        synchronized (lock) {
            stopped = true;
            handles = new ArrayList<>();
            slots.values().forEach(s -> {
                timer.cancel(s.armed);
                if (!handles.contains(s.handle)) {
                    handles.add(s.handle);
                }
            });
        }
        timer.stop();
        handles.forEach(h -> inside.addAll(h.close()));
        cancelAndAwait(inside, "the scheduler is stopping");
    }

    static String digest(TaskDefinition d) {
        String canonical = String.join("\n", d.id(), d.name(), d.description(), d.scheduleText(),
                String.valueOf(d.timeout().orElse(null)), String.valueOf(d.retryPolicy()), d.overlapPolicy().name(),
                d.priority().name(), String.valueOf(d.misfirePolicy()), String.valueOf(d.lockKeys()),
                String.valueOf(d.group().orElse(null)), String.valueOf(d.perTenant()),
                String.valueOf(d.deadLetterEligible()), String.valueOf(d.enabledByDefault()),
                String.valueOf(new java.util.TreeMap<>(d.config())));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
