package org.pluginscheduler.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Thrown by a task to ask for a retry explicitly, optionally after a given delay. The retry is still bounded by
 * the task's {@link RetryPolicy#maxRetries()}; the delay, if given, replaces the policy's. The run is recorded as
 * {@link RunStatus#FAILED}, and failure handlers are still asked first.
 */
public class TaskRetryRequestedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Duration delay;

    /** Asks for a retry after the policy's delay. */
    public TaskRetryRequestedException(String message) {
        super(Objects.requireNonNull(message, "message"));
        this.delay = null;
    }

    /** Asks for a retry after {@code delay}. */
    public TaskRetryRequestedException(String message, Duration delay) {
        super(Objects.requireNonNull(message, "message"));
        this.delay = Objects.requireNonNull(delay, "delay");
    }

    /** @return the requested delay; empty to use the policy's */
    public Optional<Duration> delay() {
        return Optional.ofNullable(delay);
    }
}
