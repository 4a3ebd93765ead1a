package org.pluginscheduler.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One run of a task, as kept in its history. A run record is written when the run starts ({@link RunStatus#RUNNING})
 * and replaced when it ends; a skipped fire is recorded directly as {@link RunStatus#SKIPPED}.
 *
 * @param runId         unique id of the run; sortable by creation time
 * @param taskId        the task
 * @param trigger       why it ran
 * @param attempt       1-based attempt number
 * @param status        the status
 * @param scheduledTime when it was due
 * @param startTime     when it started executing; empty for skipped fires
 * @param endTime       when it ended; empty while running and for skipped fires
 * @param message       the result's message, the exception's message, or why it was skipped/cancelled
 * @param data          the result's data
 * @param arguments     the arguments of a submission or call
 */
public record RunRecord(String runId, TaskId taskId, RunTrigger trigger, int attempt, RunStatus status,
                        Instant scheduledTime, Optional<Instant> startTime, Optional<Instant> endTime, String message,
                        Map<String, String> data, Map<String, String> arguments) {

    public RunRecord {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(startTime, "startTime");
        Objects.requireNonNull(endTime, "endTime");
        Objects.requireNonNull(message, "message");
        data = Map.copyOf(data);
        arguments = Map.copyOf(arguments);
    }

    /** @return how long the run executed, once it has ended */
    public Optional<Duration> duration() {
        return startTime.flatMap(s -> endTime.map(e -> Duration.between(s, e)));
    }

    /** @return how late the run started relative to its scheduled time (the fire lag) */
    public Optional<Duration> lag() {
        return startTime.map(s -> Duration.between(scheduledTime, s));
    }

    /** @return a copy with a final status, end time, message and data */
    public RunRecord finish(RunStatus newStatus, Instant end, String newMessage, Map<String, String> newData) {
        return new RunRecord(runId, taskId, trigger, attempt, newStatus, scheduledTime, startTime, Optional.of(end),
                newMessage, newData, arguments);
    }
}
