package org.pluginscheduler.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A run of a dead-letter-eligible task that exhausted its retries, kept for an administrator to inspect, replay or
 * purge.
 *
 * @param runId        the last attempt's run id; the dead letter's identity
 * @param taskId       the task
 * @param arguments    the arguments a replay passes again
 * @param lastError    the last failure message
 * @param attempts     how many attempts were made
 * @param firstAttempt when the first attempt was due
 * @param lastAttempt  when the last attempt ended
 */
public record DeadLetter(String runId, TaskId taskId, Map<String, String> arguments, String lastError, int attempts,
                         Instant firstAttempt, Instant lastAttempt) {
    public DeadLetter {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(firstAttempt, "firstAttempt");
        Objects.requireNonNull(lastAttempt, "lastAttempt");
        arguments = Map.copyOf(arguments);
    }
}
