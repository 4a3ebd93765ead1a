package org.pluginscheduler.impl.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.impl.schedule.FireSequence;

/**
 * A registered task. Every field is guarded by the core lock, and each group of fields has one owner part: the
 * registry (definition, removed, deleted), the {@link Planner} (schedule, sequence, anchor, armed, missed), the
 * {@link Launcher} (running, queued fire, pending retries, catch-up, lock keys). {@code stored}, the task's
 * persisted state, is updated by the part whose concern changed and written only through the
 * {@link TaskStateWriter}. It is also its own timer callback (one object fewer per task). Its collections exist
 * only while they hold something: a registered task that is not running, retrying or catching up costs no
 * collection at all (P4: tasks per GB of heap).
 */
final class TaskSlot implements TaskTimer.Due {
    private final Planner planner;
    final TaskId id;
    final ProviderHandle handle;
    TaskDefinition definition;
    StoredTask stored;
    Schedule schedule;
    FireSequence sequence;
    /** When the sequence was created (anchors intervals). */
    Instant anchor;
    /** The timer entry of the next fire, or null: the one place the next fire is held. */
    TaskTimer.Entry armed;
    /** Runs of this task not yet acknowledged: null, one {@link Execution}, or a set of them. */
    private Object running;
    /** The lock keys of this task's runs without extra keys, for {@link #lockKeysOf}; null until first asked. */
    private Set<String> ownLockKeys;
    private TaskDefinition ownLockKeysOf;
    private Schedule ownLockKeysFor;
    private String scheduleText;
    private Schedule scheduleTextOf;
    /** Accepted runs (retries, submissions) waiting for their time, with their timer entries, or null. */
    private Map<TaskTimer.Entry, PendingRun> pendingRetries;
    /** Fires missed while paused, oldest first (bounded by the misfire policy), or null. */
    private Deque<Instant> missed;
    /** Missed fires being caught up, one after another (each stored as a pending run), or null. */
    private Deque<PendingRun> catchUp;
    /** The one fire waiting under {@code QUEUE_ONE} (stored as a pending run), or null. */
    PendingRun queued;
    boolean removed;
    /** Removed for good (state and history deleted): a run still ending must not write it back. */
    boolean deleted;

    TaskSlot(Planner planner, TaskId id, ProviderHandle handle, TaskDefinition definition, StoredTask stored) {
        this.planner = planner;
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
        planner.fired(this, due);
    }

    /** @return when this task fires next, or null */
    Instant nextFire() {
        TaskTimer.Entry entry = armed;
        return entry == null ? null : entry.at;
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
     * @return the schedule's canonical text, made once per schedule: listings ask for it for every task on every
     *         call ({@code SchedulerAdmin.tasks()} at 10,000 tasks)
     */
    String scheduleText() {
        Schedule now = schedule;
        if (now == null) {
            return definition.scheduleText();
        }
        if (scheduleTextOf != now) {
            scheduleText = now.text();
            scheduleTextOf = now;
        }
        return scheduleText;
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

    /** @return the waiting retries and submissions with their timer entries (read only) */
    Map<TaskTimer.Entry, PendingRun> pendingRetries() {
        return pendingRetries == null ? Map.of() : Collections.unmodifiableMap(pendingRetries);
    }

    void addPendingRetry(TaskTimer.Entry entry, PendingRun run) {
        if (pendingRetries == null) {
            pendingRetries = new HashMap<>(4);
        }
        pendingRetries.put(entry, run);
    }

    /** @return whether the entry was waiting here (it was not withdrawn meanwhile) */
    boolean removePendingRetry(TaskTimer.Entry entry) {
        if (pendingRetries == null || pendingRetries.remove(entry) == null) {
            return false;
        }
        if (pendingRetries.isEmpty()) {
            pendingRetries = null;
        }
        return true;
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

    /** @return the missed fires, oldest first, forgotten here */
    Collection<Instant> takeMissed() {
        Collection<Instant> taken = missed == null ? List.of() : missed;
        missed = null;
        return taken;
    }

    /** Queues fires for catching up, after those queued already. */
    void queueCatchUp(Collection<PendingRun> fires) {
        if (!fires.isEmpty()) {
            if (catchUp == null) {
                catchUp = new ArrayDeque<>(fires.size());
            }
            catchUp.addAll(fires);
        }
    }

    /** @return the next missed fire to catch up, or null */
    PendingRun pollCatchUp() {
        if (catchUp == null) {
            return null;
        }
        PendingRun next = catchUp.pollFirst();
        if (catchUp.isEmpty()) {
            catchUp = null;
        }
        return next;
    }

    /** @return the missed fires still to catch up (read only) */
    Collection<PendingRun> catchUpQueue() {
        return catchUp == null ? List.of() : Collections.unmodifiableCollection(catchUp);
    }

    /** @return the missed fires still to catch up, forgotten here */
    List<PendingRun> takeCatchUp() {
        List<PendingRun> taken = catchUp == null ? List.of() : List.copyOf(catchUp);
        catchUp = null;
        return taken;
    }
}
