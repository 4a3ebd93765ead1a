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
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.InvalidTaskDefinitionException;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskRetryRequestedException;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler core, independent of OSGi so it can be tested with a fake clock and hand-driven workers.
 *
 * <p><b>Threads.</b> Registration changes, admin operations and run planning happen under one lock and never
 * call task code. Reading a provider's task list (foreign code) happens on the {@code control} executor, never on
 * the caller's (DS) thread. The timer thread only plans (fires, retries, lock waits, deadlines) and hands runs to
 * the {@link Workers}. Task code runs on workers, or on the caller's thread for {@link #call}. Failure handlers
 * (foreign code) are called on the worker that ran the failed attempt, outside the lock.
 *
 * <p><b>A run's path.</b> A fire (or trigger, submission, retry, misfire) becomes an {@link Execution}, subject to
 * the overlap policy for scheduled and manual runs. Dispatch takes its named locks (all or none) and a permit of
 * its group's concurrency/rate limit; contention re-plans the dispatch after the lock retry delay without spending
 * a retry. A worker of the task's priority runs it, with a deadline if the task has a timeout. A failed or timed
 * out run goes to {@link RetryDecider}; exhausted runs become dead letters if the task is eligible.
 */
final class SchedulerEngine {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerEngine.class);

    /**
     * The engine's settings; validated by the component.
     *
     * @param gracePeriod     how long departing providers' cancelled runs (and at stop, running work) are awaited
     * @param lockRetryDelay  how long a run waits before trying again for a held lock or a full group
     * @param defaultMisfire  the misfire policy of definitions that name none
     * @param tenants         the tenants per-tenant tasks are instantiated for
     * @param groups          concurrency and rate limits per group
     * @param stuckAfter      how long after its timeout interrupt a run that has not ended is declared stuck
     */
    record Settings(ZoneId defaultZone, Duration gracePeriod, Duration lockRetryDelay, MisfirePolicy defaultMisfire,
                    List<String> tenants, Map<String, GroupLimits.Limit> groups, Duration stuckAfter,
                    Duration recoveryDelay) {
        Settings {
            tenants = List.copyOf(tenants);
            groups = Map.copyOf(groups);
        }

        Settings(ZoneId defaultZone, Duration gracePeriod, Duration lockRetryDelay, MisfirePolicy defaultMisfire,
                 List<String> tenants, Map<String, GroupLimits.Limit> groups, Duration stuckAfter) {
            this(defaultZone, gracePeriod, lockRetryDelay, defaultMisfire, tenants, groups, stuckAfter, Duration.ZERO);
        }

        static Settings defaults(ZoneId zone, Duration gracePeriod) {
            return new Settings(zone, gracePeriod, Duration.ofSeconds(1), MisfirePolicy.runOnce(), List.of(),
                    Map.of(), Duration.ofSeconds(5), Duration.ZERO);
        }
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
    private final Executor stateWriter;
    /** Task states to write, latest snapshot per task. Guarded by the lock. */
    private final Map<TaskId, StoredTask> dirty = new LinkedHashMap<>();
    private boolean flushQueued;
    private final Workers workers;
    private final TaskTimer timer;
    private final Object lock = new Object();
    private final Map<TaskId, TaskSlot> slots = new HashMap<>();
    private final List<Rejected> rejected = new ArrayList<>();
    private final Map<ProviderHandle, List<TaskDefinition>> applied = new HashMap<>();
    private final Map<Long, ProviderHandle> adHoc = new HashMap<>();
    /** Operators' per-task overrides by configuration PID. Guarded by the lock. */
    private final Map<String, TaskOverride> overrides = new LinkedHashMap<>();
    private final LockTable locks = new LockTable();
    private final AtomicLong runCounter = new AtomicLong();
    private final RunStats stats;
    private final RunRecorder recorder;
    /** Abandoned runs found in a store, waiting for their task to be registered. Guarded by the lock. */
    private final Map<TaskId, List<RunRecord>> abandoned = new HashMap<>();
    /** Stores this engine has been bound to (identity), so recovery runs once per store. Guarded by the lock. */
    private final Set<TaskStore> seenStores = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /**
     * Tasks whose administrative settings (enabled, paused, schedule override) were changed in this process. A
     * store arriving afterwards holds older settings for them, so theirs do not win. Guarded by the lock.
     */
    private final Set<TaskId> changedHere = new HashSet<>();
    private boolean recoveredInitialStore;
    private boolean recoveryPlanned;
    private volatile List<RetryDecider.Ranked> handlers = List.of();
    private GroupLimits groups;
    private volatile TaskStore store;
    private volatile Settings settings;
    private boolean pausedAll;
    private volatile boolean stopped;
    private int stuck;

    /** For tests: everything on the given executors, run records written at once on the caller's thread. */
    SchedulerEngine(Clock clock, Executor control, Workers workers, TaskStore store, Settings settings) {
        this(clock, control, control, workers, store, settings, false);
    }

    /**
     * @param control     reads providers' task lists and records skipped fires
     * @param stateWriter writes task states; must run its tasks one at a time, in order
     */
    SchedulerEngine(Clock clock, Executor control, Executor stateWriter, Workers workers, TaskStore store,
                    Settings settings) {
        this(clock, control, stateWriter, workers, store, settings, true);
    }

    private SchedulerEngine(Clock clock, Executor control, Executor stateWriter, Workers workers, TaskStore store,
                            Settings settings, boolean recorderThread) {
        this.recorder = new RunRecorder(this::store, recorderThread);
        this.clock = clock;
        this.control = control;
        this.stateWriter = stateWriter;
        this.workers = workers;
        this.timer = new TaskTimer(clock);
        this.store = store;
        this.settings = settings;
        this.groups = new GroupLimits(settings.groups());
        this.stats = new RunStats(clock.instant());
        this.seenStores.add(store);
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
        readTasks(handle);
        abandonedToDecide();
    }

    private void readTasks(ProviderHandle handle) {
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
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            if (!handle.isGone() && !stopped) {
                apply(handle, definitions, toDispatch);
            }
        }
        toDispatch.forEach(this::dispatch);
    }

    /**
     * The provider is gone: its tasks stop firing at once, pending retries are dropped, runs inside its code are
     * cancelled and awaited up to the grace period, and it is never called again. Blocks the caller up to the
     * grace period, so a stopping bundle does not lose its classes under a running task.
     */
    void providerRemoved(ProviderHandle handle) {
        List<Execution> inside;
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            inside = handle.close();
            for (TaskSlot slot : slotsOf(handle)) {
                unregister(slot, handle + " went away");
            }
            rejected.removeIf(r -> r.claimant == handle);
            applied.remove(handle);
        }
        cancelAndAwait(inside, handle + " went away");
        synchronized (lock) {
            retryConflicts(toDispatch);
        }
        toDispatch.forEach(this::dispatch);
    }

    private List<TaskSlot> slotsOf(ProviderHandle handle) {
        return slots.values().stream().filter(s -> s.handle == handle).toList();
    }

    private void cancelAndAwait(List<Execution> executions, String reason) {
        if (executions.isEmpty()) {
            return;
        }
        executions.forEach(e -> e.cancel(reason));
        await(executions, settings.gracePeriod(), reason);
    }

    /** @return the executions that did not end in time */
    private List<Execution> await(List<Execution> executions, Duration limit, String reason) {
        List<Execution> late = new ArrayList<>();
        long deadline = System.nanoTime() + limit.toNanos();
        for (Execution e : executions) {
            if (e.runsOn(Thread.currentThread())) {
                continue; // a task stopping its own bundle: it cannot wait for itself
            }
            try {
                if (!e.await(Math.max(0, deadline - System.nanoTime()))) {
                    late.add(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return late;
            }
        }
        if (!late.isEmpty() && !reason.isEmpty()) {
            LOG.warn("{} run(s) did not end within {} ({}): {}; they are left to finish on their own", late.size(),
                    limit, reason, late);
        }
        return late;
    }

    /** Applies a provider's current task list. Called under the lock. */
    private void apply(ProviderHandle handle, List<TaskDefinition> definitions, List<Execution> toDispatch) {
        applied.put(handle, definitions);
        rejected.removeIf(r -> r.claimant == handle);
        Map<String, TaskDefinition> byId = new LinkedHashMap<>();
        for (TaskDefinition definition : definitions) {
            if (definition == null) {
                LOG.warn("{} listed a null task definition; ignored", handle);
                continue;
            }
            if (byId.putIfAbsent(String.valueOf(definition.id()), definition) != null) {
                reject(handle, TaskId.of(handle.owner, safeId(definition)), definition, TaskState.CONFLICT,
                        "id: '" + definition.id() + "' appears more than once in the provider's list; the first one "
                                + "is used", false);
            }
        }
        Map<TaskId, TaskDefinition> wanted = new LinkedHashMap<>();
        for (TaskDefinition definition : byId.values()) {
            instances(handle, definition).forEach(id -> wanted.put(id, definition));
        }
        for (TaskSlot slot : slotsOf(handle)) {
            if (!wanted.containsKey(slot.id)) {
                boolean tenantGone = slot.id.tenant().isPresent() && byId.containsKey(slot.id.id());
                String why = tenantGone ? "tenant " + slot.id.tenant().get() + " is no longer configured"
                        : "no longer in the list of " + handle;
                unregister(slot, why);
                LOG.info("Task {} removed: {}", slot.id, why);
            }
        }
        for (TaskDefinition definition : byId.values()) {
            List<String> problems = problems(definition);
            if (problems.stream().anyMatch(p -> p.startsWith("id:"))) {
                LOG.warn("Rejected a task of {}: {}", handle, String.join("; ", problems));
                continue;
            }
            for (TaskId id : instances(handle, definition)) {
                try {
                    register(handle, id, overridden(id, definition), problems, toDispatch);
                } catch (RuntimeException e) { // a store that fails, a library that throws: this task alone
                    LOG.error("Could not register task {} from {}: {}", id, handle, e.toString(), e);
                    reject(handle, id, definition, TaskState.INVALID, "could not be registered: " + e, false);
                }
            }
        }
    }

    private static String safeId(TaskDefinition d) {
        return d.id() != null && TaskId.ID_PATTERN.matcher(d.id()).matches() ? d.id() : "invalid-id";
    }

    /** @return the ids a definition is registered under: one, or one per configured tenant */
    private List<TaskId> instances(ProviderHandle handle, TaskDefinition definition) {
        if (definition.id() == null || !TaskId.ID_PATTERN.matcher(definition.id()).matches()) {
            return List.of();
        }
        TaskId base = TaskId.of(handle.owner, definition.id());
        if (!definition.perTenant()) {
            return List.of(base);
        }
        return settings.tenants().stream().map(base::forTenant).toList();
    }

    /** @return the definition's problems, including a schedule the libraries reject */
    private List<String> problems(TaskDefinition definition) {
        List<String> problems = new ArrayList<>(definition.problems());
        if (problems.isEmpty()) {
            try {
                Schedules.sequence(definition.schedule(), settings.defaultZone(), clock.instant());
            } catch (ScheduleParseException e) {
                problems.add("schedule: " + e.getMessage());
            } catch (RuntimeException e) { // e.g. an interval so long its fires overflow
                problems.add("schedule: " + definition.scheduleText() + " cannot be planned: " + e);
            }
        }
        return problems;
    }

    /** Registers, updates or rejects one task instance. Called under the lock. @return the problem if rejected */
    private Optional<String> register(ProviderHandle handle, TaskId id, TaskDefinition definition,
                                      List<String> problems, List<Execution> toDispatch) {
        TaskSlot existing = slots.get(id);
        if (!problems.isEmpty()) {
            String problem = String.join("; ", problems);
            reject(handle, id, definition, TaskState.INVALID, problem, false);
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
            reject(handle, id, definition, TaskState.CONFLICT, problem, true);
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
        // a state not yet written (e.g. dormant after a quick bundle update) is newer than the store's
        Optional<StoredTask> known = Optional.ofNullable(dirty.get(id)).or(() -> store().loadTask(id));
        StoredTask stored = known
                .map(s -> s.withDefinition(handle.ownerLabel, digest(definition), definition.scheduleText()))
                .orElseGet(() -> StoredTask.fresh(id, handle.ownerLabel, digest(definition), definition.scheduleText()))
                .withDormant(false);
        TaskSlot slot = new TaskSlot(this, id, handle, definition, stored);
        slots.put(id, slot);
        Schedule schedule = effectiveSchedule(slot);
        Optional<Instant> planned = known.flatMap(k -> plannedFire(k, schedule));
        if (planned.isPresent()) {
            resume(slot, schedule, planned.get());
        } else {
            replan(slot, schedule);
        }
        save(slot);
        LOG.info("Task {} registered from {}: {}, next fire {}", id, handle, slot.schedule.text(),
                slot.nextFire == null ? "none" : slot.nextFire);
        if (slot.missedCount() > 0 && slot.firesOnSchedule() && !pausedAll) {
            applyMisfires(slot, toDispatch);
        }
        return Optional.empty();
    }

    /**
     * The next fire a store planned for a task, if that plan still holds: the task was not unregistered cleanly
     * (a provider that leaves clears it; a runtime that stops or crashes keeps it) and its schedule is unchanged.
     */
    private static Optional<Instant> plannedFire(StoredTask known, Schedule schedule) {
        if (known.dormant() || !known.scheduleOverride().orElse(known.scheduleText()).equals(schedule.text())) {
            return Optional.empty();
        }
        return known.nextFire();
    }

    /**
     * Registration is an idempotent upsert: an unchanged schedule keeps the next fire planned before (an interval
     * keeps its phase). A planned fire that passed while the runtime was down is a misfire, handled by the task's
     * misfire policy. Under the lock.
     */
    private void resume(TaskSlot slot, Schedule schedule, Instant planned) {
        Instant now = clock.instant();
        // anchor the sequence so that its first fire is the planned one (intervals count from registration + delay)
        Instant anchor = schedule instanceof Schedule.Interval i ? planned.minus(i.initialDelay()) : planned;
        slot.schedule = schedule;
        slot.anchor = anchor;
        slot.sequence = Schedules.sequence(schedule, settings.defaultZone(), anchor);
        if (planned.isAfter(now)) {
            arm(slot, planned);
            return;
        }
        noteDowntimeMisfires(slot, planned);
        arm(slot, next(slot, () -> slot.sequence.nextAfter(now)));
    }

    /** Notes the fires from {@code firstMissed} up to now as missed, as far as the misfire policy needs. */
    private void noteDowntimeMisfires(TaskSlot slot, Instant firstMissed) {
        Instant now = clock.instant();
        MisfirePolicy policy = misfirePolicy(slot);
        int limit = policy.kind() == MisfirePolicy.Kind.CATCH_UP ? policy.maxCatchUp() : 1;
        FireSequence replay;
        try {
            replay = Schedules.sequence(slot.schedule, settings.defaultZone(), slot.anchor);
        } catch (ScheduleParseException e) {
            return;
        }
        Instant fire = firstMissed;
        int count = 0;
        while (fire != null && fire.isBefore(now) && count < 100_000) {
            noteMissed(slot, fire);
            count++;
            Instant current = fire;
            fire = next(slot, () -> replay.nextAfter(current));
            if (policy.kind() == MisfirePolicy.Kind.SKIP
                    || policy.kind() == MisfirePolicy.Kind.CATCH_UP && slot.missedCount() >= limit) {
                break;
            }
        }
        LOG.info("Task {} missed {} fire(s) while the scheduler was down (from {}); misfire policy {}", slot.id,
                count, firstMissed, policy.kind());
    }

    private void reject(ProviderHandle handle, TaskId id, TaskDefinition definition, TaskState state, String problem,
                        boolean waitsForId) {
        if (definition.id() != null && TaskId.ID_PATTERN.matcher(definition.id()).matches()) {
            rejected.add(new Rejected(id, handle, definition, state, problem, waitsForId));
        }
    }

    /** After a task went away, a claim it blocked may take its id. Called under the lock. */
    private void retryConflicts(List<Execution> toDispatch) {
        for (Rejected r : List.copyOf(rejected)) {
            if (r.waitsForId && !slots.containsKey(r.id) && !r.claimant.isGone()) {
                rejected.remove(r);
                if (register(r.claimant, r.id, overridden(r.id, r.definition), List.of(), toDispatch).isEmpty()) {
                    LOG.info("Task {} from {} registered now that the id is free", r.id, r.claimant);
                }
            }
        }
    }

    /**
     * Stops a slot firing, drops its pending retries and waiting fires, cancels its runs (without waiting) and
     * marks its state dormant. Under the lock.
     */
    private void unregister(TaskSlot slot, String reason) {
        slot.removed = true;
        timer.cancel(slot.armed);
        slot.armed = null;
        slot.nextFire = null;
        slots.remove(slot.id);
        if (!slot.pendingRetries().isEmpty()) {
            LOG.info("Task {}: {} pending retr{} dropped: {}", slot.id, slot.pendingRetries().size(),
                    slot.pendingRetries().size() == 1 ? "y" : "ies", reason);
            slot.pendingRetries().forEach(timer::cancel);
            slot.clearPendingRetries();
        }
        slot.clearMissed();
        slot.clearCatchUp();
        slot.queued = null;
        for (Execution e : List.copyOf(slot.running())) {
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

    private MisfirePolicy misfirePolicy(TaskSlot slot) {
        return slot.definition.misfirePolicy().orElse(settings.defaultMisfire());
    }

    /**
     * Plans a slot's fires from now when its schedule is new or changed; an unchanged schedule keeps its planned
     * fire (a definition change that leaves the schedule alone must not make an interval fire again). Under the
     * lock.
     */
    private void replan(TaskSlot slot, Schedule schedule) {
        if (schedule.equals(slot.schedule) && slot.sequence != null) {
            return;
        }
        Instant now = clock.instant();
        slot.sequence = Schedules.sequence(schedule, settings.defaultZone(), now);
        slot.anchor = now;
        slot.schedule = schedule;
        if (schedule instanceof Schedule.Once once && !once.at().isAfter(now)
                && (slot.stored.lastFire().map(last -> !last.isBefore(once.at())).orElse(false)
                || misfirePolicy(slot).kind() == MisfirePolicy.Kind.SKIP)) {
            arm(slot, null); // a one-shot that already fired, or a past one whose misfire policy is SKIP
            return;
        }
        arm(slot, next(slot, () -> slot.sequence.first(now)));
    }

    /**
     * Computes a fire; a schedule library failing on a rule it accepted earlier stops that task alone (logged,
     * no next fire) instead of breaking the timer.
     */
    private Instant next(TaskSlot slot, Supplier<Optional<Instant>> computation) {
        try {
            return computation.get().orElse(null);
        } catch (RuntimeException e) {
            LOG.error("Task {}: cannot compute the next fire of {}: {}; the task will not fire until it is "
                    + "rescheduled or re-registered", slot.id, slot.schedule.text(), e.getMessage(), e);
            return null;
        }
    }

    private void arm(TaskSlot slot, Instant at) {
        synchronized (lock) { // callers hold it already; the callback below relies on it
            timer.cancel(slot.armed);
            slot.armed = null;
            slot.nextFire = at;
            slot.stored = slot.stored.withNextFire(Optional.ofNullable(at));
            if (at != null && !slot.removed) {
                // the slot is the callback and gets its entry: a fire taken off the queue just before a re-arm must
                // not run (fired() compares it with slot.armed under the lock; a due entry may fire on the timer
                // thread before schedule() has returned here, but fired() waits for this lock)
                slot.armed = timer.schedule(at, slot);
            }
        }
    }

    // --- fires and runs --------------------------------------------------------------------------------------

    /** The timer thread: plan the next fire, then hand the run to a worker. */
    void fired(TaskSlot slot, TaskTimer.Entry entry) {
        Instant scheduled = entry.at;
        Execution execution;
        synchronized (lock) {
            if (slot.removed || stopped || slot.armed != entry) {
                return; // removed, stopping, or re-armed while this fire waited for the lock
            }
            Instant now = clock.instant();
            slot.armed = null;
            Instant after = scheduled.isAfter(now) ? scheduled : now;
            arm(slot, next(slot, () -> slot.sequence.nextAfter(after)));
            if (!slot.enabled()) {
                return;
            }
            if (slot.stored.paused() || pausedAll) {
                noteMissed(slot, scheduled);
                return;
            }
            execution = start(slot, RunTrigger.SCHEDULE, scheduled, Map.of(), Set.of(), true).execution();
        }
        if (execution != null) {
            dispatch(execution);
        }
    }

    /** Remembers a fire missed while paused, as far as the task's misfire policy needs. Under the lock. */
    private void noteMissed(TaskSlot slot, Instant scheduled) {
        MisfirePolicy policy = misfirePolicy(slot);
        switch (policy.kind()) {
            case SKIP -> {
            }
            case RUN_ONCE -> {
                slot.missed().clear();
                slot.missed().add(scheduled);
            }
            case CATCH_UP -> {
                if (slot.missedCount() < policy.maxCatchUp()) {
                    slot.missed().add(scheduled);
                }
            }
        }
    }

    /** Runs what a paused task missed, per its policy. Under the lock. */
    private void applyMisfires(TaskSlot slot, List<Execution> toDispatch) {
        if (slot.missedCount() == 0) {
            return;
        }
        MisfirePolicy policy = misfirePolicy(slot);
        LOG.info("Task {}: {} missed fire(s); misfire policy {}", slot.id, slot.missedCount(), policy.kind());
        slot.catchUpMissed();
        startNextCatchUp(slot, toDispatch);
    }

    private void startNextCatchUp(TaskSlot slot, List<Execution> toDispatch) {
        Instant missed = slot.pollCatchUp();
        if (missed != null && !slot.removed) {
            Execution e = start(slot, RunTrigger.MISFIRE, missed, Map.of(), Set.of(), false).execution();
            if (e != null) {
                toDispatch.add(e);
            }
        }
    }

    /** What {@link #start} did: a run to dispatch, a queued fire, or the record of a skipped fire. */
    private record Started(Execution execution, RunRecord skipped, String queuedRunId) {
        String runId() {
            return execution != null ? execution.runId() : skipped != null ? skipped.runId() : queuedRunId;
        }
    }

    /**
     * Creates a run. Scheduled and manual runs obey the overlap policy (SKIP records a SKIPPED run, QUEUE_ONE keeps
     * one fire waiting); retries, submissions, replays and catch-ups wait for the task's own lock instead. Under
     * the lock.
     */
    private Started start(TaskSlot slot, RunTrigger trigger, Instant scheduled, Map<String, String> arguments,
                          Set<String> extraLocks, boolean overlapApplies) {
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
                slot.stored = slot.stored.withLastRun(scheduled, RunStatus.SKIPPED);
                stats.count(RunStatus.SKIPPED);
                recorder.recordLater(skipped);
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
     * The keys a run of this task holds: its definition's (per tenant for per-tenant tasks), the submission's,
     * and for periodic tasks that do not allow overlap a mutex on the task's own id.
     */
    private static Set<String> lockKeys(TaskSlot slot, Set<String> extra) {
        if (extra.isEmpty()) { // the usual case, on the timer thread for every fire: computed once per definition
            return slot.lockKeysOf(s -> ownLockKeys(s, Set.of()));
        }
        return ownLockKeys(slot, extra);
    }

    private static Set<String> ownLockKeys(TaskSlot slot, Set<String> extra) {
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

    /**
     * Takes the run's locks and group permit and hands it to its pool; on contention tries again later without
     * spending a retry.
     */
    private void dispatch(Execution execution) {
        TaskSlot slot = execution.slot;
        synchronized (lock) {
            if (slot.removed || stopped) {
                String why = "cancelled before it started: " + (stopped ? "the scheduler is stopping"
                        : "the task went away");
                // recorded off the lock (and off the timer thread, which may have re-dispatched it)
                offLock(() -> finishUnstarted(execution, why));
                return;
            }
            Instant now = clock.instant();
            String blocked = locks.tryAcquire(execution.lockKeys, execution);
            Instant retryAt = null;
            if (blocked != null) {
                retryAt = now.plus(settings.lockRetryDelay());
                LOG.debug("{} waits for lock '{}'", execution, blocked);
            } else if (execution.trigger() != RunTrigger.CALL) {
                Optional<Instant> later = groups.tryAcquire(execution.definition().group(), now,
                        settings.lockRetryDelay());
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
        try {
            workers.execute(execution.definition().priority(), () -> execute(execution));
        } catch (RejectedExecutionException e) {
            finishUnstarted(execution, "cancelled before it started: the scheduler is stopping");
        }
    }

    /** Runs {@code work} on the control executor, or here if that one has stopped. */
    private void offLock(Runnable work) {
        try {
            control.execute(work);
        } catch (RejectedExecutionException stopping) {
            work.run();
        }
    }

    /** Records a run that never reached task code. */
    private void finishUnstarted(Execution execution, String message) {
        Instant now = clock.instant();
        execution.started(now, Optional.empty());
        finish(execution, RunStatus.CANCELLED, message, Map.of(), now, Optional.empty(), Optional.empty());
    }

    /** Runs one execution on the current thread and records it. */
    private RunRecord execute(Execution execution) {
        TaskSlot slot = execution.slot;
        Instant start = clock.instant();
        Optional<Instant> deadline = execution.definition().timeout().flatMap(t -> deadline(start, t));
        execution.started(start, deadline);
        ProviderHandle handle = slot.handle;
        if (stopped) {
            return finish(execution, RunStatus.CANCELLED, "cancelled before it started: the scheduler is stopping",
                    Map.of(), start, Optional.empty(), Optional.empty());
        }
        if (!handle.enter(execution)) {
            return finish(execution, RunStatus.CANCELLED, "cancelled before it started: its provider went away",
                    Map.of(), start, Optional.empty(), Optional.empty());
        }
        RunStatus status;
        String message;
        Map<String, String> data = Map.of();
        Optional<Throwable> error = Optional.empty();
        Optional<Optional<Duration>> retryRequest = Optional.empty();
        VirtualMachineError fatal = null;
        try {
            if (!execution.enter(Thread.currentThread())) {
                return finish(execution, RunStatus.CANCELLED, "cancelled before it started: "
                        + execution.cancelReason(), Map.of(), start, Optional.empty(), Optional.empty());
            }
            deadline.ifPresent(d -> {
                synchronized (lock) {
                    execution.timeoutEntry = timer.schedule(d, due -> timedOut(execution));
                }
            });
            recorder.recordLater(new RunRecord(execution.runId(), slot.id, execution.trigger(),
                    execution.attempt(), RunStatus.RUNNING, execution.scheduledTime(), Optional.of(start),
                    Optional.empty(), "", Map.of(), execution.arguments()));
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
            } catch (TaskRetryRequestedException e) {
                message = "retry requested: " + e.getMessage();
                status = RunStatus.FAILED;
                error = Optional.of(e);
                retryRequest = Optional.of(e.delay());
            } catch (Throwable e) { // an Error from task code is a failed run too; the run must still end
                if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                    fatal = vme; // out of memory and the like: recorded, then rethrown; a deep recursion is not fatal
                }
                message = describe(e);
                status = RunStatus.FAILED;
                error = Optional.of(e);
                if (!execution.isCancelled()) {
                    LOG.warn("Task {} failed ({}): {}", slot.id, execution, message, e);
                }
            } finally {
                execution.exit();
                Thread.interrupted(); // never hand an interrupted thread back to the pool
            }
        } finally {
            handle.exit(execution);
        }
        if (execution.isTimedOut()) {
            status = RunStatus.TIMED_OUT;
            message = execution.cancelReason() + (message.isEmpty() ? "" : " (" + message + ")");
        } else if (execution.isCancelled()) {
            status = RunStatus.CANCELLED;
            message = "cancelled: " + execution.cancelReason() + (message.isEmpty() ? "" : " (" + message + ")");
            retryRequest = Optional.empty();
        }
        RunRecord finished = finish(execution, status, message, data, clock.instant(), error, retryRequest);
        if (fatal != null) {
            throw fatal; // recorded and released first; the JVM's own handling of it comes after
        }
        return finished;
    }

    /** @return start + timeout, or none for a timeout so long it means "no limit" (or would overflow) */
    private static Optional<Instant> deadline(Instant start, Duration timeout) {
        if (timeout.compareTo(Duration.ofDays(36_500)) > 0) {
            return Optional.empty();
        }
        return Optional.of(start.plus(timeout));
    }

    /** The timer thread: a run passed its deadline. */
    private void timedOut(Execution execution) {
        synchronized (lock) {
            execution.timeoutEntry = null;
            if (execution.isFinished()) {
                return;
            }
            Duration timeout = execution.definition().timeout().orElse(Duration.ZERO);
            execution.timeOut("timed out after " + timeout);
            timer.schedule(clock.instant().plus(settings.stuckAfter()), due -> stuckCheck(execution));
        }
        LOG.warn("{} timed out; cancelled and interrupted", execution);
    }

    /**
     * The timer thread: a timed-out run that still has not ended ignores interruption. Its record is finished
     * now (TIMED_OUT, through the retry path), and its pool gets a replacement thread so it does not take
     * capacity from other tasks; when the thread finally returns, the replacement goes again.
     */
    private void stuckCheck(Execution execution) {
        if (execution.isFinished()) {
            return;
        }
        boolean replaced;
        synchronized (lock) {
            replaced = workers.compensate(execution.definition().priority(), +1);
            execution.compensated = replaced;
            execution.declaredStuck = true;
            stuck++;
        }
        String message = execution.cancelReason() + " and ignored interruption: thread " + execution.threadName()
                + " is still busy (stuck)" + (replaced ? "; a replacement worker was started"
                : "; no replacement: the pool has already doubled for stuck runs");
        LOG.error("{} {}", execution, message);
        // the outcome (store write, failure hooks) is recorded off the timer thread
        Instant now = clock.instant();
        control.execute(() -> finish(execution, RunStatus.TIMED_OUT, message, Map.of(), now, Optional.empty(),
                Optional.empty()));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /**
     * Records the outcome of a run once, releases its locks and permit, and plans what follows: a retry, a dead
     * letter, the queued fire, the next catch-up.
     */
    private RunRecord finish(Execution execution, RunStatus status, String message, Map<String, String> data,
                             Instant end, Optional<Throwable> error, Optional<Optional<Duration>> retryRequest) {
        TaskSlot slot = execution.slot;
        if (!execution.finishOnce()) {
            // a stuck run finally returned: its record was written when it was declared stuck; now it lets go of
            // its task, locks and permit, and its replacement thread goes
            List<Execution> toDispatch = new ArrayList<>();
            synchronized (lock) {
                if (execution.compensated) {
                    workers.compensate(execution.definition().priority(), -1);
                    execution.compensated = false;
                }
                stuck--;
                release(execution, toDispatch);
            }
            LOG.warn("{} finally returned after being declared stuck ({}); its result is discarded: {}", execution,
                    status, message);
            execution.done();
            toDispatch.forEach(this::dispatch);
            return store().run(execution.runId()).orElse(null);
        }
        RetryDecider.Outcome outcome = RetryDecider.Outcome.of(RetryDecider.Outcome.Kind.NOT_RETRIED, "");
        if ((status == RunStatus.FAILED || status == RunStatus.TIMED_OUT) && execution.trigger() != RunTrigger.CALL
                && !slot.handle.isGone()) {
            TaskFailure failure = new TaskFailure(slot.id, execution.definition(), execution.runId(),
                    execution.attempt(), status, message, error, execution.arguments());
            try {
                outcome = RetryDecider.decide(failure, execution.definition().retryPolicy(), handlers, retryRequest);
            } catch (RuntimeException | LinkageError | AssertionError e) { // e.g. a custom RetryPolicy that throws
                LOG.error("Deciding about the failure of {} failed; no retry: {}", execution, e.toString(), e);
            }
        }
        String fullMessage = outcome.note().isEmpty() ? message
                : message + (message.isEmpty() ? "" : " — ") + outcome.note();
        boolean deadLetter = outcome.kind() == RetryDecider.Outcome.Kind.EXHAUSTED
                && execution.definition().deadLetterEligible()
                || outcome.kind() == RetryDecider.Outcome.Kind.NOT_RETRIED
                && execution.definition().deadLetterEligible() && status != RunStatus.SUCCEEDED
                && status != RunStatus.CANCELLED && execution.trigger() != RunTrigger.CALL;
        if (deadLetter) {
            fullMessage += (fullMessage.isEmpty() ? "" : "; ") + "moved to the dead letters";
        }
        RunRecord finished = new RunRecord(execution.runId(), slot.id, execution.trigger(), execution.attempt(), status,
                execution.scheduledTime(), Optional.of(execution.startTime()), Optional.of(end), fullMessage, data,
                execution.arguments());
        boolean toDeadLetters = deadLetter;
        RetryDecider.Outcome decided = outcome;
        RunRecorder.Completion completion = stored -> acknowledge(execution, finished, toDeadLetters, decided, message);
        if (slot.deleted) {
            completion.stored(false); // its history is gone: nothing to record
        } else if (execution.trigger() == RunTrigger.CALL) {
            completion.stored(recorder.record(finished)); // the caller gets the record once it is stored
        } else {
            // the worker goes on at once; the run is acknowledged (released, counted, done) once its record is
            // stored
            recorder.recordThen(finished, completion);
        }
        return finished;
    }

    /**
     * A run's final record is stored (or could not be): the run is acknowledged. Moves it to the dead letters,
     * counts it, releases its locks and permit, saves its task's state, plans a retry or the next catch-up or the
     * queued fire, and marks it done. On the recorder thread (or the caller's, without one).
     */
    private void acknowledge(Execution execution, RunRecord finished, boolean deadLetter, RetryDecider.Outcome outcome,
                             String message) {
        TaskSlot slot = execution.slot;
        RunStatus status = finished.status();
        Instant end = finished.endTime().orElseGet(clock::instant);
        List<Execution> toDispatch = new ArrayList<>();
        try {
            if (deadLetter) {
                addDeadLetter(new DeadLetter(execution.runId(), slot.id, execution.arguments(), message,
                        execution.attempt(), execution.chainStart(), end));
            } else if (outcome.kind() == RetryDecider.Outcome.Kind.EXHAUSTED) {
                LOG.warn("Task {} {} ({}): last error: {}", slot.id, outcome.note(), execution, message);
            }
            stats.count(status);
            if (execution.trigger() == RunTrigger.SCHEDULE) {
                finished.lag().ifPresent(stats::lag);
            }
            synchronized (lock) {
                // a run declared stuck keeps its task, locks and permit until its thread returns: no second copy
                // of it starts beside the first, and its retry waits for the task's lock
                if (!execution.declaredStuck) {
                    release(execution, toDispatch);
                }
                slot.stored = slot.stored.withLastRun(execution.scheduledTime(), status);
                TaskSlot current = slots.get(slot.id);
                if (!slot.deleted && (current == slot || current == null)) {
                    save(slot); // not when a newer registration of the same id owns the state now
                }
                if (!slot.removed && !stopped) {
                    if (outcome.kind() == RetryDecider.Outcome.Kind.RETRY) {
                        planRetry(execution, outcome.delay());
                    }
                    if (execution.trigger() == RunTrigger.MISFIRE) {
                        startNextCatchUp(slot, toDispatch);
                    }
                }
            }
        } finally {
            if (!execution.declaredStuck) {
                execution.done();
            }
        }
        toDispatch.forEach(this::dispatch);
    }

    /** The run's end: it leaves its task, releases its locks and permit, and a queued fire may start. Under the lock. */
    private void release(Execution execution, List<Execution> toDispatch) {
        TaskSlot slot = execution.slot;
        slot.removeRunning(execution);
        locks.release(execution.lockKeys, execution);
        if (execution.permitHeld) {
            groups.release(execution.definition().group());
            execution.permitHeld = false;
        }
        timer.cancel(execution.timeoutEntry);
        execution.timeoutEntry = null;
        if (!slot.removed && !stopped && slot.queued != null && !slot.isRunning()) {
            toDispatch.add(startQueued(slot));
        }
    }

    private void addDeadLetter(DeadLetter letter) {
        try {
            store().addDeadLetter(letter);
            LOG.warn("Task {}: run {} moved to the dead letters after {} attempt(s): {}", letter.taskId(),
                    letter.runId(), letter.attempts(), letter.lastError());
        } catch (RuntimeException e) {
            LOG.error("Could not store the dead letter of run {} of {}: {}", letter.runId(), letter.taskId(),
                    e.getMessage(), e);
        }
    }

    /** Arms a retry of a failed run. Under the lock. */
    private void planRetry(Execution failed, Duration delay) {
        TaskSlot slot = failed.slot;
        Instant due = clock.instant().plus(delay);
        TaskTimer.Entry entry = timer.schedule(due, self -> {
            Execution retry;
            synchronized (lock) {
                slot.removePendingRetry(self);
                if (slot.removed || slot.handle.isGone() || stopped) {
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

    private void record(TaskStore s, RunRecord run) {
        try {
            s.recordRun(run);
        } catch (RuntimeException e) {
            LOG.error("Could not record run {} of {} ({}) in the task store: {}", run.runId(), run.taskId(),
                    run.status(), e.getMessage(), e);
        }
    }

    /**
     * Marks a task's state for writing. Writes are coalesced and done by the state writer, outside the lock, so a
     * persistent store's commit latency never holds up firing or registration; the latest snapshot of each dirty
     * task is written. Under the lock.
     */
    private void save(TaskSlot slot) {
        dirty.put(slot.id, slot.stored);
        flushSoon();
    }

    /** Queues one write of the dirty states on the state writer, unless one is queued already. Under the lock. */
    private void flushSoon() {
        if (!dirty.isEmpty() && !flushQueued) {
            flushQueued = true;
            try {
                stateWriter.execute(this::flush);
            } catch (RejectedExecutionException stopping) {
                flushQueued = false; // awaitWrites() writes them on the caller's thread
            }
        }
    }

    /** Writes the dirty task states; runs on the single state-writer thread. */
    private void flush() {
        List<StoredTask> batch;
        TaskStore target;
        synchronized (lock) {
            batch = List.copyOf(dirty.values());
            dirty.clear();
            flushQueued = false;
            target = store;
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            target.saveTasks(batch);
        } catch (RuntimeException e) {
            LOG.error("Could not save the state of {} task(s) in the task store: {}", batch.size(), e.getMessage(), e);
        }
    }

    /**
     * Waits until every state marked so far is written: administrative changes are durable when the call
     * returns. Not under the lock.
     */
    private void awaitWrites() {
        java.util.concurrent.CompletableFuture<Void> written = new java.util.concurrent.CompletableFuture<>();
        try {
            stateWriter.execute(() -> written.complete(null));
            written.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (RejectedExecutionException stopping) {
            flush();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the task store did not confirm the change within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the change was being stored", e);
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
                slot.stored.scheduleOverride().isPresent(), slot.state(),
                slot.enabled() ? Optional.ofNullable(slot.nextFire) : Optional.empty(),
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
            throw new IllegalStateException("task " + id + " cannot run: it is " + info.state().name().toLowerCase()
                    + info.problem().map(p -> " (" + p + ")").orElse(""));
        }
        return slot;
    }

    /** A manual trigger (overlap policy applies) or a replay/submission now (waits for the task's lock). */
    String trigger(TaskId id, RunTrigger trigger, Map<String, String> arguments) {
        return trigger(id, trigger, arguments, Set.of());
    }

    private String trigger(TaskId id, RunTrigger trigger, Map<String, String> arguments, Set<String> lockKeys) {
        Started started;
        synchronized (lock) {
            started = start(runnable(id), trigger, clock.instant(), arguments, lockKeys,
                    trigger == RunTrigger.MANUAL);
        }
        if (started.execution() != null) {
            dispatch(started.execution());
        }
        return started.runId();
    }

    /**
     * Runs now on the caller's thread: no overlap check, no group limits. Named locks still hold; a held lock
     * fails the call at once rather than waiting.
     */
    RunRecord call(TaskId id, Map<String, String> arguments) {
        Execution execution;
        synchronized (lock) {
            TaskSlot slot = runnable(id);
            Set<String> keys = new LinkedHashSet<>(lockKeys(slot, Set.of()));
            keys.remove("task:" + slot.id); // a call may run beside a scheduled run of the same task
            Instant now = clock.instant();
            execution = new Execution(slot, nextRunId(), RunTrigger.CALL, now, arguments, 1, now, keys);
            String blocked = locks.tryAcquire(keys, execution);
            if (blocked != null) {
                throw new IllegalStateException("task " + id + " cannot run now: lock '" + blocked
                        + "' is held by another run; try again when it ends");
            }
            slot.addRunning(execution);
        }
        return execute(execution);
    }

    String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        for (String key : lockKeys) {
            if (!TaskId.ID_PATTERN.matcher(key).matches()) {
                throw new IllegalArgumentException("lockKeys: '" + key + "' must match " + TaskId.ID_PATTERN.pattern());
            }
        }
        if (at.isEmpty() || !at.get().isAfter(clock.instant())) {
            return trigger(id, RunTrigger.SUBMISSION, arguments, lockKeys);
        }
        synchronized (lock) {
            TaskSlot slot = runnable(id);
            String runId = nextRunId();
            TaskTimer.Entry entry = timer.schedule(at.get(), self -> {
                Instant scheduled = self.at;
                Execution execution;
                synchronized (lock) {
                    slot.removePendingRetry(self);
                    if (slot.removed || stopped) {
                        LOG.info("Submitted run {} of {} dropped: the task is gone", runId, slot.id);
                        return;
                    }
                    execution = new Execution(slot, runId, RunTrigger.SUBMISSION, scheduled, arguments, 1, scheduled,
                            lockKeys(slot, lockKeys));
                    slot.addRunning(execution);
                }
                dispatch(execution);
            });
            slot.addPendingRetry(entry); // dropped with the task, like a retry
            return runId;
        }
    }

    void setEnabled(TaskId id, boolean enabled) {
        updateState(id, s -> s.withEnabled(Optional.of(enabled)));
        LOG.info("Task {} {}", id, enabled ? "enabled" : "disabled");
    }

    void setPaused(TaskId id, boolean paused) {
        updateState(id, s -> s.withPaused(paused));
        LOG.info("Task {} {}", id, paused ? "paused" : "resumed");
        if (!paused) {
            List<Execution> toDispatch = new ArrayList<>();
            synchronized (lock) {
                TaskSlot slot = slots.get(id);
                if (slot != null && !pausedAll) {
                    applyMisfires(slot, toDispatch);
                }
            }
            toDispatch.forEach(this::dispatch);
        }
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
        awaitWrites();
        LOG.info("Task {} {}", id, schedule.map(s -> "rescheduled: " + s.text()).orElse("schedule reset"));
    }

    private void updateState(TaskId id, UnaryOperator<StoredTask> change) {
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot != null) {
                slot.stored = change.apply(slot.stored);
                save(slot);
                changedHere.add(id);
            } else {
                if (rejected.stream().anyMatch(r -> r.id.equals(id))) {
                    throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid)");
                }
                // a dormant task keeps the setting for when it returns; start from a state not yet written, if any
                StoredTask stored = Optional.ofNullable(dirty.remove(id)).or(() -> store().loadTask(id))
                        .orElseThrow(() -> new NoSuchTaskException(id.toString()));
                dirty.put(id, change.apply(stored));
                changedHere.add(id);
                flushSoon();
            }
        }
        awaitWrites();
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
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            pausedAll = paused;
            if (!paused) {
                for (TaskSlot slot : slots.values()) {
                    if (slot.firesOnSchedule()) {
                        applyMisfires(slot, toDispatch);
                    }
                }
            }
        }
        LOG.info(paused ? "Scheduler paused: no task fires until it is resumed" : "Scheduler resumed");
        toDispatch.forEach(this::dispatch);
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

    SchedulerStats stats() {
        synchronized (lock) {
            int retries = slots.values().stream().mapToInt(s -> s.pendingRetries().size()).sum();
            return new SchedulerStats(stats.since(), stats.counts(), stats.lagPercentiles(), workers.pools(), stuck,
                    retries, locks.held().size(), pausedAll);
        }
    }

    // --- configuration overrides -------------------------------------------------------------------------------

    /** Sets (or with empty, removes) the override of one configuration; affected tasks are re-registered. */
    void override(String pid, Optional<TaskOverride> override) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            if (override.isPresent()) {
                overrides.put(pid, override.get());
            } else if (overrides.remove(pid) == null) {
                return;
            }
            new HashMap<>(applied).forEach((handle, definitions) -> {
                if (!handle.isGone()) {
                    apply(handle, definitions, toDispatch);
                }
            });
        }
        toDispatch.forEach(this::dispatch);
    }

    /** @return the definition with the overrides that apply to {@code id}, in configuration order */
    private TaskDefinition overridden(TaskId id, TaskDefinition definition) {
        TaskDefinition result = definition;
        for (TaskOverride o : overrides.values()) {
            if (o.appliesTo(id)) {
                result = o.applyTo(result);
            }
        }
        return result;
    }

    // --- failure handlers ------------------------------------------------------------------------------------

    /** Replaces the failure handlers; they are consulted highest ranking first (then lowest service id). */
    void handlers(List<RetryDecider.Ranked> newHandlers) {
        List<RetryDecider.Ranked> sorted = new ArrayList<>(newHandlers);
        sorted.sort(Comparator.comparingInt(RetryDecider.Ranked::ranking).reversed()
                .thenComparingLong(RetryDecider.Ranked::serviceId));
        handlers = List.copyOf(sorted);
    }

    // --- ad-hoc tasks ----------------------------------------------------------------------------------------

    TaskId addTask(long bundleId, String owner, String ownerLabel, TaskDefinition definition, TaskAction action,
                   boolean replace) {
        List<String> problems = problems(definition);
        if (!problems.isEmpty()) {
            throw new InvalidTaskDefinitionException(String.valueOf(definition.id()), problems);
        }
        List<Execution> toDispatch = new ArrayList<>();
        TaskId id = TaskId.of(owner, definition.id());
        synchronized (lock) {
            ProviderHandle handle = adHoc.computeIfAbsent(bundleId,
                    b -> new AdHocActions(owner, bundleId, ownerLabel).handle);
            AdHocActions actions = (AdHocActions) handle.actions;
            List<TaskDefinition> current = new ArrayList<>(applied.getOrDefault(handle, List.of()));
            boolean exists = current.stream().anyMatch(d -> d.id().equals(definition.id()));
            if (exists && !replace) {
                throw new IllegalStateException("task " + id + " already exists; pass replace to replace it");
            }
            for (TaskId instance : instances(handle, definition)) {
                TaskSlot other = slots.get(instance);
                if (other != null && other.handle != handle) {
                    throw new IllegalStateException("task " + instance + " is already provided by " + other.handle);
                }
            }
            current.removeIf(d -> d.id().equals(definition.id()));
            current.add(definition);
            actions.put(definition.id(), action);
            apply(handle, current, toDispatch);
        }
        toDispatch.forEach(this::dispatch);
        return id;
    }

    /** Removes an ad-hoc task of any bundle, or forgets a dormant task; provider tasks cannot be removed. */
    boolean removeTask(TaskId id) {
        List<Execution> toDispatch = new ArrayList<>();
        try {
            synchronized (lock) {
                TaskSlot slot = slots.get(id);
                if (slot != null) {
                    if (!(slot.handle.actions instanceof AdHocActions actions)) {
                        throw new IllegalStateException("task " + id + " is provided by " + slot.handle
                                + "; disable it or stop its bundle instead");
                    }
                    slot.deleted = true; // a run still ending must not write it back
                    List<TaskDefinition> current = new ArrayList<>(applied.getOrDefault(slot.handle, List.of()));
                    if (slot.definition.perTenant()) {
                        unregister(slot, "removed by an administrator"); // one tenant's instance
                    } else {
                        current.removeIf(d -> d.id().equals(id.id()));
                        actions.remove(id.id());
                        applied.put(slot.handle, current);
                        unregister(slot, "removed by an administrator");
                    }
                    dirty.remove(id); // a pending state write must not bring it back
                    store().deleteTask(id);
                    retryConflicts(toDispatch);
                    LOG.info("Task {} removed", id);
                    return true;
                }
                if (rejected.stream().anyMatch(r -> r.id.equals(id))) {
                    throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid); "
                            + "fix or stop the bundle that claims it");
                }
                if (store().loadTask(id).isPresent()) {
                    dirty.remove(id); // a pending state write must not bring it back
                    store().deleteTask(id);
                    LOG.info("Dormant task {} forgotten: its state and history are deleted", id);
                    return true;
                }
                return false;
            }
        } finally {
            toDispatch.forEach(this::dispatch);
        }
    }

    /** @return the task's next fires as planned, in its zone */
    List<ZonedDateTime> nextFires(TaskId id, int count) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("count: " + count + " is not in 1–1000");
        }
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot == null || !slot.enabled()) {
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

    /** Stops one ad-hoc task (or job) without deleting its state: it becomes dormant. */
    void retireAdHoc(TaskId id) {
        synchronized (lock) {
            TaskSlot slot = slots.get(id);
            if (slot == null || !(slot.handle.actions instanceof AdHocActions actions)) {
                return;
            }
            List<TaskDefinition> current = new ArrayList<>(applied.getOrDefault(slot.handle, List.of()));
            current.removeIf(d -> d.id().equals(id.id()));
            applied.put(slot.handle, current);
            actions.remove(id.id());
            unregister(slot, "its configuration is gone");
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
        private final Map<String, TaskAction> actions = new ConcurrentHashMap<>();
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
        if (!store().removeDeadLetter(runId)) {
            throw new IllegalArgumentException("dead letter '" + runId + "' was replayed or purged meanwhile");
        }
        String newRun;
        try {
            newRun = trigger(letter.taskId(), RunTrigger.REPLAY, letter.arguments());
        } catch (RuntimeException e) {
            store().addDeadLetter(letter); // not replayed after all: keep it
            throw e;
        }
        LOG.info("Dead letter {} of {} replayed as run {}", runId, letter.taskId(), newRun);
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

    int purgeHistory(Duration olderThan) {
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("older than: " + olderThan + " must not be negative");
        }
        int removed = store().pruneRuns(clock.instant().minus(olderThan), Integer.MAX_VALUE);
        LOG.info("Run history older than {} purged: {} run(s) removed", olderThan, removed);
        return removed;
    }

    // --- lifecycle and settings ------------------------------------------------------------------------------

    /**
     * Applies new settings: schedules without their own zone are re-planned if the default zone changed, and
     * per-tenant tasks gain or lose instances when the tenant list changed.
     */
    void settings(Settings newSettings) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            Settings old = settings;
            settings = newSettings;
            if (!old.groups().equals(newSettings.groups())) {
                groups = groups.withLimits(newSettings.groups()); // running counts and rate windows carry over
            }
            if (!old.defaultZone().equals(newSettings.defaultZone())) {
                for (TaskSlot slot : slots.values()) {
                    // only wall-clock schedules depend on the zone; intervals and one-shots keep their plan
                    if (slot.schedule.zone().isEmpty() && (slot.schedule instanceof Schedule.Cron
                            || slot.schedule instanceof Schedule.RRule)) {
                        slot.sequence = null;
                        Schedule schedule = slot.schedule;
                        slot.schedule = null;
                        replan(slot, schedule);
                    }
                }
            }
            if (!old.tenants().equals(newSettings.tenants())) {
                LOG.info("Tenants changed from {} to {}", old.tenants(), newSettings.tenants());
                new HashMap<>(applied).forEach((handle, definitions) -> {
                    if (!handle.isGone() && definitions.stream().anyMatch(d -> d != null && d.perTenant())) {
                        apply(handle, definitions, toDispatch);
                    }
                });
            }
        }
        toDispatch.forEach(this::dispatch);
    }

    Settings settings() {
        return settings;
    }

    /**
     * A different store won (a persistent store arriving, or leaving so the in-memory one is back). What a store
     * seen for the first time knows of a registered task's administrative state wins (it outlived this process);
     * the current state is then written to it, and the runs and dead letters recorded in the old store meanwhile are copied over, so
     * nothing recorded while the stores changed is lost. The first time a store is seen, runs it still holds as
     * RUNNING are recovered as ABANDONED and fires missed while the runtime was down follow the misfire policy.
     *
     * <p>The switch and the copy exclude the run recorder: each batch it writes lands either in the old store
     * before the copy reads it, or in the new store after the copy, never in the old store behind the copy's back.
     */
    void store(TaskStore newStore) {
        // task states marked for writing go to the store current now before it is replaced: a store that leaves is
        // still open while it is unbound, and what it does not get now it would only get if it came back
        synchronized (lock) {
            if (store == newStore) {
                return;
            }
            flushSoon();
        }
        try {
            awaitWrites();
        } catch (IllegalStateException e) {
            LOG.error("Switching task stores: the previous store did not confirm the last task states ({}); they are "
                    + "written to the new one", e.getMessage());
        }
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (lock) {
            TaskStore old = store;
            if (old == newStore) {
                return;
            }
            boolean firstSight = seenStores.add(newStore);
            int[] copied = new int[2];
            recorder.exclusive(() -> {
                store = newStore;
                for (TaskSlot slot : slots.values()) {
                    copied[0] += copyRuns(old, newStore, slot.id);
                }
                copied[1] = copyDeadLetters(old, newStore);
            });
            for (TaskSlot slot : slots.values()) {
                // a store seen for the first time outlived this process: its settings win, unless an administrator
                // changed the task's settings in this process (a store bundle that left and returns is a new
                // instance holding what it knew when it left); one seen before only holds what this process wrote
                // earlier, so the current settings win
                Optional<StoredTask> known = firstSight && !changedHere.contains(slot.id)
                        ? newStore.loadTask(slot.id) : Optional.empty();
                if (known.isPresent()) {
                    StoredTask k = known.get();
                    slot.stored = slot.stored.withEnabled(k.enabled()).withPaused(k.paused())
                            .withScheduleOverride(k.scheduleOverride());
                    Schedule schedule = effectiveSchedule(slot);
                    Optional<Instant> planned = plannedFire(k, schedule);
                    if (planned.isPresent()) {
                        resume(slot, schedule, planned.get());
                    } else {
                        replan(slot, schedule);
                    }
                }
                save(slot);
            }
            // settings changed here for tasks that are not registered (dormant) were written to the old store only
            for (TaskId id : changedHere) {
                if (!slots.containsKey(id) && !dirty.containsKey(id)) {
                    try {
                        old.loadTask(id).ifPresent(t -> dirty.put(id, t));
                    } catch (RuntimeException e) {
                        LOG.error("Could not read the state of {} from the previous task store: {}", id,
                                e.getMessage(), e);
                    }
                }
            }
            flushSoon();
            if (copied[0] + copied[1] > 0) {
                LOG.info("Copied {} run(s) and {} dead letter(s) recorded in the previous store into the new one",
                        copied[0], copied[1]);
            }
            if (firstSight) {
                recoverAbandoned(newStore);
            }
            for (TaskSlot slot : slots.values()) {
                if (slot.missedCount() > 0 && slot.firesOnSchedule() && !pausedAll) {
                    applyMisfires(slot, toDispatch);
                }
            }
        }
        toDispatch.forEach(this::dispatch);
        abandonedToDecide();
    }

    private int copyDeadLetters(TaskStore from, TaskStore to) {
        int copied = 0;
        try {
            Set<String> there = new HashSet<>();
            to.deadLetters().forEach(d -> there.add(d.runId()));
            for (DeadLetter letter : from.deadLetters()) {
                if (there.add(letter.runId())) {
                    to.addDeadLetter(letter);
                    copied++;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Could not copy the dead letters into the new task store: {}", e.getMessage(), e);
        }
        return copied;
    }

    /**
     * Copies a task's runs from the store that was current into the new one, in one batch: the runs the new store
     * lacks, and those it holds in another version. The old store's version is the newer one: while it was
     * current, every record went there; a store that left and returns still holds a run that was RUNNING when it
     * left, which finished meanwhile (it must not be taken for a run cut off by a crash).
     */
    private int copyRuns(TaskStore from, TaskStore to, TaskId id) {
        try {
            Map<String, RunRecord> there = new HashMap<>();
            to.runs(id, 1000).forEach(r -> there.put(r.runId(), r));
            List<RunRecord> changed = from.runs(id, 1000).stream().filter(r -> !r.equals(there.get(r.runId())))
                    .toList();
            to.recordRuns(changed);
            return changed.size();
        } catch (RuntimeException e) {
            LOG.error("Could not copy the runs of {} into the new task store: {}", id, e.getMessage(), e);
            return 0;
        }
    }

    /**
     * Runs a store still holds as RUNNING that no execution of this process owns were cut off by a crash or a
     * hard stop: they become ABANDONED and go through the retry path when their task is registered. Under the
     * lock.
     */
    private void recoverAbandoned(TaskStore s) {
        Set<String> live = new HashSet<>();
        slots.values().forEach(slot -> slot.running().forEach(e -> live.add(e.runId())));
        Instant now = clock.instant();
        for (RunRecord run : s.runningRuns()) {
            if (live.contains(run.runId())) {
                continue;
            }
            RunRecord abandonedRun = run.finish(RunStatus.ABANDONED, now,
                    "abandoned: the runtime stopped or crashed while it ran", run.data());
            record(s, abandonedRun);
            stats.count(RunStatus.ABANDONED);
            abandoned.computeIfAbsent(run.taskId(), k -> new ArrayList<>()).add(abandonedRun);
            LOG.warn("Run {} of {} was left RUNNING by the previous process; recorded as ABANDONED", run.runId(),
                    run.taskId());
        }
    }

    /**
     * Decides, off the lock, what follows each abandoned run whose task is registered now. With a recovery delay
     * the decision waits that long after start-up, so failure handlers of bundles starting alongside are bound.
     */
    private void abandonedToDecide() {
        Duration wait = settings.recoveryDelay();
        if (!wait.isZero() && clock.instant().isBefore(stats.since().plus(wait))) {
            synchronized (lock) {
                if (!abandoned.isEmpty() && !recoveryPlanned) {
                    recoveryPlanned = true;
                    timer.schedule(stats.since().plus(wait), due -> control.execute(() -> {
                        synchronized (lock) {
                            recoveryPlanned = false;
                        }
                        decideAbandoned();
                    }));
                }
            }
            return;
        }
        decideAbandoned();
    }

    private void decideAbandoned() {
        List<RunRecord> ready = new ArrayList<>();
        synchronized (lock) {
            for (TaskId id : List.copyOf(abandoned.keySet())) {
                if (slots.containsKey(id)) {
                    ready.addAll(abandoned.remove(id));
                }
            }
        }
        for (RunRecord run : ready) {
            TaskSlot slot;
            synchronized (lock) {
                slot = slots.get(run.taskId());
            }
            if (slot == null) {
                continue;
            }
            Execution pseudo = new Execution(slot, run.runId(), run.trigger(), run.scheduledTime(), run.arguments(),
                    run.attempt(), run.scheduledTime(), ownLockKeys(slot, Set.of())); // off the lock: no cache
            TaskFailure failure = new TaskFailure(slot.id, slot.definition, run.runId(), run.attempt(),
                    RunStatus.ABANDONED, run.message(), Optional.empty(), run.arguments());
            RetryDecider.Outcome outcome;
            try {
                outcome = RetryDecider.decide(failure, slot.definition.retryPolicy(), handlers, Optional.empty());
            } catch (RuntimeException | LinkageError | AssertionError e) {
                LOG.error("Deciding about abandoned run {} of {} failed; no retry: {}", run.runId(), slot.id,
                        e.toString(), e);
                continue;
            }
            boolean deadLetter = slot.definition.deadLetterEligible()
                    && outcome.kind() != RetryDecider.Outcome.Kind.RETRY
                    && outcome.kind() != RetryDecider.Outcome.Kind.ABORTED;
            if (!outcome.note().isEmpty() || deadLetter) {
                record(store(), run.finish(RunStatus.ABANDONED, run.endTime().orElse(clock.instant()),
                        run.message() + (outcome.note().isEmpty() ? "" : " — " + outcome.note())
                                + (deadLetter ? "; moved to the dead letters" : ""), run.data()));
            }
            if (deadLetter) {
                addDeadLetter(new DeadLetter(run.runId(), slot.id, run.arguments(), run.message(), run.attempt(),
                        run.scheduledTime(), run.endTime().orElse(clock.instant())));
            }
            if (outcome.kind() == RetryDecider.Outcome.Kind.RETRY) {
                synchronized (lock) {
                    if (!slot.removed) {
                        planRetry(pseudo, outcome.delay());
                    }
                }
            }
        }
    }

    /** Recovers what the initial store holds from a previous process, then starts the timer thread. */
    void start() {
        recover();
        timer.start("task-scheduler-timer");
    }

    /** Crash recovery against the initial store (tests call it directly instead of {@link #start()}). */
    void recover() {
        synchronized (lock) {
            if (!recoveredInitialStore) {
                recoveredInitialStore = true;
                recoverAbandoned(store);
            }
        }
        abandonedToDecide();
    }

    /**
     * Stops gracefully: no more fires; running work may finish within the grace period; what is still running
     * then is cancelled (interrupted) and briefly awaited. No provider is called afterwards.
     */
    void stop() {
        List<Execution> running = new ArrayList<>();
        List<ProviderHandle> handles = new ArrayList<>();
        synchronized (lock) {
            stopped = true;
            for (TaskSlot s : slots.values()) {
                timer.cancel(s.armed);
                s.pendingRetries().forEach(timer::cancel);
                running.addAll(s.running());
                if (!handles.contains(s.handle)) {
                    handles.add(s.handle);
                }
            }
        }
        timer.stop();
        List<Execution> late = await(running.stream().filter(Execution::hasStarted).toList(), settings.gracePeriod(),
                "");
        handles.forEach(ProviderHandle::close);
        // next fires and last runs, so the next start knows what was missed while down; through the writer, so an
        // older batch can never commit after this one
        synchronized (lock) {
            flushSoon();
        }
        awaitWrites();
        recorder.close();
        if (!late.isEmpty()) {
            LOG.warn("Stopping: {} run(s) still going after the grace period of {}; cancelling them: {}", late.size(),
                    settings.gracePeriod(), late);
            cancelAndAwaitBriefly(late);
        }
    }

    private void cancelAndAwaitBriefly(List<Execution> executions) {
        executions.forEach(e -> e.cancel("the scheduler is stopping"));
        await(executions, Duration.ofSeconds(1), "the scheduler is stopping");
    }

    static String digest(TaskDefinition d) {
        String canonical = String.join("\n", d.id(), d.name(), d.description(), d.scheduleText(),
                String.valueOf(d.timeout().orElse(null)), String.valueOf(d.retryPolicy()), d.overlapPolicy().name(),
                d.priority().name(), String.valueOf(d.misfirePolicy().orElse(null)), String.valueOf(d.lockKeys()),
                String.valueOf(d.group().orElse(null)), String.valueOf(d.perTenant()),
                String.valueOf(d.deadLetterEligible()), String.valueOf(d.enabledByDefault()),
                String.valueOf(new TreeMap<>(d.config())));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

}
