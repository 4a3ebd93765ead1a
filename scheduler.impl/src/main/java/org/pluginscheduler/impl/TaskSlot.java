package org.pluginscheduler.impl;

import java.time.Instant;
import java.util.ArrayDeque;
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

/** A registered task. Every field is guarded by the engine's lock. */
final class TaskSlot {
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
    final Set<Execution> running = new HashSet<>();
    /** Retries waiting for their delay, cancelled if the task goes. */
    final Set<TaskTimer.Entry> pendingRetries = new HashSet<>();
    /** Fires missed while paused, oldest first (bounded by the misfire policy). */
    final Deque<Instant> missed = new ArrayDeque<>(1); // usually empty: 2 slots, not the default 17 (64 B less)
    /** Missed fires being caught up, one after another. */
    final Deque<Instant> catchUp = new ArrayDeque<>(1);
    /** The one fire waiting under {@code QUEUE_ONE}, or null. */
    Instant queued;
    RunTrigger queuedTrigger;
    String queuedRunId;
    boolean removed;
    /** Removed for good (state and history deleted): a run still ending must not write it back. */
    boolean deleted;

    TaskSlot(TaskId id, ProviderHandle handle, TaskDefinition definition, StoredTask stored) {
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
}
