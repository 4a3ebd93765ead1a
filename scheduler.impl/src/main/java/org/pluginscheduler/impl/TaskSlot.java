package org.pluginscheduler.impl;

import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.RunStatus;
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
    boolean removed;

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
