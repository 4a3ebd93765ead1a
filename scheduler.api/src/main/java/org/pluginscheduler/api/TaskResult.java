package org.pluginscheduler.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one run, returned by {@link ScheduledTaskProvider#execute}. The scheduler measures the
 * duration itself. A thrown exception is a failure too, recorded with the exception's message.
 *
 * @param successful {@code true} for success
 * @param message    a short human-readable summary; may be empty
 * @param data       small key/value facts about the run (counts, sizes), kept in the run record
 */
public record TaskResult(boolean successful, String message, Map<String, String> data) {

    public TaskResult {
        Objects.requireNonNull(message, "message");
        // reject nulls here, where the provider builds the result: the run record (Map.copyOf) cannot hold them
        Objects.requireNonNull(data, "data").forEach((k, v) -> {
            Objects.requireNonNull(k, "data: null key");
            Objects.requireNonNull(v, () -> "data: null value for '" + k + "'");
        });
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    /** @return a success with no message */
    public static TaskResult success() {
        return new TaskResult(true, "", Map.of());
    }

    /** @return a success with a message */
    public static TaskResult success(String message) {
        return new TaskResult(true, message, Map.of());
    }

    /** @return a success with a message and data */
    public static TaskResult success(String message, Map<String, String> data) {
        return new TaskResult(true, message, data);
    }

    /** @return a failure with a message */
    public static TaskResult failure(String message) {
        return new TaskResult(false, message, Map.of());
    }

    /** @return a failure with a message and data */
    public static TaskResult failure(String message, Map<String, String> data) {
        return new TaskResult(false, message, data);
    }

    /** @return a copy with one more data entry */
    public TaskResult withData(String key, Object value) {
        Map<String, String> copy = new LinkedHashMap<>(data);
        copy.put(Objects.requireNonNull(key, "key"), String.valueOf(value));
        return new TaskResult(successful, message, copy);
    }
}
