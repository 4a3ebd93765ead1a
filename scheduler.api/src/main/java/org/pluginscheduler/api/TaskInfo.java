package org.pluginscheduler.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one task as the scheduler sees it.
 *
 * @param id                the qualified id
 * @param ownerBundle       the providing bundle's symbolic name and version, e.g. {@code my.plugin 1.2.0}
 * @param definition        the definition (for {@link TaskState#DORMANT} tasks: the last one seen, if known)
 * @param scheduleText      the effective schedule's canonical text (the override if there is one)
 * @param scheduleOverridden {@code true} if an administrator rescheduled it
 * @param state             the administrative state
 * @param nextFire          the next scheduled fire; empty for disabled, dormant, conflicting and invalid tasks
 *                          and schedules that are exhausted (for a paused task: the next fire it will miss)
 * @param lastFire          the scheduled time of the most recent run
 * @param lastStatus        the status of the most recent run
 * @param problem           for {@link TaskState#CONFLICT} and {@link TaskState#INVALID}: what is wrong
 */
public record TaskInfo(TaskId id, String ownerBundle, Optional<TaskDefinition> definition, String scheduleText,
                       boolean scheduleOverridden, TaskState state, Optional<Instant> nextFire,
                       Optional<Instant> lastFire, Optional<RunStatus> lastStatus, Optional<String> problem) {
    public TaskInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownerBundle, "ownerBundle");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(scheduleText, "scheduleText");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nextFire, "nextFire");
        Objects.requireNonNull(lastFire, "lastFire");
        Objects.requireNonNull(lastStatus, "lastStatus");
        Objects.requireNonNull(problem, "problem");
    }
}
