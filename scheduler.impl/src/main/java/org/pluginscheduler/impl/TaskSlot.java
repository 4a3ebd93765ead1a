package org.pluginscheduler.impl;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;

/**
 * A registered task. Every field is guarded by the engine's lock. It is also its own timer callback (one object
 * fewer per task). Its collections exist only while they hold something: a registered task that is not running,
 * retrying or catching up costs no collection at all (P4: tasks per GB of heap).
 */
final class TaskSlot implements TaskTimer.Due {
    private final SchedulerEngine engine;
    final TaskId id;
    final ProviderHandle handle;
    TaskDefinition definition;
    StoredTask stored;
    Schedule schedule;
    FireSequence sequence;
    /** When the sequence was created (anchors intervals). */
    Instant anchor;
    TaskTimer.Entry armed;
    Instant nextFire;
    /** Runs of this task not yet acknowledged: null, one {@link Execution}, or a set of them. */
    private Object running;
    /** The lock keys of this task's runs without extra keys, for {@link #lockKeysOf}; null until first asked. */
    private Set<String> ownLockKeys;
    private TaskDefinition ownLockKeysOf;
    private Schedule ownLockKeysFor;
    /** Retries and submissions waiting for their time, cancelled if the task goes, or null. */
    private Set<TaskTimer.Entry> pendingRetries;
    /** Fires missed while paused, oldest first (bounded by the misfire policy), or null. */
    private Deque<Instant> missed;
    /** Missed fires being caught up, one after another, or null. */
    private Deque<Instant> catchUp;
    /** The one fire waiting under {@code QUEUE_ONE}, or null. */
    Instant queued;
    RunTrigger queuedTrigger;
    String queuedRunId;
    boolean removed;
    /** Removed for good (state and history deleted): a run still ending must not write it back. */
    boolean deleted;

    TaskSlot(SchedulerEngine engine, TaskId id, ProviderHandle handle, TaskDefinition definition, StoredTask stored) {
        this.engine = engine;
        this.id = id;
        this.handle = handle;
        this.definition = definition;
        this.stored = stored;
    }

    boolean enabled() {
        return stored.enabled().orElse(definition.enabledByDefault());
    }

    /** @return whether scheduled fires of this task run */
    boolean firesOnSchedule() {
        return enabled() && !stored.paused();
    }

    TaskState state() {
        if (!enabled()) {
            return TaskState.DISABLED;
        }
        return stored.paused() ? TaskState.PAUSED : TaskState.ACTIVE;
    }

    Optional<RunStatus> lastStatus() {
        return stored.lastStatus();
    }

    /** The timer: this task's armed fire fell due. */
    @Override
    public void fire(TaskTimer.Entry due) {
        engine.fired(this, due);
    }

    /** @return the runs not yet acknowledged (read only) */
    @SuppressWarnings("unchecked")
    Set<Execution> running() {
        if (running == null) {
            return Set.of();
        }
        return running instanceof Execution one ? Set.of(one)
                : Collections.unmodifiableSet((Set<Execution>) running);
    }

    boolean isRunning() {
        return running != null;
    }

    @SuppressWarnings("unchecked")
    void addRunning(Execution execution) {
        if (running == null) {
            running = execution; // the usual case: one run at a time, no collection
        } else if (running instanceof Execution one) {
            if (one != execution) {
                Set<Execution> set = new HashSet<>(4);
                set.add(one);
                set.add(execution);
                running = set;
            }
        } else {
            ((Set<Execution>) running).add(execution);
        }
    }

    @SuppressWarnings("unchecked")
    void removeRunning(Execution execution) {
        if (running == execution) {
            running = null;
        } else if (running instanceof Set<?> set && set.remove(execution) && set.isEmpty()) {
            running = null;
        }
    }

    /**
     * @return the keys every run of this task holds, computed by {@code compute} once per definition and schedule
     *         (so a fire does not build them again)
     */
    Set<String> lockKeysOf(java.util.function.Function<TaskSlot, Set<String>> compute) {
        if (ownLockKeys == null || ownLockKeysOf != definition || ownLockKeysFor != schedule) {
            ownLockKeys = compute.apply(this);
            ownLockKeysOf = definition;
            ownLockKeysFor = schedule;
        }
        return ownLockKeys;
    }

    /** @return the waiting retries and submissions (read only) */
    Set<TaskTimer.Entry> pendingRetries() {
        return pendingRetries == null ? Set.of() : Collections.unmodifiableSet(pendingRetries);
    }

    void addPendingRetry(TaskTimer.Entry entry) {
        if (pendingRetries == null) {
            pendingRetries = new HashSet<>(4);
        }
        pendingRetries.add(entry);
    }

    void removePendingRetry(TaskTimer.Entry entry) {
        if (pendingRetries != null && pendingRetries.remove(entry) && pendingRetries.isEmpty()) {
            pendingRetries = null;
        }
    }

    void clearPendingRetries() {
        pendingRetries = null;
    }

    /** @return how many missed fires are remembered */
    int missedCount() {
        return missed == null ? 0 : missed.size();
    }

    /** @return the missed fires, created on first use */
    Deque<Instant> missed() {
        if (missed == null) {
            missed = new ArrayDeque<>(1);
        }
        return missed;
    }

    void clearMissed() {
        missed = null;
    }

    /** Queues the missed fires for catching up and forgets them as missed. */
    void catchUpMissed() {
        if (missed != null) {
            if (catchUp == null) {
                catchUp = new ArrayDeque<>(missed.size());
            }
            catchUp.addAll(missed);
            missed = null;
        }
    }

    /** @return the next missed fire to catch up, or null */
    Instant pollCatchUp() {
        if (catchUp == null) {
            return null;
        }
        Instant next = catchUp.pollFirst();
        if (catchUp.isEmpty()) {
            catchUp = null;
        }
        return next;
    }

    void clearCatchUp() {
        catchUp = null;
    }
}
