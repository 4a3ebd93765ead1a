package org.pluginscheduler.api;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed run, as shown to {@link TaskFailureHandler}s.
 *
 * @param taskId     the task
 * @param definition its definition
 * @param runId      the failed run
 * @param attempt    the failed attempt, 1-based
 * @param status     {@link RunStatus#FAILED}, {@link RunStatus#TIMED_OUT} or {@link RunStatus#ABANDONED}
 * @param message    the failure message (the result's message or the exception's)
 * @param error      the exception thrown by the task, if any
 * @param arguments  the run's arguments
 */
public record TaskFailure(TaskId taskId, TaskDefinition definition, String runId, int attempt, RunStatus status,
                          String message, Optional<Throwable> error, Map<String, String> arguments) {
    public TaskFailure {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(error, "error");
        arguments = Map.copyOf(arguments);
    }
}
